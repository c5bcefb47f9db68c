// cairn-bench crl: times Cairn's CRL generation (authority::CrlPublisher, the code cairn-ca runs
// at start, every renewPeriod and after a revocation) with N revoked certificates in a SQLite
// store, and reports wall time, CPU time and memory.
//
// How:
//  1. Seeding, in a forked child (so its memory does not count): the store is created through
//     store::OpenSqliteStore (Cairn's schema and migrations) and closed; then one plain SQLite
//     connection (journal_mode=OFF, synchronous=OFF) inserts N rows into revoked_x509_certs
//     with a prepared statement, --batch rows per transaction, and puts the file back in WAL
//     mode. Store::Revoke would take one durable commit per call (hours for 1,000,000); the
//     rows are what Revoke writes: distinct 39-digit serials in ascending order (like Cairn's
//     random 128-bit serials), reason codes unspecified / keyCompromise / superseded /
//     cessationOfOperation in turn, revocation times over the last 30 days, expiry 1 to 90 days
//     ahead (so none is dropped as expired), a provisioner id, no token, not mTLS, not ACME.
//  2. Generation, in this process: the store is opened through OpenSqliteStore, a throwaway
//     P-256 CA is made with pki::SignCertificate, and authority::CrlPublisher::Start runs the
//     first generation; then CrlPublisher::Generate runs --repeat more times. Each is timed:
//     wall (steady clock) and CPU (getrusage RUSAGE_SELF: every thread of the process).
//     RSS: VmRSS before the publisher starts, VmHWM (the peak) after the generations.
//  3. Check: the published DER CRL is parsed with OpenSSL, its entries counted and its
//     signature verified with the CA's key.
//  4. Where the time goes (after the peak was read): paging through every revocation with
//     Store::ListRevocations as the publisher does, and pki::SignCrl alone with the entries
//     of the generated CRL.

#include <openssl/x509.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "authority/crl_publisher.h"
#include "base/clock.h"
#include "base/log.h"
#include "commands.h"
#include "common.h"
#include "crypto/key.h"
#include "crypto/ossl_ptr.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "pki/crl.h"
#include "store/sqlite_store.h"

namespace cairn::bench {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr int64_t kMaxCount = 10'000'000;
constexpr int kMaxRepeat = 20;

int Fail(const std::string& message) {
  std::fprintf(stderr, "cairn-bench crl: %s\n", message.c_str());
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

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double RusageCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// SqliteError formats the connection's last error.
Status SqliteError(sqlite3* db, std::string_view what) {
  return InternalError("sqlite: " + std::string(what) + ": " +
                       (db != nullptr ? sqlite3_errmsg(db) : "cannot open"));
}

// SeedRevocations creates the store at `path` and inserts `count` revocations (see the top of
// the file). Runs in the forked child.
Status SeedRevocations(const std::string& path, int64_t count, int64_t batch) {
  {
    store::SqliteStoreOptions o;
    o.path = path;
    CAIRN_ASSIGN_OR_RETURN(auto s, store::OpenSqliteStore(o));
    CAIRN_RETURN_IF_ERROR(s->Close());
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Status s = SqliteError(db, "open");
    sqlite3_close(db);
    return s;
  }
  sqlite3_stmt* st = nullptr;
  auto done = [&](Status s) {
    sqlite3_finalize(st);
    sqlite3_close(db);
    return s;
  };
  for (const char* sql : {"PRAGMA journal_mode=DELETE", "PRAGMA journal_mode=OFF",
                          "PRAGMA synchronous=OFF", "PRAGMA cache_size=-262144"}) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return done(SqliteError(db, sql));
    }
  }
  const char* insert =
      "INSERT INTO revoked_x509_certs (serial, provisioner_id, reason_code, reason, revoked_at,"
      " expires_at, token_id, mtls, acme) VALUES (?1, ?2, ?3, '', ?4, ?5, '', 0, 0)";
  if (sqlite3_prepare_v2(db, insert, -1, &st, nullptr) != SQLITE_OK) {
    return done(SqliteError(db, "prepare"));
  }
  const std::string prov_id = "admin:Zq7Xp4c2bQ9mN1vR8sT0uW3yA6dF5gH4jK7lP2oI9eU";
  static constexpr int kReasons[] = {0, 1, 4, 5};
  // Serials: ascending, distinct, in [10^38, 2^127): 39 digits, 16 DER octets.
  u128 lo = 1;
  for (int i = 0; i < 38; ++i) lo *= 10;
  const u128 hi = (static_cast<u128>(1) << 127) - 1;
  const u128 stride = (hi - lo) / static_cast<u128>(count);
  const int64_t now = NowUnix();
  const int64_t span = 30 * 24 * 3600;
  for (int64_t i = 0; i < count;) {
    if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return done(SqliteError(db, "BEGIN"));
    }
    const int64_t end = std::min(count, i + batch);
    for (; i < end; ++i) {
      const std::string serial = U128ToDecimal(lo + stride * static_cast<u128>(i) + 7);
      const int64_t revoked_at = now - span + (span * i) / count;
      const int64_t expires_at = now + 24 * 3600 * (1 + i % 90);
      sqlite3_bind_text(st, 1, serial.data(), static_cast<int>(serial.size()), SQLITE_STATIC);
      sqlite3_bind_text(st, 2, prov_id.data(), static_cast<int>(prov_id.size()), SQLITE_STATIC);
      sqlite3_bind_int(st, 3, kReasons[i % 4]);
      sqlite3_bind_int64(st, 4, revoked_at);
      sqlite3_bind_int64(st, 5, expires_at);
      const int rc = sqlite3_step(st);
      sqlite3_reset(st);
      if (rc != SQLITE_DONE) return done(SqliteError(db, "insert revocation"));
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return done(SqliteError(db, "COMMIT"));
    }
  }
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return done(SqliteError(db, "journal_mode=WAL"));
  }
  return done(Status());
}

