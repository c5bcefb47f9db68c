#include "authority/authority.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/key.h"

namespace cairn::authority {
namespace {

Result<std::vector<pki::Certificate>> LoadBundle(const std::string& home, const std::string& path) {
  std::string resolved = config::ResolvePath(home, path);
  auto pem = ReadFile(resolved, 1 << 20);
  if (!pem.ok()) return pem.status();
  auto certs = pki::Certificate::ParsePemBundle(*pem);
  if (!certs.ok()) return certs.status().Annotate(resolved);
  return certs;
}

}  // namespace

Result<std::string> ParseSerial(std::string_view serial) {
  auto bad = [&] {
    return InvalidArgumentError("'" + std::string(serial) +
                                "' is not a valid serial number - use a base 10 representation or "
                                "a base 16 representation with '0x' prefix")
        .WithPublicMessage("'" + std::string(serial) +
                           "' is not a valid serial number - use a base 10 representation or a "
                           "base 16 representation with '0x' prefix");
  };
  if (serial.empty() || serial.size() > 100) return bad();
  bool hex = serial.starts_with("0x") || serial.starts_with("0X");
  std::string_view digits = hex ? serial.substr(2) : serial;
  if (digits.empty()) return bad();
  // Decimal digits, little-endian base 10^9 limbs.
  std::vector<uint32_t> limbs{0};
  auto mul_add = [&](uint32_t mul, uint32_t add) {
    uint64_t carry = add;
    for (uint32_t& limb : limbs) {
      uint64_t v = static_cast<uint64_t>(limb) * mul + carry;
      limb = static_cast<uint32_t>(v % 1000000000u);
      carry = v / 1000000000u;
    }
    while (carry) {
      limbs.push_back(static_cast<uint32_t>(carry % 1000000000u));
      carry /= 1000000000u;
    }
  };
  for (char c : digits) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return bad();
    }
    mul_add(hex ? 16 : 10, static_cast<uint32_t>(v));
  }
  std::string out = std::to_string(limbs.back());
  for (size_t i = limbs.size() - 1; i-- > 0;) {
    std::string part = std::to_string(limbs[i]);
    out += std::string(9 - part.size(), '0') + part;
  }
  return out;
}

Result<std::unique_ptr<Authority>> Authority::Create(const config::CaConfig& config,
                                                     const AuthorityOptions& options, Env env) {
  auto a = std::unique_ptr<Authority>(new Authority(env));
  a->config_ = config;
  a->options_ = options;
  if (config.roots.empty()) return InvalidArgumentError("ca.json: `root` cannot be empty");
  for (const std::string& path : config.roots) {
    CAIRN_ASSIGN_OR_RETURN(auto certs, LoadBundle(options.home, path));
    a->roots_.insert(a->roots_.end(), certs.begin(), certs.end());
  }
  for (const std::string& path : config.federated_roots) {
    CAIRN_ASSIGN_OR_RETURN(auto certs, LoadBundle(options.home, path));
    a->federated_roots_.insert(a->federated_roots_.end(), certs.begin(), certs.end());
  }
  if (config.crt.empty() || config.key.empty()) {
    return InvalidArgumentError("ca.json: `crt` and `key` are required");
  }
  CAIRN_ASSIGN_OR_RETURN(a->intermediates_, LoadBundle(options.home, config.crt));
  for (const auto& c : a->intermediates_) a->intermediate_pems_.push_back(c.pem());
  std::string key_path = config::ResolvePath(options.home, config.key);
  CAIRN_ASSIGN_OR_RETURN(std::string key_pem, ReadFile(key_path, 1 << 20));
  const std::string& password = options.password.empty() ? config.password : options.password;
  auto key = crypto::PrivateKey::FromPem(key_pem, password);
  if (!key.ok()) return key.status().Annotate("reading " + key_path);
  if (!key->public_key().Equals(a->intermediates_.front().public_key())) {
    return InvalidArgumentError("the key in " + key_path +
                                " does not match the certificate in `crt`");
  }
  a->signer_ = std::make_unique<crypto::KeySigner>(std::move(key).value());
  CAIRN_RETURN_IF_ERROR(a->LoadSshKeys(options.home, password));
  templates::FuncEnv funcs;
  funcs.clock = &env.clock;
  funcs.random = &env.random;
  CAIRN_RETURN_IF_ERROR(a->LoadSshHosts());
  // SSHPOP accepts certificates of the CA's keys and of ca.json's non-federated ssh.keys.
  CAIRN_ASSIGN_OR_RETURN(Authority::SshKeys roots, a->SshRootKeys());
  provisioner::SshCaKeys ssh_keys{.user_keys = std::move(roots.user_keys),
                                  .host_keys = std::move(roots.host_keys)};
  CAIRN_ASSIGN_OR_RETURN(a->provisioners_, provisioner::Collection::Build(
                                               config, env.log, options.home, funcs, ssh_keys));
  if (auto pol = config.raw.find("authority"); pol != config.raw.end() && pol->is_object()) {
    if (auto it = pol->find("policy"); it != pol->end() && !it->is_null()) {
      auto parsed = policy::Policies::FromJson(nlohmann::json::parse(it->dump()));
      if (!parsed.ok()) return parsed.status().Annotate("ca.json: authority.policy");
      a->policy_ = std::move(parsed).value();
    }
  }
  CAIRN_RETURN_IF_ERROR(a->StartRevocationServices());
  return a;
}

