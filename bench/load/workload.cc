#include "workload.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/file.h"
#include "client/provisioners.h"
#include "client/token.h"
#include "crypto/random.h"
#include "der.h"
#include "jose/jwe.h"
#include "jose/jwk.h"

namespace cairn::bench {
namespace {

// Workers is how many threads preparation uses: every core.
unsigned Workers() { return std::max(1u, std::thread::hardware_concurrency()); }

// ParallelFor runs f(i, worker) for i in [0, n) on Workers() threads; returns the first
// failure.
template <typename F>
Status ParallelFor(size_t n, F f) {
  unsigned threads = Workers();
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first;
  auto worker = [&](unsigned id) {
    constexpr size_t kChunk = 64;
    while (!failed.load(std::memory_order_relaxed)) {
      size_t start = next.fetch_add(kChunk);
      if (start >= n) return;
      size_t end = std::min(n, start + kChunk);
      for (size_t i = start; i < end; ++i) {
        Status s = f(i, id);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first.ok()) first = s;
          failed = true;
          return;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& t : pool) t.join();
  return first;
}

std::string HttpPost(const Endpoint& ep, std::string_view path, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 160);
  out += "POST ";
  out += path;
  out += " HTTP/1.1\r\nHost: ";
  out += ep.host_header;
  out += "\r\nUser-Agent: cairn-bench\r\nContent-Type: application/json\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
  return out;
}

std::string CfsslSignBody(const std::string& csr_pem, const std::string& name,
                          const std::string& profile) {
  std::string body = "{\"certificate_request\":\"" + JsonEscape(csr_pem) + "\",\"hosts\":[\"" +
                     JsonEscape(name) + "\"]";
  if (!profile.empty()) body += ",\"profile\":\"" + JsonEscape(profile) + "\"";
  body += "}";
  return body;
}

// TokenMaker mints step-style JWK one-time tokens for /sign, as `cairn ca token` does.
struct TokenMaker {
  jose::Jwk key;
  client::JwkTokenRequest base;
  Time now;

  Result<std::string> Make(const std::string& name) const {
    client::JwkTokenRequest r = base;
    r.subject = name;
    r.sans = {name};
    return client::SignToken(r, key, now, crypto::OsslRandom::Default());
  }
};

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 16 << 20));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
}

Result<TokenMaker> MakeTokenMaker(const WorkloadOptions& o) {
  if (o.ca_config.empty() || o.provisioner.empty() || o.password_file.empty()) {
    return InvalidArgumentError(
        "cairn mode needs --ca-config, --provisioner and --password-file to make tokens");
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json cfg, ReadJsonFile(o.ca_config));
  std::vector<nlohmann::json> objects;
  try {
    for (const auto& p : cfg.at("authority").at("provisioners")) objects.push_back(p);
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError(o.ca_config + ": no authority.provisioners");
  }
  CAIRN_ASSIGN_OR_RETURN(
      auto list, client::FilterProvisioners(client::ParseProvisioners(objects), o.provisioner, ""));
  const client::ProvisionerInfo* jwk = nullptr;
  for (const auto& p : list) {
    if (p.type == "JWK") {
      jwk = &p;
      break;
    }
  }
  if (jwk == nullptr || jwk->encrypted_key.empty()) {
    return InvalidArgumentError("provisioner '" + o.provisioner +
                                "' is not a JWK provisioner with an encryptedKey");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string password, ReadPassword(o.password_file));
  TokenMaker m;
  CAIRN_ASSIGN_OR_RETURN(m.key, jose::DecryptJwk(jwk->encrypted_key, password));
  CAIRN_ASSIGN_OR_RETURN(auto roots, ReadCertificates(o.root_path));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(roots.front().get(), EVP_sha256(), md, &md_len) != 1) {
    return ossl::ErrorStatus("X509_digest");
  }
  m.base.root_fingerprint = HexEncode(std::string_view(reinterpret_cast<char*>(md), md_len));
  CAIRN_ASSIGN_OR_RETURN(m.base.audience, client::TokenAudience(o.url, client::TokenType::kSign));
  m.base.issuer = jwk->name;
  m.base.kid = jwk->kid;
  m.now = SystemClock::Default().Now();
  double validity = std::clamp(o.token_validity_s, 60.0, 3600.0);
  m.base.not_before = m.now;
  m.base.not_after = m.now + std::chrono::seconds(static_cast<int64_t>(validity));
  return m;
}

}  // namespace

