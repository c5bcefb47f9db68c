#include "pki/provisioner_extension.h"

#include <array>
#include <climits>

#include "base/strings.h"
#include "crypto/der.h"
#include "pki/internal/asn1_string.h"

namespace cairn::pki {
namespace {

constexpr std::array<std::string_view, 12> kTypeNames = {
    "", "JWK", "OIDC", "GCP", "AWS", "Azure", "ACME", "X5C", "K8sSA", "SSHPOP", "SCEP", "Nebula"};

// Bounds for decoding: extensions are small; anything bigger is hostile.
constexpr size_t kMaxExtensionValue = 64 << 10;
constexpr size_t kMaxKeyValuePairs = 256;

}  // namespace

std::string_view ProvisionerTypeName(int type) {
  if (type <= 0 || type >= static_cast<int>(kTypeNames.size())) return "";
  return kTypeNames[static_cast<size_t>(type)];
}

Result<ProvisionerType> ParseProvisionerType(std::string_view name) {
  for (size_t i = 1; i < kTypeNames.size(); ++i) {
    if (EqualsIgnoreCase(kTypeNames[i], name)) return static_cast<ProvisionerType>(i);
  }
  return InvalidArgumentError("unknown provisioner type '" + std::string(name) + "'");
}

Result<std::string> ProvisionerExtension::Encode() const {
  namespace der = crypto::der;
  std::string body = der::Int64(type);
  body += der::Tlv(der::kOctetString, name);
  body += der::Tlv(der::kOctetString, credential_id);
  if (!key_value_pairs.empty()) {
    std::string kvs;
    for (const auto& kv : key_value_pairs) {
      if (!internal::IsValidUtf8(kv)) {
        return InvalidArgumentError("provisioner extension: key/value is not valid UTF-8");
      }
      kvs += der::Tlv(internal::IsGoPrintable(kv) ? der::kPrintableString : der::kUtf8String, kv);
    }
    body += der::Tlv(der::kSequence, kvs);
  }
  return der::Tlv(der::kSequence, body);
}

Result<Extension> ProvisionerExtension::ToExtension() const {
  CAIRN_ASSIGN_OR_RETURN(std::string value, Encode());
  return Extension{.oid = kProvisionerExtensionOid, .critical = false, .value = std::move(value)};
}

Result<ProvisionerExtension> ProvisionerExtension::Decode(std::string_view der_value) {
  namespace der = crypto::der;
  const Status malformed = InvalidArgumentError("malformed provisioner extension");
  if (der_value.size() > kMaxExtensionValue) return malformed;
  der::Reader outer(der_value);
  auto seq = outer.Expect(der::kSequence);
  if (!seq.ok() || !outer.empty()) return malformed;
  der::Reader r(*seq);
  auto type = r.Expect(der::kInteger);
  auto name = r.Expect(der::kOctetString);
  auto cred = r.Expect(der::kOctetString);
  if (!type.ok() || !name.ok() || !cred.ok()) return malformed;
  auto type_value = der::ParseInt64(*type);
  if (!type_value.ok() || *type_value < INT_MIN || *type_value > INT_MAX) return malformed;
  ProvisionerExtension out;
  out.type = static_cast<int>(*type_value);
  out.name = std::string(*name);
  out.credential_id = std::string(*cred);
  if (r.PeekTag(der::kSequence)) {
    auto kvs = r.Expect(der::kSequence);
    if (!kvs.ok()) return malformed;
    der::Reader kr(*kvs);
    while (!kr.empty()) {
      auto e = kr.Next();
      if (!e.ok()) return malformed;
      if (e->tag != der::kPrintableString && e->tag != der::kUtf8String &&
          e->tag != der::kIa5String) {
        return malformed;
      }
      if (out.key_value_pairs.size() >= kMaxKeyValuePairs) return malformed;
      out.key_value_pairs.emplace_back(e->contents);
    }
  }
  // Elements after keyValuePairs are ignored, like Go's encoding/asn1 does.
  return out;
}

}  // namespace cairn::pki
