// ACME request bodies (RFC 8555) as cairn-ca's ACME server parses them: every input goes
// through acme::AcmeServer::Handle, against a real Authority (a temporary PKI, an ACME
// provisioner "acme" offering dns-01 only, and "eab" requiring external account binding) over
// a MemoryStore, so the payload parsers are the server's own (server.cc).
//
// Input: one selector byte, then the JWS payload. The harness signs the payload for the
// selected request with a real key and a fresh nonce, so parsing goes past authentication:
//   0 newAccount (a fresh key, "jwk")        5 revokeCert (the account that holds a cert)
//   1 account update (a throwaway account)   6 keyChange (payload of the inner JWS, which the
//   2 newOrder                                 harness signs with a fresh new key)
//   3 finalize (an order that is ready)      7 newAccount on the EAB provisioner
//   4 challenge response                     8 raw flattened JWS body (not re-signed) to a
//                                              selected endpoint (second byte)
// Placeholders in the payload are replaced before signing, so that seeds can name values that
// only exist at run time: $ACCOUNT (the signer's account URL), $OLDKEY (its public JWK),
// $CERT (base64url DER of a certificate issued to the account), $CSR (base64url DER of a CSR
// for the ready order's name), $EAB (a valid externalAccountBinding for the new key).
//
// Invariants:
//  - the answer is never a 5xx (the store is in memory: nothing can fail but the input); an
//    error answer is an RFC 7807 problem document of an ACME type, with a fresh Replay-Nonce;
//  - a rejected request leaves no state: no account for a refused key, no new order, no
//    certificate and an order still ready after a refused finalize, no revocation, the
//    account record (key, contact, status) untouched after a refused update or keyChange;
//  - what is accepted is what was asked: a new order's identifiers are canonical (lower-case
//    DNS names, unique, at most 100), a revocation records exactly the requested reason, a
//    key change installs the new key, a deactivation deactivates.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "acme/objects.h"
#include "acme/problem.h"
#include "acme/server.h"
#include "authority/authority.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "config/config.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "crypto/signer.h"
#include "fuzz/fuzz.h"
#include "fuzz/support/fuzz_env.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "store/memory_store.h"

namespace {

namespace acme = cairn::acme;
namespace jose = cairn::jose;
namespace fs = std::filesystem;
using acme::AcmeRequest;
using acme::AcmeResponse;
using acme::Endpoint;
using nlohmann::json;

constexpr char kHost[] = "ca.test";
constexpr char kReadyName[] = "ready.fuzz.test";
constexpr char kChallengeName[] = "challenge.fuzz.test";
// Rebuild the world (store, authority, server) after this many inputs, to bound memory.
constexpr int kInputsPerWorld = 2000;

// The PKI on disk, made once per process.
struct Pki {
  fs::path dir;
  cairn::fuzz::FixedClock clock;

