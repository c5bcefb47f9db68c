#include "bench/micro/micro_ca.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "authority/open_store.h"
#include "base/clock.h"
#include "base/file.h"
#include "crypto/random.h"
#include "crypto/signer.h"
#include "jose/jwt.h"
#include "pki/builder.h"
#include "pki/csr.h"
#include "pki/name.h"
#include "store/memory_store.h"

namespace cairn::bench {
namespace {

// IssueCa signs a CA certificate for `key` (self-signed when issuer is null).
Result<pki::Certificate> IssueCa(const std::string& cn, const std::string& serial, int path_len,
                                 const crypto::PublicKey& key, const pki::Certificate* issuer,
                                 const crypto::PrivateKey& issuer_key) {
  const Time now = TruncateToSeconds(SystemClock::Default().Now());
  pki::CertificateTemplate t;
  t.subject.organization = {"Cairn Bench"};
  t.subject.common_name = cn;
  t.serial_decimal = serial;
  t.not_before = now - std::chrono::hours(1);
  t.not_after = now + std::chrono::hours(24 * 365);
  t.key_usage = pki::kCertSign | pki::kCrlSign;
  t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = path_len};
  crypto::KeySigner signer(issuer_key);
  return pki::SignCertificate(t, key, issuer, signer);
}

}  // namespace

Result<std::unique_ptr<TempDir>> TempDir::Create(const std::string& tag) {
  static std::atomic<int> counter{0};
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::filesystem::path dir = base / ("cairn-microbench-" + std::to_string(::getpid()) + "-" +
                                      std::to_string(counter++) + "-" + tag);
  std::filesystem::remove_all(dir, ec);
  if (!std::filesystem::create_directories(dir, ec) || ec) {
    return InternalError("cannot create " + dir.string() + ": " + ec.message());
  }
  return std::unique_ptr<TempDir>(new TempDir(dir.string()));
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Result<std::unique_ptr<MicroCa>> MicroCa::Create() {
  auto ca = std::make_unique<MicroCa>();
  CAIRN_ASSIGN_OR_RETURN(ca->home, TempDir::Create("steppath"));
  const std::string& home = ca->home->path();
  for (const char* sub : {"certs", "secrets", "config", "db", "templates"}) {
    CAIRN_RETURN_IF_ERROR(MakeDirs(JoinPath(home, sub), 0700));
  }

  // The PKI, as `step ca init` makes it: P-256 root and intermediate.
  CAIRN_ASSIGN_OR_RETURN(ca->root_key, crypto::PrivateKey::Generate({}));
  CAIRN_ASSIGN_OR_RETURN(ca->int_key, crypto::PrivateKey::Generate({}));
  CAIRN_ASSIGN_OR_RETURN(ca->rsa_int_key, crypto::PrivateKey::Generate(
                                              {.type = crypto::KeyType::kRsa, .rsa_bits = 2048}));
  CAIRN_ASSIGN_OR_RETURN(ca->root, IssueCa("Bench Root CA", "1", 1, ca->root_key->public_key(),
                                           nullptr, *ca->root_key));
  CAIRN_ASSIGN_OR_RETURN(ca->intermediate,
                         IssueCa("Bench Intermediate CA", "2", 0, ca->int_key->public_key(),
                                 &*ca->root, *ca->root_key));
  CAIRN_ASSIGN_OR_RETURN(ca->rsa_intermediate,
                         IssueCa("Bench RSA Intermediate CA", "3", 0, ca->rsa_int_key->public_key(),
                                 &*ca->root, *ca->root_key));
  ca->root_fingerprint = ca->root->fingerprint_sha256_hex();

  const std::string root_path = JoinPath(home, "certs/root_ca.crt");
  const std::string int_path = JoinPath(home, "certs/intermediate_ca.crt");
  const std::string key_path = JoinPath(home, "secrets/intermediate_ca_key");
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(root_path, ca->root->pem()));
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(int_path, ca->intermediate->pem()));
  CAIRN_ASSIGN_OR_RETURN(std::string int_key_pem, ca->int_key->ToPem(ca->password));
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(key_path, int_key_pem, 0600));

  // The provisioner, as `step ca init` adds its default JWK provisioner.
  CAIRN_ASSIGN_OR_RETURN(ca->provisioner_key, jose::Jwk::Generate("EC", "P-256"));
  nlohmann::ordered_json ca_json = {
      {"root", root_path},
      {"crt", int_path},
      {"key", key_path},
      {"address", ":9000"},
      {"insecureAddress", ""},
      {"dnsNames", {"ca.example.com"}},
      {"logger", {{"format", "text"}}},
      {"db", {{"type", "badgerv2"}, {"dataSource", JoinPath(home, "db")}}},
      {"authority",
       {{"provisioners",
         {{{"type", "JWK"},
           {"name", ca->provisioner_name},
           {"key", nlohmann::ordered_json::parse(ca->provisioner_key.PublicKey().ToJsonString(
                       /*include_private=*/false))}}}}}},
      {"tls",
       {{"cipherSuites",
         {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}},
        {"minVersion", 1.2},
        {"maxVersion", 1.3},
        {"renegotiation", false}}},
      {"commonName", "Bench Online CA"}};
  ca->ca_json_path = JoinPath(home, "config/ca.json");
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(ca->ca_json_path, ca_json.dump(1, '\t'), 0600));
  CAIRN_ASSIGN_OR_RETURN(ca->config, config::LoadCaConfig(ca->ca_json_path));

  // The subscriber: a P-256 key and its CSR, as `step ca certificate` makes them.
  CAIRN_ASSIGN_OR_RETURN(ca->leaf_key, crypto::PrivateKey::Generate({}));
  pki::Name name;
  name.common_name = ca->subject;
  CAIRN_ASSIGN_OR_RETURN(pki::CertificateRequest csr,
                         pki::CreateCsr(name, {.dns = {ca->subject}}, *ca->leaf_key));
  ca->csr_pem = csr.pem();
  return ca;
}