namespace {

// PortOf returns the port of a "host:port" listen address ("" when there is none).
std::string PortOf(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || address.ends_with("]")) return "";
  return std::string(address.substr(colon + 1));
}

// BaseUrl is "<scheme>://<dnsNames[0]>[:port]" for a listen address; the scheme's default
// port is left out.
std::string BaseUrl(const config::CaConfig& c, bool http) {
  std::string host = c.dns_names.empty() ? "localhost" : c.dns_names.front();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string port = PortOf(http ? c.insecure_address : c.address);
  std::string url = (http ? "http://" : "https://") + host;
  if (!port.empty() && port != (http ? "80" : "443")) url += ":" + port;
  return url;
}

}  // namespace

RevocationUrls Authority::MakeRevocationUrls(const config::CaConfig& c) {
  RevocationUrls u;
  // Relying parties fetch CRLs and ask OCSP over plain HTTP where they can (no TLS chicken and
  // egg): the insecure listener when there is one.
  const bool http = !c.insecure_address.empty();
  const std::string base = BaseUrl(c, http);
  if (c.crl.enabled) {
    u.crl = !c.crl.idp_url.empty() ? c.crl.idp_url : base + (http ? "/crl" : "/1.0/crl");
    if (c.crl.delta) u.delta_crl = base + (http ? "/crl/delta" : "/1.0/crl/delta");
  }
  if (c.ocsp.enabled) u.ocsp = !c.ocsp.url.empty() ? c.ocsp.url : base + c.ocsp.path;
  return u;
}

Status Authority::StartRevocationServices() {
  urls_ = MakeRevocationUrls(config_);
  if (config_.crl.enabled) {
    CrlPublisher::Options o{config_.crl, urls_.crl, urls_.delta_crl};
    CAIRN_ASSIGN_OR_RETURN(crl_, CrlPublisher::Start(std::move(o), intermediates_.front(), *signer_,
                                                     env_.store, env_.clock, env_.log));
  }
  if (config_.ocsp.enabled) {
    CAIRN_ASSIGN_OR_RETURN(
        ocsp_, OcspResponder::Start(config_.ocsp, config_.common_name, intermediates_.front(),
                                    *signer_, env_.store, env_.clock, env_.random, env_.log));
  }
  return Status();
}

void Authority::PublishRevocation(const std::string& serial) {
  if (ocsp_) ocsp_->Revoked(serial);
  if (crl_) crl_->Revoked();
}