  Pki() {
    dir = fs::temp_directory_path() / ("cairn-fuzz-acme-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto root_key = cairn::crypto::PrivateKey::Generate({}).value();
    auto int_key = cairn::crypto::PrivateKey::Generate({}).value();
    cairn::pki::CertificateTemplate t;
    t.subject.common_name = "Fuzz Root CA";
    t.serial_decimal = "1";
    t.not_before = clock.Now() - std::chrono::hours(1);
    t.not_after = clock.Now() + std::chrono::hours(24 * 365);
    t.key_usage = cairn::pki::kCertSign | cairn::pki::kCrlSign;
    t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = 1};
    cairn::crypto::KeySigner root_signer(root_key);
    auto root = cairn::pki::SignCertificate(t, root_key.public_key(), nullptr, root_signer).value();
    t.subject.common_name = "Fuzz Intermediate CA";
    t.serial_decimal = "2";
    t.basic_constraints.max_path_len = 0;
    auto inter = cairn::pki::SignCertificate(t, int_key.public_key(), &root, root_signer).value();
    FUZZ_CHECK(cairn::WriteFileAtomic((dir / "root.crt").string(), root.pem()).ok());
    FUZZ_CHECK(cairn::WriteFileAtomic((dir / "int.crt").string(), inter.pem()).ok());
    FUZZ_CHECK(
        cairn::WriteFileAtomic((dir / "int.key").string(), int_key.ToPem("secret").value(), 0600)
            .ok());
    std::atexit([] { RemoveDir(); });
  }
  static void RemoveDir();
};

Pki& ThePki() {
  static Pki* pki = new Pki();
  return *pki;
}

void Pki::RemoveDir() {
  std::error_code ec;
  fs::remove_all(ThePki().dir, ec);
}

// Signer is one ACME client key and the account it holds (if any).
struct Signer {
  jose::Jwk key;  // private
  std::string account_id;
  std::string account_url;
};

acme::Urls UrlsOf(const std::string& prov) { return acme::Urls(kHost, prov); }

std::string UrlFor(Endpoint ep, const std::vector<std::string>& ids, const std::string& prov) {
  const acme::Urls u = UrlsOf(prov);
  auto id = [&](size_t i) { return i < ids.size() ? ids[i] : std::string(); };
  switch (ep) {
    case Endpoint::kNewAccount:
      return u.NewAccount();
    case Endpoint::kAccount:
      return u.Account(id(0));
    case Endpoint::kNewOrder:
      return u.NewOrder();
    case Endpoint::kOrder:
      return u.Order(id(0));
    case Endpoint::kFinalize:
      return u.Finalize(id(0));
    case Endpoint::kAuthz:
      return u.Authz(id(0));
    case Endpoint::kChallenge:
      return u.Challenge(id(0), id(1));
    case Endpoint::kRevokeCert:
      return u.RevokeCert();
    case Endpoint::kKeyChange:
      return u.KeyChange();
    default:
      return "";
  }
}

// World is one CA with its ACME server, and the objects the inputs act on.
class World {
 public:
  World() : store_(&ThePki().clock) {
    Pki& pki = ThePki();
    json provisioners = json::array(
        {{{"type", "ACME"}, {"name", "acme"}, {"challenges", {"dns-01"}}},
         {{"type", "ACME"}, {"name", "eab"}, {"challenges", {"dns-01"}}, {"requireEAB", true}}});
    json config = {{"root", (pki.dir / "root.crt").string()},
                   {"crt", (pki.dir / "int.crt").string()},
                   {"key", (pki.dir / "int.key").string()},
                   {"address", "127.0.0.1:0"},
                   {"dnsNames", {"ca.test"}},
                   {"authority", {{"provisioners", provisioners}}}};
    auto cfg = cairn::config::ParseCaConfig(config.dump(), "fuzz ca.json").value();
    cairn::authority::AuthorityOptions opts{.home = pki.dir.string(),
                                            .password = "secret",
                                            .start_time = pki.clock.Now() - std::chrono::hours(1)};
    authority_ = cairn::authority::Authority::Create(
                     cfg, opts, cairn::authority::Env{pki.clock, random_, store_, log_})
                     .value();
    acme::AcmeServerOptions options;
    // dns-01 only, asking a resolver that is not there: no validation leaves this machine.
    options.validation.dns_resolver = "127.0.0.1:1";
    options.validation.timeout = std::chrono::milliseconds(200);
    options.validation_attempts = 1;
    options.validation_threads = 1;
    server_ = acme::AcmeServer::Create(
                  acme::AcmeServer::Env{pki.clock, random_, store_, log_},
                  [this] { return authority_; }, options)
                  .value();
    main_ = NewSigner();
    FUZZ_CHECK(Register(main_, "acme"));
    // The order whose challenge inputs answer.
    auto order = CreateOrder(main_, kChallengeName);
    FUZZ_CHECK(order.has_value());
    auto authz = store_.ListAcmeAuthzsOfOrder(*order).value();
    FUZZ_CHECK(authz.size() == 1);
    challenge_authz_ = authz[0].id;
    auto a = acme::Authorization::FromRecord(authz[0]).value();
    FUZZ_CHECK(!a.challenges.empty());
    challenge_id_ = a.challenges[0].id;
    cairn::pki::Name subject;
    subject.common_name = kReadyName;
    cairn::pki::SubjectAltNames sans;
    sans.dns = {kReadyName};
    csr_der_ = cairn::pki::CreateCsr(subject, sans, csr_key_).value().der();
  }