Result<std::string> MicroCa::Token() const {
  const int64_t now = ToUnixSeconds(SystemClock::Default().Now());
  CAIRN_ASSIGN_OR_RETURN(std::string jti, crypto::OsslRandom::Default().Hex(32));
  nlohmann::json claims = {{"aud", "https://ca.example.com:9000/1.0/sign"},
                           {"exp", now + 300},
                           {"iat", now},
                           {"iss", provisioner_name},
                           {"jti", jti},
                           {"nbf", now},
                           {"sans", {subject}},
                           {"sha", root_fingerprint},
                           {"sub", subject}};
  return jose::SignJwt(claims, provisioner_key);
}

Result<std::vector<std::string>> MicroCa::Tokens(size_t n) const {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    CAIRN_ASSIGN_OR_RETURN(std::string t, Token());
    out.push_back(std::move(t));
  }
  return out;
}

std::string MicroCa::SignRequestBody(const std::string& token) const {
  return nlohmann::json{{"csr", csr_pem}, {"ott", token}, {"notBefore", ""}, {"notAfter", ""}}
      .dump();
}

Result<const MicroCa*> SharedCa() {
  // Not leaked on purpose: its destructor removes the temporary $STEPPATH at exit.
  static const Result<std::unique_ptr<MicroCa>> ca = MicroCa::Create();
  if (!ca.ok()) return ca.status();
  return ca.value().get();
}

Logger& BenchLogger() {
  static NullLogger* log = new NullLogger();
  return *log;
}

bool Ok(benchmark::State& state, const Status& s, const char* what) {
  if (s.ok()) return true;
  const std::string msg = std::string(what) + ": " + s.ToString();
  state.SkipWithError(msg.c_str());
  return false;
}

Status TokenPool::Make(size_t n) {
  CAIRN_ASSIGN_OR_RETURN(tokens_, ca_.Tokens(n));
  if (as_body_) {
    for (std::string& t : tokens_) t = ca_.SignRequestBody(t);
  }
  next_ = 0;
  return Status();
}

Status TokenPool::Fill(const benchmark::State& state) {
  return Make(std::min<size_t>(static_cast<size_t>(state.max_iterations), kMaxPrepared));
}

std::string* TokenPool::Next(benchmark::State& state) {
  if (next_ == tokens_.size()) {
    state.PauseTiming();
    Status s = Make(1024);
    state.ResumeTiming();
    if (!Ok(state, s, "making tokens")) return nullptr;
  }
  return &tokens_[next_++];
}

AuthorityRun::~AuthorityRun() {
  authority.reset();  // it refers to the store
  if (store) store->Close().IgnoreError();
}

Result<std::unique_ptr<AuthorityRun>> MakeAuthorityRun(bool sqlite) {
  CAIRN_ASSIGN_OR_RETURN(const MicroCa* ca, SharedCa());
  auto run = std::make_unique<AuthorityRun>();
  if (sqlite) {
    CAIRN_ASSIGN_OR_RETURN(run->store, authority::OpenStoreFor(ca->config, ca->home->path()));
    run->sqlite = dynamic_cast<store::SqliteStore*>(run->store.get());
    if (run->sqlite == nullptr) return InternalError("ca.json's db did not open a SqliteStore");
    run->start = run->sqlite->stats();
  } else {
    run->store = std::make_unique<store::MemoryStore>();
  }
  authority::AuthorityOptions opts{
      .home = ca->home->path(),
      .password = ca->password,
      .start_time = SystemClock::Default().Now() - std::chrono::minutes(1)};
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<authority::Authority> a,
                         authority::Authority::Create(
                             ca->config, opts,
                             authority::Env{SystemClock::Default(), crypto::OsslRandom::Default(),
                                            *run->store, BenchLogger()}));
  run->authority = std::move(a);
  return run;
}

}  // namespace cairn::bench