Result<Mode> ParseMode(std::string_view name) {
  if (name == "cairn") return Mode::kCairn;
  if (name == "cfssl") return Mode::kCfssl;
  if (name == "cfssl-authsign") return Mode::kCfsslAuthsign;
  return InvalidArgumentError("unknown --mode '" + std::string(name) +
                              "' (want cairn, cfssl or cfssl-authsign)");
}

std::string RequestName(size_t i) { return "bench-" + std::to_string(i) + ".example.test"; }

Result<std::string> CaIssuerPath(const std::string& ca_config) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json cfg, ReadJsonFile(ca_config));
  if (!cfg.is_object() || !cfg.contains("crt") || !cfg["crt"].is_string()) {
    return InvalidArgumentError(ca_config + ": no \"crt\"");
  }
  return cfg["crt"].get<std::string>();
}

Result<Workload> PrepareWorkload(const WorkloadOptions& o) {
  if (o.count == 0) return InvalidArgumentError("nothing to prepare (--requests-max 0)");
  if (o.key_pool == 0) return InvalidArgumentError("the key pool is empty");
  CAIRN_ASSIGN_OR_RETURN(Endpoint ep, ParseHttpsUrl(o.url));
  Workload w;
  w.mode = o.mode;
  w.reusable = o.mode != Mode::kCairn;

  std::optional<TokenMaker> tokens;
  std::string hmac_key;
  if (o.mode == Mode::kCairn) {
    CAIRN_ASSIGN_OR_RETURN(TokenMaker m, MakeTokenMaker(o));
    tokens = std::move(m);
  } else if (o.mode == Mode::kCfsslAuthsign) {
    auto key = HexDecode(o.hmac_key_hex);
    if (!key.ok() || key->empty()) return InvalidArgumentError("--hmac-key must be hex");
    hmac_key = *key;
  }

  w.keys.resize(o.key_pool);
  w.spki.resize(o.key_pool);
  CAIRN_RETURN_IF_ERROR(ParallelFor(o.key_pool, [&](size_t i, unsigned) -> Status {
    w.keys[i].reset(EVP_EC_gen("P-256"));
    if (!w.keys[i]) return ossl::ErrorStatus("EVP_EC_gen");
    w.spki[i] = der::SpkiDer(w.keys[i].get());
    return w.spki[i].empty() ? ossl::ErrorStatus("i2d_PUBKEY") : Status();
  }));
  // One signing context per key and worker thread, made on first use.
  std::vector<std::vector<std::optional<der::EcdsaSha256>>> signers(Workers());
  for (auto& per_worker : signers) per_worker.resize(o.key_pool);

  w.requests.resize(o.count);
  Status s = ParallelFor(o.count, [&](size_t i, unsigned worker) -> Status {
    std::string name = RequestName(i);
    size_t k = i % w.keys.size();
    auto& signer = signers[worker][k];
    if (!signer) signer = der::EcdsaSha256::Create(w.keys[k].get(), /*sign=*/true);
    if (!signer) return ossl::ErrorStatus("EVP_PKEY_sign_init");
    std::string csr = der::CsrPem(w.spki[k], name, *signer);
    if (csr.empty()) return ossl::ErrorStatus("signing a CSR");
    switch (o.mode) {
      case Mode::kCairn: {
        CAIRN_ASSIGN_OR_RETURN(std::string ott, tokens->Make(name));
        w.requests[i] =
            HttpPost(ep, "/sign", "{\"csr\":\"" + JsonEscape(csr) + "\",\"ott\":\"" + ott + "\"}");
        break;
      }
      case Mode::kCfssl:
        w.requests[i] = HttpPost(ep, "/api/v1/cfssl/sign", CfsslSignBody(csr, name, o.profile));
        break;
      case Mode::kCfsslAuthsign: {
        std::string inner = CfsslSignBody(csr, name, o.profile);
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int mac_len = 0;
        if (HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
                 reinterpret_cast<const unsigned char*>(inner.data()), inner.size(), mac,
                 &mac_len) == nullptr) {
          return ossl::ErrorStatus("HMAC");
        }
        std::string token =
            Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
        w.requests[i] =
            HttpPost(ep, "/api/v1/cfssl/authsign",
                     "{\"token\":\"" + token + "\",\"request\":\"" + Base64Encode(inner) + "\"}");
        break;
      }
    }
    return Status();
  });
  if (!s.ok()) return s;
  return w;
}

}  // namespace cairn::bench