  ~World() { server_->WaitForValidationsForTest(); }

  cairn::store::MemoryStore& store() { return store_; }
  Signer& main() { return main_; }
  const std::string& challenge_authz() const { return challenge_authz_; }
  const std::string& challenge_id() const { return challenge_id_; }
  const std::string& csr_der() const { return csr_der_; }

  AcmeResponse Send(AcmeRequest req) {
    AcmeResponse resp;
    server_->Handle(req, resp);
    for (const auto& [k, v] : resp.headers) {
      if (cairn::EqualsIgnoreCase(k, "Replay-Nonce")) nonce_ = v;
    }
    return resp;
  }

  static AcmeRequest Req(Endpoint ep, std::vector<std::string> ids, const std::string& prov) {
    AcmeRequest r;
    r.endpoint = ep;
    r.ids = std::move(ids);
    r.method = "POST";
    r.host = kHost;
    r.provisioner = prov;
    r.content_type = "application/jose+json";
    r.remote_address = "192.0.2.1";
    r.request_id = "fuzz";
    return r;
  }

  std::string TakeNonce(const std::string& prov) {
    if (nonce_.empty()) {
      AcmeRequest r = Req(Endpoint::kNewNonce, {}, prov);
      r.method = "HEAD";
      Send(r);
    }
    std::string n = std::move(nonce_);
    nonce_.clear();
    return n;
  }

  // Body signs `payload` for `ep` with the signer's key ("jwk" when it has no account).
  std::string Body(const Signer& s, Endpoint ep, const std::vector<std::string>& ids,
                   std::string_view payload, const std::string& prov, bool use_jwk) {
    json header{{"url", UrlFor(ep, ids, prov)}, {"nonce", TakeNonce(prov)}};
    if (use_jwk) {
      header["jwk"] = s.key.PublicKey().ToJson(false);
    } else {
      header["kid"] = s.account_url;
    }
    auto jws = jose::SignFlattened(payload, s.key, header);
    FUZZ_CHECK(jws.ok());
    return *jws;
  }

  AcmeResponse Post(const Signer& s, Endpoint ep, std::vector<std::string> ids,
                    std::string_view payload, const std::string& prov = "acme",
                    bool use_jwk = false) {
    AcmeRequest r = Req(ep, ids, prov);
    r.body = Body(s, ep, ids, payload, prov, use_jwk);
    return Send(r);
  }

  static Signer NewSigner() {
    Signer s;
    s.key = jose::Jwk::Generate("EC", "P-256").value();
    return s;
  }

  bool Register(Signer& s, const std::string& prov) {
    AcmeResponse r =
        Post(s, Endpoint::kNewAccount, {}, R"({"termsOfServiceAgreed":true})", prov, true);
    if (r.status != 201) return false;
    for (const auto& [k, v] : r.headers) {
      if (k == "Location") s.account_url = v;
    }
    s.account_id = s.account_url.substr(s.account_url.rfind('/') + 1);
    return true;
  }

  std::optional<std::string> CreateOrder(const Signer& s, const std::string& name) {
    json payload{{"identifiers", {{{"type", "dns"}, {"value", name}}}}};
    AcmeResponse r = Post(s, Endpoint::kNewOrder, {}, payload.dump());
    if (r.status != 201) return std::nullopt;
    for (const auto& [k, v] : r.headers) {
      if (k == "Location") return v.substr(v.rfind('/') + 1);
    }
    return std::nullopt;
  }