// CountingLogger keeps the publisher's errors (it logs one when the CRL is full).
class CountingLogger final : public Logger {
 public:
  void Log(LogLevel level, std::string_view message, const nlohmann::json& fields) override {
    if (level < LogLevel::kWarn) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (messages_.size() < 10) messages_.push_back(std::string(message) + " " + fields.dump());
  }
  std::vector<std::string> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> messages_;
};

// ThrowawayCa is a self-signed P-256 CA (keyUsage cRLSign) and its signer.
struct ThrowawayCa {
  pki::Certificate cert;
  std::unique_ptr<crypto::KeySigner> signer;
};

Result<ThrowawayCa> MakeCa() {
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate({}));
  pki::CertificateTemplate t;
  t.subject.common_name = "Bench CRL CA";
  t.subject.organization = {"Cairn Bench"};
  t.serial_decimal = "4242";
  const Time now = TruncateToSeconds(SystemClock().Now());
  t.not_before = now - std::chrono::hours(1);
  t.not_after = now + std::chrono::hours(24 * 365);
  t.key_usage = pki::kCertSign | pki::kCrlSign;
  t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = 0};
  auto signer = std::make_unique<crypto::KeySigner>(key);
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate cert,
                         pki::SignCertificate(t, key.public_key(), nullptr, *signer));
  return ThrowawayCa{std::move(cert), std::move(signer)};
}

// CrlCheck is what OpenSSL finds in the published CRL.
struct CrlCheck {
  int64_t entries = -1;
  bool signature_ok = false;
};

CrlCheck CheckCrl(const std::string& der, const pki::Certificate& ca) {
  CrlCheck c;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::UniquePtr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) return c;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  c.entries = revoked != nullptr ? sk_X509_REVOKED_num(revoked) : 0;
  const unsigned char* q = reinterpret_cast<const unsigned char*>(ca.der().data());
  ossl::UniquePtr<X509> x(d2i_X509(nullptr, &q, static_cast<long>(ca.der().size())));
  EVP_PKEY* key = x ? X509_get0_pubkey(x.get()) : nullptr;
  c.signature_ok = key != nullptr && X509_CRL_verify(crl.get(), key) == 1;
  return c;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Timed {
  double wall_s = 0;
  double cpu_s = 0;
};

