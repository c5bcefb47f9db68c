#include "check.h"

#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "common.h"
#include "der.h"

namespace cairn::bench {
namespace {

// CheckOne returns "" when the certificate is right, else why not.
std::string CheckOne(const Response& r, const Workload& w, std::string_view issuer_name,
                     der::EcdsaSha256& verifier) {
  auto pem = JsonUnescape(r.escaped_pem);
  if (!pem.ok()) return "bad JSON string";
  std::string cert_der = der::PemToDer(*pem);
  if (cert_der.empty()) return "not a PEM certificate";
  auto cert = der::ParseCertificate(cert_der);
  if (!cert) return "malformed certificate";
  if (r.index >= w.requests.size()) return "bad request index";
  if (cert->spki != w.spki[r.index % w.spki.size()]) return "the public key is not the CSR's";
  std::string name = RequestName(r.index);
  if (std::find(cert->dns_names.begin(), cert->dns_names.end(), name) == cert->dns_names.end()) {
    return "no SAN dNSName " + name;
  }
  if (cert->common_name && *cert->common_name != name) {
    return "CN is " + std::string(*cert->common_name) + ", want " + name;
  }
  if (cert->issuer != issuer_name) return "the issuer name is not the issuer's subject";
  if (!verifier.Verify(cert->tbs, cert->signature)) return "the signature does not verify";
  return "";
}

// LoadIssuer reads the issuer and checks its chain to the root.
Result<ossl::UniquePtr<X509>> LoadIssuer(const std::string& issuer_path,
                                         const std::string& root_path) {
  CAIRN_ASSIGN_OR_RETURN(auto issuers, ReadCertificates(issuer_path));
  CAIRN_ASSIGN_OR_RETURN(auto roots, ReadCertificates(root_path));
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  for (auto& root : roots) X509_STORE_add_cert(store.get(), root.get());
  ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), issuers.front().get(), nullptr) != 1 ||
      X509_verify_cert(ctx.get()) != 1) {
    std::string why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return InvalidArgumentError(issuer_path + " does not chain to " + root_path + ": " + why);
  }
  return std::move(issuers.front());
}

}  // namespace

Status CheckIssuer(const std::string& issuer_path, const std::string& root_path) {
  return LoadIssuer(issuer_path, root_path).status();
}

Result<CheckResult> CheckCertificates(const std::vector<Response>& responses,
                                      const Workload& workload, const std::string& issuer_path,
                                      const std::string& root_path) {
  CAIRN_ASSIGN_OR_RETURN(ossl::UniquePtr<X509> issuer_cert, LoadIssuer(issuer_path, root_path));
  X509* issuer = issuer_cert.get();
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer);
  std::string issuer_name;
  {
    unsigned char* buf = nullptr;
    int len = i2d_X509_NAME(X509_get_subject_name(issuer), &buf);
    if (len <= 0) return ossl::ErrorStatus("i2d_X509_NAME");
    issuer_name.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
    OPENSSL_free(buf);
  }

  CheckResult out;
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> valid{0}, invalid{0};
  std::mutex mu;
  std::atomic<bool> no_verifier{false};
  auto worker = [&] {
    auto verifier = der::EcdsaSha256::Create(issuer_key, /*sign=*/false);
    if (!verifier) {
      no_verifier = true;
      return;
    }
    constexpr size_t kChunk = 256;
    while (true) {
      size_t start = next.fetch_add(kChunk);
      if (start >= responses.size()) return;
      size_t end = std::min(responses.size(), start + kChunk);
      for (size_t i = start; i < end; ++i) {
        std::string why = CheckOne(responses[i], workload, issuer_name, *verifier);
        if (why.empty()) {
          ++valid;
          continue;
        }
        ++invalid;
        std::lock_guard<std::mutex> lock(mu);
        if (out.error_samples.size() < 5) {
          out.error_samples.push_back("certificate of request " +
                                      std::to_string(responses[i].index) + ": " + why);
        }
      }
    }
  };
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (no_verifier) return ossl::ErrorStatus("EVP_PKEY_verify_init");
  out.valid = valid;
  out.invalid = invalid;
  return out;
}

}  // namespace cairn::bench