  // ReadyOrder returns an order of main() that is ready to finalize (making one when needed:
  // its authorization is marked valid directly in the store).
  std::string ReadyOrder() {
    if (!ready_order_.empty()) {
      auto rec = store_.GetAcmeOrder(ready_order_).value();
      if (rec && acme::Order::FromRecord(*rec).value().status == "ready") return ready_order_;
    }
    auto order = CreateOrder(main_, kReadyName);
    FUZZ_CHECK(order.has_value());
    auto authzs = store_.ListAcmeAuthzsOfOrder(*order);
    FUZZ_CHECK(authzs.ok());
    for (const auto& rec : *authzs) {
      auto a = acme::Authorization::FromRecord(rec).value();
      a.status = "valid";
      for (auto& c : a.challenges) c.status = "valid";
      FUZZ_CHECK(store_.UpdateAcmeAuthz(a.ToRecord()).ok());
    }
    // A POST-as-GET refreshes the order to "ready".
    AcmeResponse r = Post(main_, Endpoint::kOrder, {*order}, "");
    FUZZ_CHECK(r.status == 200);
    ready_order_ = *order;
    return ready_order_;
  }

  // IssuedCert returns a certificate issued to main() and not revoked (issuing one if needed).
  const cairn::pki::Certificate& IssuedCert() {
    if (issued_) {
      auto rev = store_.GetRevocation(issued_->serial_decimal()).value();
      if (!rev.has_value()) return *issued_;
    }
    std::string order = ReadyOrder();
    json payload{{"csr", cairn::Base64UrlEncode(csr_der_)}};
    AcmeResponse r = Post(main_, Endpoint::kFinalize, {order}, payload.dump());
    FUZZ_CHECK(r.status == 200);
    auto rec = store_.GetAcmeOrder(order).value();
    auto o = acme::Order::FromRecord(*rec).value();
    auto cert = store_.GetCertificate(o.certificate_serial).value();
    FUZZ_CHECK(cert.has_value());
    issued_ = cairn::pki::Certificate::FromDer(cert->der).value();
    return *issued_;
  }

  void WaitForValidations() { server_->WaitForValidationsForTest(); }

