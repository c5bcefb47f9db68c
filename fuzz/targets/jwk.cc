// JSON Web Keys and JWK sets (provisioner keys in ca.json, `jwk` headers of ACME and one-time
// tokens, key files): for every key that parses (the document itself, or each member of a
// {"keys": [...]} set),
//  - parse -> serialize -> parse is stable: both serializations (ToJsonString, go-jose's order;
//    ToJson) parse back to a key that serializes to the same bytes;
//  - the thumbprint is stable across those round trips and depends only on the public members:
//    the public form (PublicKey(), and ToJson(false) parsed back) has the same thumbprint;
//  - the public half is consistent with the private key: the OpenSSL key built from the JWK
//    converts back (FromPkey) to the same public members, and for a private key to the same
//    private members;
//  - parsing is deterministic (same status code and message on rejection).

#include "jose/jwk.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/json_depth.h"
#include "fuzz/fuzz.h"

namespace {

using cairn::jose::Jwk;

void CheckKey(const Jwk& key) {
  const std::string full = key.ToJsonString(true);
  const std::string thumb = key.Thumbprint();
  FUZZ_CHECK(!thumb.empty());
  FUZZ_CHECK(!key.DefaultAlg().empty());

  auto again = Jwk::Parse(full);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->ToJsonString(true) == full);
  FUZZ_CHECK(again->Thumbprint() == thumb);
  FUZZ_CHECK(again->kid() == key.kid() && again->alg() == key.alg() && again->use() == key.use());
  FUZZ_CHECK(again->is_private() == key.is_private());

  auto from_json = Jwk::FromJson(key.ToJson(true));
  FUZZ_CHECK(from_json.ok() && from_json->ToJsonString(true) == full);
  FUZZ_CHECK(from_json->ToJson(true) == key.ToJson(true));

  // The public form: same thumbprint, no private members, and it parses.
  const Jwk pub = key.PublicKey();
  FUZZ_CHECK(pub.Thumbprint() == thumb);
  FUZZ_CHECK(pub.is_symmetric() || !pub.is_private());
  FUZZ_CHECK(pub.ToJsonString(false) == key.ToJsonString(false));
  auto pub_again = Jwk::FromJson(key.ToJson(false));
  if (key.is_symmetric()) {
    // A symmetric key has no public form: without "k" it does not parse.
    FUZZ_CHECK(!pub_again.ok());
    FUZZ_CHECK(key.pkey() == nullptr && !key.ToPkey().ok());
    return;
  }
  FUZZ_CHECK(pub_again.ok() && pub_again->Thumbprint() == thumb && !pub_again->is_private());

  // The OpenSSL key agrees with the JWK members.
  FUZZ_CHECK(key.pkey() != nullptr);
  auto pub_from_pkey = Jwk::FromPkey(key.pkey(), /*include_private=*/false);
  FUZZ_CHECK(pub_from_pkey.ok() && pub_from_pkey->Thumbprint() == thumb);
  if (key.is_private()) {
    auto priv_from_pkey = Jwk::FromPkey(key.pkey(), /*include_private=*/true);
    if (key.kty() == "RSA") {
      // A private RSA key given with only "d" gains its CRT members from OpenSSL; its
      // thumbprint and d stay.
      FUZZ_CHECK(!priv_from_pkey.ok() || priv_from_pkey->Thumbprint() == thumb);
    } else {
      FUZZ_CHECK(priv_from_pkey.ok());
      FUZZ_CHECK(priv_from_pkey->ToJson(true)["d"] == key.ToJson(true)["d"]);
      FUZZ_CHECK(priv_from_pkey->Thumbprint() == thumb);
    }
  }
}

void CheckParse(const nlohmann::json& j) {
  auto key = Jwk::FromJson(j);
  auto twice = Jwk::FromJson(j);
  FUZZ_CHECK(key.ok() == twice.ok());
  if (!key.ok()) {
    FUZZ_CHECK(key.status().code() == twice.status().code());
    FUZZ_CHECK(key.status().message() == twice.status().message());
    return;
  }
  FUZZ_CHECK(key->ToJsonString(true) == twice->ToJsonString(true));
  CheckKey(*key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto key = Jwk::Parse(in);
  // The harness's own view of the document (bounded as the project's parsers bound it).
  nlohmann::json doc;
  if (cairn::JsonNestingDepth(in) <= 64) {
    doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }
  if (key.ok()) {
    // Parse is FromJson over the document.
    FUZZ_CHECK(doc.is_object());
    CheckParse(doc);
  }
  // A JWK set (RFC 7517 §5): each member of "keys" on its own.
  if (doc.is_object()) {
    auto keys = doc.find("keys");
    if (keys != doc.end() && keys->is_array() && keys->size() <= 64) {
      for (const auto& member : *keys) {
        if (member.is_object()) CheckParse(member);
      }
    }
  }
  return 0;
}
