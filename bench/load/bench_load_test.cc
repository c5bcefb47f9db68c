// Tests of the pieces cairn-bench's numbers rest on: the CSRs it sends are ones OpenSSL accepts,
// and the certificate check counts every wrong certificate as an error.

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "check.h"
#include "common.h"
#include "der.h"
#include "testing/fakes.h"
#include "workload.h"

namespace cairn::bench {
namespace {

ossl::UniquePtr<EVP_PKEY> NewKey() { return ossl::UniquePtr<EVP_PKEY>(EVP_EC_gen("P-256")); }

std::string ToPem(X509* cert) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

void AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  ASSERT_TRUE(ext);
  X509_add_ext(cert, ext.get(), -1);
}

// MakeCert issues a certificate for `key` named `name` by `issuer_name`, signed with `signer`.
ossl::UniquePtr<X509> MakeCert(EVP_PKEY* key, const std::string& name, X509* issuer,
                               EVP_PKEY* signer, bool ca = false) {
  ossl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 12345);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key);
  if (ca) {
    AddExt(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign");
  } else {
    AddExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature");
    AddExt(cert.get(), issuer, NID_subject_alt_name, "DNS:other.example.test,DNS:" + name);
  }
  EXPECT_GT(X509_sign(cert.get(), signer, EVP_sha256()), 0);
  return cert;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/bench-load-test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  std::string Write(const std::string& name, const std::string& content) {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }

 private:
  std::string path_;
};

TEST(ParseHttpsUrl, Table) {
  struct Case {
    const char* url;
    bool ok;
    const char* host;
    int port;
    const char* host_header;
  } cases[] = {
      {"https://127.0.0.1:8443", true, "127.0.0.1", 8443, "127.0.0.1:8443"},
      {"https://127.0.0.1:8443/1.0/sign", true, "127.0.0.1", 8443, "127.0.0.1:8443"},
      {"https://[::1]:9000/x", true, "::1", 9000, "[::1]:9000"},
      {"https://ca.example", true, "ca.example", 443, "ca.example"},
      {"http://127.0.0.1:80", false, "", 0, ""},
      {"https://:8443", false, "", 0, ""},
      {"https://h:0", false, "", 0, ""},
      {"https://h:99999", false, "", 0, ""},
      {"https://h:8a", false, "", 0, ""},
  };
  for (const auto& c : cases) {
    auto ep = ParseHttpsUrl(c.url);
    ASSERT_EQ(ep.ok(), c.ok) << c.url;
    if (!c.ok) continue;
    EXPECT_EQ(ep->host, c.host) << c.url;
    EXPECT_EQ(ep->port, c.port) << c.url;
    EXPECT_EQ(ep->host_header, c.host_header) << c.url;
  }
}

TEST(Json, FindAndUnescape) {
  std::string body = R"({"ca":"A","crtx":"no","crt" : "L1\nL2 \u00e9\/\"q\"","certChain":[]})";
  auto raw = FindJsonString(body, "crt");
  ASSERT_TRUE(raw.has_value());
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string text, JsonUnescape(*raw));
  EXPECT_EQ(text, "L1\nL2 \xc3\xa9/\"q\"");
  EXPECT_FALSE(FindJsonString(body, "missing").has_value());
  EXPECT_FALSE(FindJsonString(R"({"crt":1})", "crt").has_value());
  EXPECT_FALSE(JsonUnescape("bad\\x").ok());
  EXPECT_EQ(*JsonUnescape(JsonEscape("a\"b\\c\nd\x01")), "a\"b\\c\nd\x01");
}

TEST(Percentile, NearestRank) {
  std::vector<uint32_t> v;
  for (uint32_t i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 0.5), 50);
  EXPECT_EQ(Percentile(v, 0.99), 99);
  EXPECT_EQ(Percentile(v, 1.0), 100);
  EXPECT_EQ(Percentile({}, 0.5), 0);
}

TEST(CsrPem, OpenSslAcceptsIt) {
  auto key = NewKey();
  auto signer = der::EcdsaSha256::Create(key.get(), /*sign=*/true);
  ASSERT_TRUE(signer.has_value());
  std::string pem = der::CsrPem(der::SpkiDer(key.get()), "bench-7.example.test", *signer);
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::UniquePtr<X509_REQ> req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(req) << pem;
  EXPECT_EQ(X509_REQ_verify(req.get(), key.get()), 1);
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), key.get()), 1);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "bench-7.example.test");
  ossl::UniquePtr<STACK_OF(X509_EXTENSION)> exts(X509_REQ_get_extensions(req.get()));
  ASSERT_EQ(sk_X509_EXTENSION_num(exts.get()), 1);
  ossl::UniquePtr<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts.get(), 0))));
  ASSERT_EQ(sk_GENERAL_NAME_num(names.get()), 1);
  GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), 0);
  ASSERT_EQ(gn->type, GEN_DNS);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName))),
            "bench-7.example.test");
  // A tampered CSR no longer verifies.
  std::string der = der::PemToDer(pem);
  der[der.size() / 2] ^= 1;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::UniquePtr<X509_REQ> bad(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(!bad || X509_REQ_verify(bad.get(), key.get()) != 1);
}