 private:
  cairn::crypto::OsslRandom random_;
  cairn::NullLogger log_;
  cairn::store::MemoryStore store_;
  std::shared_ptr<cairn::authority::Authority> authority_;
  std::unique_ptr<acme::AcmeServer> server_;
  std::string nonce_;
  Signer main_;
  std::string challenge_authz_, challenge_id_;
  std::string ready_order_;
  cairn::crypto::PrivateKey csr_key_ = cairn::crypto::PrivateKey::Generate({}).value();
  std::string csr_der_;
  std::optional<cairn::pki::Certificate> issued_;
};

std::unique_ptr<World>& TheWorld() {
  static std::unique_ptr<World> world;
  static int inputs = 0;
  if (!world || ++inputs % kInputsPerWorld == 0) {
    world.reset();
    world = std::make_unique<World>();
  }
  return world;
}

// Substitute replaces each placeholder present in `payload`.
std::string Substitute(std::string payload, World& w, const Signer& s, const std::string& prov) {
  auto replace = [&](std::string_view what, const std::function<std::string()>& with) {
    size_t pos = payload.find(what);
    if (pos == std::string::npos) return;
    const std::string value = with();
    for (; pos != std::string::npos; pos = payload.find(what, pos + value.size())) {
      payload.replace(pos, what.size(), value);
    }
  };
  replace("$ACCOUNT", [&] { return UrlsOf(prov).Account(s.account_id); });
  replace("$OLDKEY", [&] { return s.key.PublicKey().ToJson(false).dump(); });
  replace("$CERT", [&] { return cairn::Base64UrlEncode(w.IssuedCert().der()); });
  replace("$CSR", [&] { return cairn::Base64UrlEncode(w.csr_der()); });
  replace("$EAB", [&] {
    // A fresh EAB key for each use (a binding is single-use).
    static int n = 0;
    const std::string kid = "fuzzeab" + std::to_string(++n);
    const std::string hmac(32, 'h');
    cairn::Status made = w.store().CreateAcmeEabKey(
        {.id = kid, .provisioner = prov, .reference = kid, .hmac_key = hmac});
    if (!made.ok()) std::fprintf(stderr, "CreateAcmeEabKey: %s\n", made.ToString().c_str());
    FUZZ_CHECK(made.ok());
    auto sym = jose::Jwk::FromSymmetric(hmac).value();
    json header{{"kid", kid}, {"url", UrlsOf(prov).NewAccount()}};
    return jose::SignFlattened(s.key.PublicKey().ToJsonString(false), sym, header, "HS256").value();
  });
  return payload;
}

void CheckResponse(const AcmeResponse& r) {
  // FUZZ_VERBOSE=1 shows what each input got (for checking that seeds reach their paths).
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "acme_body: %d %.300s\n", r.status, r.body.c_str());
  FUZZ_CHECK(r.status >= 200 && r.status < 500);
  bool nonce = false;
  for (const auto& [k, v] : r.headers) {
    if (cairn::EqualsIgnoreCase(k, "Replay-Nonce")) nonce = !v.empty();
  }
  FUZZ_CHECK(nonce);
  if (r.status < 400) return;
  FUZZ_CHECK(r.content_type == "application/problem+json");
  json body = json::parse(r.body, nullptr, false);
  FUZZ_CHECK(body.is_object() && body.contains("type") && body["type"].is_string());
  FUZZ_CHECK(body["type"].get<std::string>().starts_with(acme::kProblemPrefix));
  FUZZ_CHECK(body.value("status", 0) == r.status);
}

std::string AccountDoc(World& w, const std::string& id) {
  auto rec = w.store().GetAcmeAccount(id).value();
  FUZZ_CHECK(rec.has_value());
  return rec->key_id + "|" + rec->doc + "|" + std::to_string(rec->version);
}

size_t OrderCount(World& w, const std::string& account_id) {
  return w.store().ListAcmeOrders(account_id, "", 100000).value().size();
}

size_t CertificateCount(World& w) { return w.store().ListCertificates("", 100000).value().size(); }

void NewAccount(World& w, std::string_view payload, const std::string& prov) {
  Signer s = World::NewSigner();
  const std::string body = Substitute(std::string(payload), w, s, prov);
  AcmeResponse r = w.Post(s, Endpoint::kNewAccount, {}, body, prov, /*use_jwk=*/true);
  CheckResponse(r);
  auto rec = w.store().GetAcmeAccountByKey(prov, s.key.Thumbprint()).value();
  if (r.status >= 400) {
    FUZZ_CHECK(!rec.has_value());
    return;
  }
  FUZZ_CHECK(r.status == 201 && rec.has_value());
  json p = json::parse(body, nullptr, false);
  auto account = acme::Account::FromRecord(*rec).value();
  if (p.is_object() && p.contains("contact") && !p["contact"].is_null()) {
    FUZZ_CHECK(json(account.contact) == p["contact"]);
  }
}

