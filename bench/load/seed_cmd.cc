// cairn-bench seed: fills a Cairn SQLite store with N issued certificates, fast, so issuance
// can be measured against a store that has history.
//
// How: the store is opened once through store::OpenSqliteStore (which creates the file and
// runs the schema migrations) and closed. Then one plain SQLite connection, with
// journal_mode=OFF and synchronous=OFF for the duration of the load, inserts the rows with two
// prepared statements (x509_certs and used_tokens, the two rows an issuance writes) in
// transactions of --batch rows, and finally puts the database back into WAL mode.
//
// The rows look like real ones: der is a real DER certificate of the size Cairn issues
// (P-256 key, SANs, key usages, the provisioner extension; ~600 bytes) in which the serial
// number of each row is written, so the blob's serial matches the row's; serials are distinct
// 127-bit numbers (39 decimal digits, like the random 128-bit serials Cairn makes), generated
// in ascending order so SQLite appends to its B-trees instead of splitting pages at random;
// token ids are 64 hex characters, ascending too; issuance times spread over the last 30 days.
// The signature inside the blob is the template's (nothing verifies stored blobs).

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "commands.h"
#include "common.h"
#include "crypto/ossl_ptr.h"
#include "store/sqlite_store.h"

namespace cairn::bench {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr int kSerialBytes = 16;
constexpr int64_t kMaxSeed = 100'000'000;

int Fail(const std::string& message) {
  std::fprintf(stderr, "cairn-bench seed: %s\n", message.c_str());
  return 1;
}

std::string U128ToDecimal(u128 v) {
  char buf[48];
  int pos = sizeof buf;
  buf[--pos] = '\0';
  do {
    buf[--pos] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  return std::string(buf + pos);
}

void U128ToBytes(u128 v, unsigned char* out) {
  for (int i = kSerialBytes - 1; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// TemplateCertificate builds a leaf shaped like Cairn's, with serial `serial`; returns its DER.
Result<std::string> TemplateCertificate(const unsigned char serial[kSerialBytes]) {
  ossl::UniquePtr<EVP_PKEY> ca_key(EVP_EC_gen("P-256"));
  ossl::UniquePtr<EVP_PKEY> leaf_key(EVP_EC_gen("P-256"));
  ossl::UniquePtr<X509> ca(X509_new());
  ossl::UniquePtr<X509> cert(X509_new());
  if (!ca_key || !leaf_key || !ca || !cert) return ossl::ErrorStatus("EVP_EC_gen");
  // The issuer: only its name and key matter (SKI/AKI).
  X509_NAME* ca_name = X509_get_subject_name(ca.get());
  X509_NAME_add_entry_by_txt(ca_name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Bench CA"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(ca_name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Bench CA Intermediate CA"), -1,
                             -1, 0);
  X509_set_pubkey(ca.get(), ca_key.get());
  AddExt(ca.get(), ca.get(), NID_subject_key_identifier, "hash");

  X509_set_version(cert.get(), 2);
  ossl::UniquePtr<BIGNUM> bn(BN_bin2bn(serial, kSerialBytes, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return ossl::ErrorStatus("serial");
  }
  X509_set_issuer_name(cert.get(), ca_name);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      subject, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("bench-seed-0000000.example.test"), -1, -1, 0);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), leaf_key.get());
  bool ok =
      AddExt(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature") &&
      AddExt(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth,clientAuth") &&
      AddExt(cert.get(), ca.get(), NID_subject_key_identifier, "hash") &&
      AddExt(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always") &&
      AddExt(cert.get(), ca.get(), NID_subject_alt_name, "DNS:bench-seed-0000000.example.test");
  if (!ok) return ossl::ErrorStatus("X509V3_EXT_conf_nid");
  // step-ca's provisioner extension: SEQUENCE { INTEGER type, OCTET STRING name, OCTET STRING
  // credential id (the JWK kid) }.
  std::string kid = "Zq7Xp4c2bQ9mN1vR8sT0uW3yA6dF5gH4jK7lP2oI9eU";
  std::string seq;
  seq += '\x02';
  seq += '\x01';
  seq += '\x01';
  seq += '\x04';
  seq += '\x05';
  seq += "admin";
  seq += '\x04';
  seq += static_cast<char>(kid.size());
  seq += kid;
  std::string der = std::string(1, '\x30') + static_cast<char>(seq.size()) + seq;
  ossl::UniquePtr<ASN1_OBJECT> oid(OBJ_txt2obj("1.3.6.1.4.1.37476.9000.64.1", 1));
  ossl::UniquePtr<ASN1_STRING> value(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(der.data()),
                        static_cast<int>(der.size()));
  ossl::UniquePtr<X509_EXTENSION> ext(
      X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get()));
  if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) return ossl::ErrorStatus("ext");
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) <= 0) return ossl::ErrorStatus("sign");
  int len = i2d_X509(cert.get(), nullptr);
  std::string out(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(cert.get(), &p);
  return out;
}

class Db {
 public:
  ~Db() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    if (db_) sqlite3_close(db_);
  }
  Status Open(const std::string& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
    if (rc != SQLITE_OK) return Err("open");
    sqlite3_busy_timeout(db_, 5000);
    return Status();
  }
  Status Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Err(sql);
    return Status();
  }
  Result<sqlite3_stmt*> Prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) {
      return Err(sql);
    }
    stmts_.push_back(st);
    return st;
  }
  Status Step(sqlite3_stmt* st, const char* what) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return Err(what);
    return Status();
  }
  Result<int64_t> QueryInt(const char* sql) {
    CAIRN_ASSIGN_OR_RETURN(sqlite3_stmt * st, Prepare(sql));
    if (sqlite3_step(st) != SQLITE_ROW) return Err(sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
  }
  Status Err(std::string_view what) {
    return InternalError("sqlite: " + std::string(what) + ": " +
                         (db_ ? sqlite3_errmsg(db_) : "cannot open"));
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> stmts_;
};

Status Seed(const SeedFlags& f, double* seconds, int64_t* total_rows) {
  // 1. Schema: through the store itself.
  {
    store::SqliteStoreOptions o;
    o.path = f.db;
    CAIRN_ASSIGN_OR_RETURN(auto s, store::OpenSqliteStore(o));
    CAIRN_RETURN_IF_ERROR(s->Close());
  }
  auto t0 = std::chrono::steady_clock::now();
  Db db;
  CAIRN_RETURN_IF_ERROR(db.Open(f.db));
  CAIRN_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=DELETE"));
  CAIRN_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=OFF"));
  CAIRN_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=OFF"));
  CAIRN_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size=-262144"));
  CAIRN_RETURN_IF_ERROR(db.Exec("PRAGMA temp_store=MEMORY"));
  CAIRN_ASSIGN_OR_RETURN(
      sqlite3_stmt * cert_st,
      db.Prepare("INSERT INTO x509_certs (serial, der, provisioner_id, provisioner_name,"
                 " provisioner_type, subject, sans, not_before, not_after, issued_at,"
                 " renewed_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)"));
  CAIRN_ASSIGN_OR_RETURN(sqlite3_stmt * token_st,
                         db.Prepare("INSERT INTO used_tokens (id, used_at) VALUES (?1, ?2)"));

  std::mt19937_64 rng(std::random_device{}());
  // Serials: ascending, distinct, all in [10^38, 2^127): 39 digits, 16 DER bytes.
  u128 lo = 1;
  for (int i = 0; i < 38; ++i) lo *= 10;
  u128 hi = (static_cast<u128>(1) << 127) - 1;
  u128 stride = (hi - lo) / static_cast<u128>(f.count);
  auto jitter = [&](u128 bound) -> u128 {
    u128 r = (static_cast<u128>(rng()) << 64) | rng();
    return bound > 1 ? r % bound : 0;
  };
  unsigned char first[kSerialBytes];
  U128ToBytes(lo, first);
  CAIRN_ASSIGN_OR_RETURN(std::string der, TemplateCertificate(first));
  std::string needle = std::string("\x02\x10", 2) + std::string(reinterpret_cast<char*>(first), 16);
  size_t serial_at = der.find(needle);
  if (serial_at == std::string::npos) return InternalError("serial not found in the template");
  serial_at += 2;

  const std::string prov_id = "admin:Zq7Xp4c2bQ9mN1vR8sT0uW3yA6dF5gH4jK7lP2oI9eU";
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t span = 30 * 24 * 3600;
  const uint64_t token_stride = UINT64_MAX / static_cast<uint64_t>(f.count);
  char token[65];
  std::string name, sans;
  for (int64_t i = 0; i < f.count;) {
    CAIRN_RETURN_IF_ERROR(db.Exec("BEGIN"));
    int64_t end = std::min(f.count, i + f.batch);
    for (; i < end; ++i) {
      u128 serial = lo + stride * static_cast<u128>(i) + jitter(stride);
      std::string dec = U128ToDecimal(serial);
      U128ToBytes(serial, reinterpret_cast<unsigned char*>(der.data() + serial_at));
      name = "bench-seed-" + std::to_string(i) + ".example.test";
      sans = "[\"" + name + "\"]";
      std::string subject = "CN=" + name;
      int64_t issued = now - span + (span * i) / f.count;
      sqlite3_bind_text(cert_st, 1, dec.data(), static_cast<int>(dec.size()), SQLITE_STATIC);
      sqlite3_bind_blob(cert_st, 2, der.data(), static_cast<int>(der.size()), SQLITE_STATIC);
      sqlite3_bind_text(cert_st, 3, prov_id.data(), static_cast<int>(prov_id.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(cert_st, 4, "admin", 5, SQLITE_STATIC);
      sqlite3_bind_text(cert_st, 5, "JWK", 3, SQLITE_STATIC);
      sqlite3_bind_text(cert_st, 6, subject.data(), static_cast<int>(subject.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(cert_st, 7, sans.data(), static_cast<int>(sans.size()), SQLITE_STATIC);
      sqlite3_bind_int64(cert_st, 8, issued - 60);
      sqlite3_bind_int64(cert_st, 9, issued + 24 * 3600);
      sqlite3_bind_int64(cert_st, 10, issued);
      CAIRN_RETURN_IF_ERROR(db.Step(cert_st, "insert certificate"));
      uint64_t prefix =
          token_stride * static_cast<uint64_t>(i) + (token_stride > 1 ? rng() % token_stride : 0);
      std::snprintf(token, sizeof token, "%016llx%016llx%016llx%016llx",
                    static_cast<unsigned long long>(prefix), static_cast<unsigned long long>(rng()),
                    static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng()));
      sqlite3_bind_text(token_st, 1, token, 64, SQLITE_STATIC);
      sqlite3_bind_int64(token_st, 2, issued);
      CAIRN_RETURN_IF_ERROR(db.Step(token_st, "insert token"));
    }
    CAIRN_RETURN_IF_ERROR(db.Exec("COMMIT"));
  }
  CAIRN_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  CAIRN_ASSIGN_OR_RETURN(*total_rows, db.QueryInt("SELECT COUNT(*) FROM x509_certs"));
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return Status();
}

}  // namespace

int RunSeed(const SeedFlags& f) {
  if (f.db.empty()) return Fail("--db is required");
  if (f.count < 1 || f.count > kMaxSeed) return Fail("--count must be within 1..100000000");
  if (f.batch < 1) return Fail("--batch must be positive");
  double seconds = 0;
  int64_t total = 0;
  if (Status s = Seed(f, &seconds, &total); !s.ok()) return Fail(s.message());
  struct stat st {};
  double size_mb = stat(f.db.c_str(), &st) == 0 ? static_cast<double>(st.st_size) / 1048576 : 0;
  double rate = seconds > 0 ? static_cast<double>(f.count) / seconds : 0;
  if (f.json) {
    nlohmann::json j = {{"inserted", f.count},
                        {"rows", total},
                        {"seconds", Round(seconds, 2)},
                        {"rows_per_s", Round(rate, 0)},
                        {"db_mb", Round(size_mb, 1)}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "seeded %lld certificates (+ their used tokens) in %.2f s (%.0f/s); %lld in "
        "x509_certs; %s is %.1f MB\n",
        static_cast<long long>(f.count), seconds, rate, static_cast<long long>(total), f.db.c_str(),
        size_mb);
  }
  return 0;
}

}  // namespace cairn::bench