TEST(CheckCertificates, CountsEveryWrongCertificate) {
  TempDir dir;
  auto ca_key = NewKey();
  auto ca = MakeCert(ca_key.get(), "Test Issuing CA", nullptr, ca_key.get(), /*ca=*/true);
  std::string ca_path = dir.Write("ca.crt", ToPem(ca.get()));
  auto other_key = NewKey();
  auto other_ca = MakeCert(other_key.get(), "Other CA", nullptr, other_key.get(), true);

  Workload w;
  w.keys.push_back(NewKey());
  w.keys.push_back(NewKey());
  for (auto& k : w.keys) w.spki.push_back(der::SpkiDer(k.get()));
  w.requests.resize(8);
  auto response = [&](uint32_t index, X509* cert) {
    return Response{index, JsonEscape(ToPem(cert))};
  };
  std::vector<Response> responses;
  // Good: request i carries keys[i % 2] and RequestName(i).
  auto good0 = MakeCert(w.keys[0].get(), RequestName(0), ca.get(), ca_key.get());
  auto good1 = MakeCert(w.keys[1].get(), RequestName(1), ca.get(), ca_key.get());
  responses.push_back(response(0, good0.get()));
  responses.push_back(response(1, good1.get()));
  // Wrong key, wrong name, wrong signature, wrong issuer name, garbage.
  auto wrong_key = MakeCert(w.keys[0].get(), RequestName(3), ca.get(), ca_key.get());
  auto wrong_name = MakeCert(w.keys[0].get(), RequestName(2) + "x", ca.get(), ca_key.get());
  auto wrong_sig = MakeCert(w.keys[0].get(), RequestName(4), ca.get(), other_key.get());
  auto wrong_issuer = MakeCert(w.keys[1].get(), RequestName(5), other_ca.get(), ca_key.get());
  responses.push_back(response(3, wrong_key.get()));
  responses.push_back(response(2, wrong_name.get()));
  responses.push_back(response(4, wrong_sig.get()));
  responses.push_back(response(5, wrong_issuer.get()));
  responses.push_back(
      Response{6, "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"});
  responses.push_back(Response{7, "not pem"});

  CAIRN_ASSERT_OK_AND_ASSIGN(CheckResult r, CheckCertificates(responses, w, ca_path, ca_path));
  EXPECT_EQ(r.valid, 2u);
  EXPECT_EQ(r.invalid, 6u);
  ASSERT_EQ(r.error_samples.size(), 5u);
  std::string all;
  for (const auto& s : r.error_samples) all += s + "\n";
  EXPECT_NE(all.find("public key"), std::string::npos) << all;
  EXPECT_NE(all.find("no SAN dNSName"), std::string::npos) << all;
  EXPECT_NE(all.find("signature"), std::string::npos) << all;
  EXPECT_NE(all.find("issuer"), std::string::npos) << all;
}

TEST(CheckIssuer, RefusesAnIssuerOutsideTheRoot) {
  TempDir dir;
  auto key = NewKey();
  auto other = NewKey();
  auto ca = MakeCert(key.get(), "CA", nullptr, key.get(), true);
  auto stranger = MakeCert(other.get(), "Stranger", nullptr, other.get(), true);
  std::string ca_path = dir.Write("ca.crt", ToPem(ca.get()));
  std::string stranger_path = dir.Write("stranger.crt", ToPem(stranger.get()));
  CAIRN_EXPECT_OK(CheckIssuer(ca_path, ca_path));
  EXPECT_FALSE(CheckIssuer(stranger_path, ca_path).ok());
  EXPECT_FALSE(CheckIssuer(dir.Write("empty.crt", ""), ca_path).ok());
}

TEST(ParseCertificate, RejectsTruncatedInput) {
  auto key = NewKey();
  auto cert = MakeCert(key.get(), "x.example.test", nullptr, key.get());
  std::string der = der::PemToDer(ToPem(cert.get()));
  auto fields = der::ParseCertificate(der);
  ASSERT_TRUE(fields.has_value());
  EXPECT_EQ(fields->spki, der::SpkiDer(key.get()));
  ASSERT_TRUE(fields->common_name.has_value());
  EXPECT_EQ(*fields->common_name, "x.example.test");
  EXPECT_EQ(fields->dns_names.size(), 2u);
  for (size_t cut : {size_t{0}, size_t{1}, der.size() / 2, der.size() - 1}) {
    EXPECT_FALSE(der::ParseCertificate(std::string_view(der).substr(0, cut)).has_value()) << cut;
  }
}

}  // namespace
}  // namespace cairn::bench