void UpdateAccount(World& w, std::string_view payload) {
  Signer s = World::NewSigner();
  FUZZ_CHECK(w.Register(s, "acme"));
  const std::string before = AccountDoc(w, s.account_id);
  const std::string body = Substitute(std::string(payload), w, s, "acme");
  AcmeResponse r = w.Post(s, Endpoint::kAccount, {s.account_id}, body);
  CheckResponse(r);
  if (r.status >= 400) {
    FUZZ_CHECK(AccountDoc(w, s.account_id) == before);
    return;
  }
  json p = json::parse(body, nullptr, false);
  auto account = acme::Account::FromRecord(*w.store().GetAcmeAccount(s.account_id).value()).value();
  if (p.is_object() && p.contains("status") && !p["status"].is_null()) {
    FUZZ_CHECK(account.status == "deactivated");
  }
  if (p.is_object() && p.contains("contact") && !p["contact"].is_null()) {
    FUZZ_CHECK(json(account.contact) == p["contact"]);
  }
}

void NewOrder(World& w, std::string_view payload) {
  Signer& s = w.main();
  const size_t before = OrderCount(w, s.account_id);
  AcmeResponse r =
      w.Post(s, Endpoint::kNewOrder, {}, Substitute(std::string(payload), w, s, "acme"));
  CheckResponse(r);
  const size_t after = OrderCount(w, s.account_id);
  if (r.status >= 400) {
    FUZZ_CHECK(after == before);
    return;
  }
  FUZZ_CHECK(r.status == 201 && after == before + 1);
  json order = json::parse(r.body, nullptr, false);
  FUZZ_CHECK(order.is_object() && order["identifiers"].is_array());
  const json& ids = order["identifiers"];
  FUZZ_CHECK(!ids.empty() && ids.size() <= 100);
  FUZZ_CHECK(order["authorizations"].size() == ids.size());
  std::set<std::string> seen;
  for (const json& id : ids) {
    const std::string type = id["type"].get<std::string>();
    const std::string value = id["value"].get<std::string>();
    FUZZ_CHECK(type == "dns");  // the provisioner offers dns-01 only
    FUZZ_CHECK(value == cairn::ToLower(value) && !value.empty());
    FUZZ_CHECK(seen.insert(value).second);
  }
}

void Finalize(World& w, std::string_view payload) {
  Signer& s = w.main();
  // Substitute first: $CERT may finalize the ready order to issue its certificate.
  const std::string body = Substitute(std::string(payload), w, s, "acme");
  const std::string order = w.ReadyOrder();
  const size_t certs = CertificateCount(w);
  AcmeResponse r = w.Post(s, Endpoint::kFinalize, {order}, body);
  CheckResponse(r);
  auto o = acme::Order::FromRecord(*w.store().GetAcmeOrder(order).value()).value();
  if (r.status >= 400) {
    FUZZ_CHECK(o.status == "ready" && o.certificate_serial.empty());
    FUZZ_CHECK(CertificateCount(w) == certs);
    return;
  }
  FUZZ_CHECK(o.status == "valid" && !o.certificate_serial.empty());
  FUZZ_CHECK(CertificateCount(w) == certs + 1);
  auto rec = w.store().GetCertificate(o.certificate_serial).value();
  FUZZ_CHECK(rec.has_value());
  auto cert = cairn::pki::Certificate::FromDer(rec->der).value();
  FUZZ_CHECK(cert.dns_names() == std::vector<std::string>{kReadyName});
}

void PostChallenge(World& w, std::string_view payload) {
  Signer& s = w.main();
  w.WaitForValidations();
  auto before = w.store().GetAcmeAuthz(w.challenge_authz()).value();
  AcmeResponse r = w.Post(s, Endpoint::kChallenge, {w.challenge_authz(), w.challenge_id()},
                          Substitute(std::string(payload), w, s, "acme"));
  CheckResponse(r);
  w.WaitForValidations();
  if (r.status >= 400) {
    auto after = w.store().GetAcmeAuthz(w.challenge_authz()).value();
    FUZZ_CHECK(after->doc == before->doc && after->version == before->version);
  }
}