int Run(const CrlFlags& f) {
  if (mkdir(f.dir.c_str(), 0700) != 0 && errno != EEXIST) return Fail("cannot create " + f.dir);
  const std::string path = f.dir + "/cairn.db";
  struct stat existing {};
  if (stat(path.c_str(), &existing) == 0) return Fail(path + " exists: give an empty --dir");

  // 1. Seed in a child process.
  std::fflush(nullptr);
  const double seed_t0 = SteadySeconds();
  const pid_t child = fork();
  if (child < 0) return Fail("fork failed");
  if (child == 0) {
    Status s = SeedRevocations(path, f.count, f.batch);
    if (!s.ok()) std::fprintf(stderr, "cairn-bench crl: seeding: %s\n", s.message().c_str());
    std::fflush(nullptr);
    _exit(s.ok() ? 0 : 1);
  }
  int wstatus = 0;
  if (waitpid(child, &wstatus, 0) != child || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Fail("seeding failed");
  }
  const double seed_s = SteadySeconds() - seed_t0;
  struct stat db_stat {};
  const double db_mb =
      stat(path.c_str(), &db_stat) == 0 ? static_cast<double>(db_stat.st_size) / 1048576 : 0;

  // 2. Generation.
  store::SqliteStoreOptions o;
  o.path = path;
  auto opened = store::OpenSqliteStore(o);
  if (!opened.ok()) return Fail("opening the store: " + opened.status().message());
  std::unique_ptr<store::Store> store = *std::move(opened);
  auto ca = MakeCa();
  if (!ca.ok()) return Fail("making the CA: " + ca.status().message());
  SystemClock clock;
  CountingLogger log;
  authority::CrlPublisher::Options options;
  options.config.enabled = true;
  options.full_url = "http://127.0.0.1/crl";
  const auto before = ReadProcMemory(getpid());
  const double baseline_rss_mb = before.ok() ? before->rss_mb : 0;

  std::vector<Timed> runs;
  double w0 = SteadySeconds(), c0 = RusageCpuSeconds();
  auto started = authority::CrlPublisher::Start(options, ca->cert, *ca->signer, *store, clock, log);
  if (!started.ok()) return Fail("CrlPublisher::Start: " + started.status().message());
  runs.push_back({SteadySeconds() - w0, RusageCpuSeconds() - c0});
  std::unique_ptr<authority::CrlPublisher> publisher = *std::move(started);
  for (int i = 0; i < f.repeat; ++i) {
    w0 = SteadySeconds();
    c0 = RusageCpuSeconds();
    if (Status s = publisher->Generate(); !s.ok()) return Fail("Generate: " + s.message());
    runs.push_back({SteadySeconds() - w0, RusageCpuSeconds() - c0});
  }
  const auto after = ReadProcMemory(getpid());
  const double peak_rss_mb = after.ok() ? after->hwm_mb : 0;
  auto crl = publisher->full();
  const CrlCheck check = CheckCrl(crl->der, ca->cert);
  publisher.reset();

  // 3. Where the time goes: the store's paging, then the signing alone.
  w0 = SteadySeconds();
  int64_t listed = 0;
  std::string cursor;
  for (;;) {
    auto page = store->ListRevocations(cursor, store::kMaxListLimit);
    if (!page.ok()) return Fail("ListRevocations: " + page.status().message());
    listed += static_cast<int64_t>(page->size());
    if (page->size() < static_cast<size_t>(store::kMaxListLimit)) break;
    cursor = page->back().serial;
  }
  const double list_s = SteadySeconds() - w0;
  double sign_s = -1;
  {
    std::vector<store::RevocationRecord> records;
    std::string c;
    while (records.size() < static_cast<size_t>(std::max<int64_t>(check.entries, 0))) {
      auto page = store->ListRevocations(c, store::kMaxListLimit);
      if (!page.ok() || page->empty()) break;
      for (auto& r : *page) records.push_back(std::move(r));
      c = records.back().serial;
    }
    records.resize(
        std::min(records.size(), static_cast<size_t>(std::max<int64_t>(check.entries, 0))));
    pki::CrlTemplate tmpl;
    tmpl.number_decimal = "999999";
    tmpl.this_update = TruncateToSeconds(clock.Now());
    tmpl.next_update = tmpl.this_update + std::chrono::hours(24);
    tmpl.idp_uri = options.full_url;
    tmpl.entries.reserve(records.size());
    for (const auto& r : records) {
      tmpl.entries.push_back(
          {r.serial, r.revoked_at, r.reason_code == 0 ? pki::kCrlReasonNone : r.reason_code});
    }
    records.clear();
    records.shrink_to_fit();
    w0 = SteadySeconds();
    auto der = pki::SignCrl(tmpl, ca->cert, *ca->signer);
    if (der.ok()) sign_s = SteadySeconds() - w0;
  }
  (void)store->Close();

  std::vector<double> walls, cpus;
  for (size_t i = 1; i < runs.size(); ++i) {
    walls.push_back(runs[i].wall_s);
    cpus.push_back(runs[i].cpu_s);
  }
  if (walls.empty()) {
    walls.push_back(runs[0].wall_s);
    cpus.push_back(runs[0].cpu_s);
  }
  const std::vector<std::string> messages = log.messages();
  const bool capped = check.entries >= 0 && check.entries < f.count;
  nlohmann::json j = {
      {"revoked", f.count},
      {"seed", "direct SQLite inserts into revoked_x509_certs (schema from OpenSqliteStore)"},
      {"seed_s", Round(seed_s, 2)},
      {"db_mb", Round(db_mb, 1)},
      {"first_generate_s", Round(runs[0].wall_s, 3)},
      {"first_generate_cpu_s", Round(runs[0].cpu_s, 3)},
      {"generate_s", Round(Median(walls), 3)},
      {"generate_cpu_s", Round(Median(cpus), 3)},
      {"generate_runs_s",
       [&] {
         nlohmann::json a = nlohmann::json::array();
         for (const auto& r : runs) a.push_back(Round(r.wall_s, 3));
         return a;
       }()},
      {"baseline_rss_mb", Round(baseline_rss_mb, 1)},
      {"peak_rss_mb", Round(peak_rss_mb, 1)},
      {"crl_entries", check.entries},
      {"crl_signature_ok", check.signature_ok},
      {"crl_der_mb", Round(static_cast<double>(crl->der.size()) / 1048576, 2)},
      {"crl_number", crl->number},
      {"max_crl_entries", pki::kMaxSignedCrlEntries},
      {"capped", capped},
      {"publisher_messages", messages},
      {"list_all_s", Round(list_s, 3)},
      {"listed", listed},
      {"sign_only_s", Round(sign_s, 3)},
  };
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "%lld revocations seeded in %.1f s (%.0f MB)\n"
        "CRL generation: first %.2f s, median of %d more %.2f s wall / %.2f s CPU; "
        "RSS %.0f MB before, peak %.0f MB\n"
        "published CRL: %lld entries, %.1f MB, signature %s%s\n"
        "pieces: ListRevocations over all %lld rows %.2f s; pki::SignCrl alone %.2f s\n",
        static_cast<long long>(f.count), seed_s, db_mb, runs[0].wall_s, f.repeat, Median(walls),
        Median(cpus), baseline_rss_mb, peak_rss_mb, static_cast<long long>(check.entries),
        static_cast<double>(crl->der.size()) / 1048576, check.signature_ok ? "ok" : "BAD",
        capped ? " (NOT every revocation is listed)" : "", static_cast<long long>(listed), list_s,
        sign_s);
    for (const auto& m : messages) std::printf("publisher: %s\n", m.c_str());
  }
  return check.entries > 0 && check.signature_ok ? 0 : 1;
}

}  // namespace

int RunCrl(const CrlFlags& f) {
  if (f.dir.empty()) return Fail("--dir is required");
  if (f.count < 1 || f.count > kMaxCount) return Fail("--count must be within 1..10000000");
  if (f.batch < 1) return Fail("--batch must be positive");
  if (f.repeat < 0 || f.repeat > kMaxRepeat) return Fail("--repeat must be within 0..20");
  return Run(f);
}

}  // namespace cairn::bench