std::optional<pki::Certificate> Authority::RootBySha(std::string_view sha) const {
  std::string want;
  for (char c : sha) {
    if (c != '-') want.push_back(c);
  }
  want = ToLower(want);
  for (const auto* list : {&roots_, &federated_roots_}) {
    for (const pki::Certificate& c : *list) {
      if (c.fingerprint_sha256_hex() == want) return c;
    }
  }
  return std::nullopt;
}

const provisioner::Provisioner* Authority::ProvisionerFor(const pki::Certificate& cert) const {
  auto rec = env_.store.GetCertificate(cert.serial_decimal());
  if (rec.ok() && rec->has_value() && !(*rec)->provisioner_id.empty()) {
    if (const auto* p = provisioners_->LoadById((*rec)->provisioner_id)) return p;
  }
  if (auto ext = cert.provisioner_extension()) return provisioners_->LoadByExtension(*ext);
  return nullptr;
}

Issued Authority::MakeIssued(pki::Certificate leaf, const provisioner::Provisioner* p) const {
  if (ocsp_) ocsp_->Issued(leaf);
  Issued out{std::move(leaf), {}, {}};
  out.chain.push_back(out.leaf);
  out.chain.insert(out.chain.end(), intermediates_.begin(), intermediates_.end());
  if (p != nullptr) {
    std::string cred = p->credential_id();
    out.provisioner = cred.empty() ? p->name() : p->name() + " (" + cred + ")";
  }
  return out;
}

store::CertificateRecord Authority::MakeRecord(const pki::Certificate& cert,
                                               const provisioner::Provisioner* p,
                                               std::string renewed_from) const {
  store::CertificateRecord rec;
  rec.serial = cert.serial_decimal();
  rec.der = cert.der();
  if (p != nullptr) {
    rec.provisioner_id = p->id();
    rec.provisioner_name = p->name();
    rec.provisioner_type = std::string(provisioner::TypeName(p->type()));
  }
  rec.subject = cert.subject_string();
  // One parse of the SAN extension, listed DNS names, IPs, emails, URIs.
  pki::SubjectAltNames sans = cert.sans();
  rec.sans.reserve(sans.size());
  for (std::vector<std::string>* list : {&sans.dns, &sans.ips, &sans.emails, &sans.uris}) {
    for (std::string& name : *list) rec.sans.push_back(std::move(name));
  }
  rec.not_before = cert.not_before();
  rec.not_after = cert.not_after();
  rec.issued_at = env_.clock.Now();
  rec.renewed_from = std::move(renewed_from);
  return rec;
}

namespace {
// StoreStatus turns the store's answer about a certificate record into the authority's.
Status StoreStatus(Status s, bool had_token) {
  if (s.code() == StatusCode::kAlreadyExists && had_token) {
    // The only uniqueness a fresh 128-bit serial can hit in practice is the token's.
    return UnauthenticatedError("token already used");
  }
  if (!s.ok()) return s.Annotate("storing certificate");
  return Status();
}
}  // namespace

Status Authority::Record(const pki::Certificate& cert, const provisioner::Provisioner* p,
                         std::string_view token_id, std::string renewed_from) {
  store::CertificateRecord rec = MakeRecord(cert, p, std::move(renewed_from));
  return StoreStatus(env_.store.RecordCertificate(rec, token_id), !token_id.empty());
}

void Authority::RecordAsync(const pki::Certificate& cert, const provisioner::Provisioner* p,
                            std::string token_id, std::string renewed_from,
                            std::function<void(Status)> done) {
  const bool had_token = !token_id.empty();
  env_.store.RecordCertificateAsync(MakeRecord(cert, p, std::move(renewed_from)),
                                    std::move(token_id),
                                    [had_token, done = std::move(done)](Status s) {
                                      done(StoreStatus(std::move(s), had_token));
                                    });
}

}  // namespace cairn::authority