void RevokeCert(World& w, std::string_view payload) {
  Signer& s = w.main();
  const cairn::pki::Certificate cert = w.IssuedCert();
  const std::string body = Substitute(std::string(payload), w, s, "acme");
  AcmeResponse r = w.Post(s, Endpoint::kRevokeCert, {}, body);
  CheckResponse(r);
  auto rev = w.store().GetRevocation(cert.serial_decimal()).value();
  if (r.status >= 400) {
    FUZZ_CHECK(!rev.has_value());
    return;
  }
  FUZZ_CHECK(r.status == 200);
  json p = json::parse(body, nullptr, false);
  FUZZ_CHECK(p.is_object());
  if (p["certificate"] != cairn::Base64UrlEncode(cert.der())) return;  // another certificate
  FUZZ_CHECK(rev.has_value());
  // The recorded reason is exactly the requested one.
  const json reason = p.contains("reason") ? p["reason"] : json(0);
  FUZZ_CHECK(reason.is_null() ||
             (reason.is_number_integer() && reason.get<int64_t>() >= 0 &&
              reason.get<int64_t>() <= 10 && rev->reason_code == reason.get<int64_t>()));
}

void KeyChange(World& w, std::string_view payload) {
  Signer s = World::NewSigner();
  FUZZ_CHECK(w.Register(s, "acme"));
  const std::string before = AccountDoc(w, s.account_id);
  Signer next = World::NewSigner();
  const std::string inner_payload = Substitute(std::string(payload), w, s, "acme");
  json inner_header{{"url", UrlsOf("acme").KeyChange()},
                    {"jwk", next.key.PublicKey().ToJson(false)}};
  auto inner = jose::SignFlattened(inner_payload, next.key, inner_header);
  FUZZ_CHECK(inner.ok());
  AcmeResponse r = w.Post(s, Endpoint::kKeyChange, {}, *inner);
  CheckResponse(r);
  auto rec = w.store().GetAcmeAccount(s.account_id).value();
  if (r.status >= 400) {
    FUZZ_CHECK(AccountDoc(w, s.account_id) == before);
    return;
  }
  FUZZ_CHECK(rec->key_id == next.key.Thumbprint());
}

void Raw(World& w, std::string_view in) {
  if (in.empty()) return;
  static const Endpoint kEndpoints[] = {Endpoint::kNewAccount, Endpoint::kNewOrder,
                                        Endpoint::kRevokeCert, Endpoint::kKeyChange,
                                        Endpoint::kAccount,    Endpoint::kFinalize};
  const Endpoint ep = kEndpoints[static_cast<uint8_t>(in[0]) % std::size(kEndpoints)];
  Signer& s = w.main();
  const std::string body = Substitute(std::string(in.substr(1)), w, s, "acme");
  std::vector<std::string> ids;
  if (ep == Endpoint::kAccount) ids = {s.account_id};
  if (ep == Endpoint::kFinalize) ids = {w.ReadyOrder()};
  AcmeRequest req = World::Req(ep, ids, "acme");
  req.body = body;
  const size_t orders = OrderCount(w, s.account_id);
  const size_t certs = CertificateCount(w);
  AcmeResponse r = w.Send(req);
  CheckResponse(r);
  if (r.status >= 400) {
    FUZZ_CHECK(OrderCount(w, s.account_id) == orders && CertificateCount(w) == certs);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > jose::kMaxJwsSize / 2) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  World& w = *TheWorld();
  std::string_view payload = in.substr(1);
  switch (static_cast<uint8_t>(in[0]) % 9) {
    case 0:
      NewAccount(w, payload, "acme");
      break;
    case 1:
      UpdateAccount(w, payload);
      break;
    case 2:
      NewOrder(w, payload);
      break;
    case 3:
      Finalize(w, payload);
      break;
    case 4:
      PostChallenge(w, payload);
      break;
    case 5:
      RevokeCert(w, payload);
      break;
    case 6:
      KeyChange(w, payload);
      break;
    case 7:
      NewAccount(w, payload, "eab");
      break;
    case 8:
      Raw(w, payload);
      break;
  }
  return 0;
}
