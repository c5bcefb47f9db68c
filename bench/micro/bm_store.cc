// BM_StoreCommit: the last step of POST /sign, Store::RecordCertificate (the certificate record
// and the token's jti in one transaction), each call returning only after its commit.
//   BM_StoreCommit_Sqlite  SqliteStore in a fresh temporary directory (a real file, WAL,
//                          synchronous=FULL as OpenSqliteStore configures it, default options);
//                          with N writer threads the writer groups their writes into one
//                          transaction and one fsync (counter writes_per_commit).
//   BM_StoreCommit_Memory  MemoryStore, for comparison.
// Threaded runs report real time: the time column is wall time per write over all threads (the
// inverse of throughput) and items_per_second is the total write rate.

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/file.h"
#include "bench/micro/micro_ca.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "store/memory_store.h"
#include "store/sqlite_store.h"

namespace cairn::bench {
namespace {

// Serials and token ids never repeat within the process.
std::atomic<uint64_t> g_next_serial{1'000'000'000'000ull};

// StoreRun is the store of one benchmark run, shared by its threads.
struct StoreRun {
  std::unique_ptr<TempDir> dir;  // SQLite only
  std::unique_ptr<store::Store> store;
  store::SqliteStore* sqlite = nullptr;
  store::SqliteStats start;
  store::CertificateRecord prototype;
  ~StoreRun() {
    if (store) store->Close().IgnoreError();
    store.reset();
  }
};

// Prototype returns a record like the one Authority::Sign writes, with a real leaf DER.
Result<store::CertificateRecord> Prototype(const MicroCa& ca) {
  const Time now = TruncateToSeconds(SystemClock::Default().Now());
  pki::CertificateTemplate t;
  t.subject.common_name = ca.subject;
  t.sans.dns = {ca.subject};
  t.serial_decimal = "12345678901234567890";
  t.not_before = now - std::chrono::minutes(1);
  t.not_after = now + std::chrono::hours(24);
  t.key_usage = pki::kDigitalSignature;
  t.ext_key_usage = {"serverAuth", "clientAuth"};
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate leaf,
                         pki::SignCertificate(t, ca.leaf_key->public_key(), &*ca.intermediate,
                                              crypto::KeySigner(*ca.int_key)));
  store::CertificateRecord rec;
  rec.der = leaf.der();
  rec.provisioner_id = ca.provisioner_name + ":" + ca.provisioner_key.kid();
  rec.provisioner_name = ca.provisioner_name;
  rec.provisioner_type = "JWK";
  rec.subject = leaf.subject_string();
  rec.sans = leaf.dns_names();
  rec.not_before = leaf.not_before();
  rec.not_after = leaf.not_after();
  rec.issued_at = now;
  return rec;
}

Result<std::unique_ptr<StoreRun>> MakeStoreRun(bool sqlite) {
  CAIRN_ASSIGN_OR_RETURN(const MicroCa* ca, SharedCa());
  auto run = std::make_unique<StoreRun>();
  CAIRN_ASSIGN_OR_RETURN(run->prototype, Prototype(*ca));
  if (!sqlite) {
    run->store = std::make_unique<store::MemoryStore>();
    return run;
  }
  CAIRN_ASSIGN_OR_RETURN(run->dir, TempDir::Create("store"));
  store::SqliteStoreOptions opts;
  opts.path = JoinPath(run->dir->path(), "cairn.db");
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteStore> s, store::OpenSqliteStore(opts));
  run->sqlite = s.get();
  run->start = s->stats();
  run->store = std::move(s);
  return run;
}

void StoreCommit(benchmark::State& state, bool sqlite, SharedPerRun<StoreRun>& shared) {
  auto run = shared.Acquire([sqlite] { return MakeStoreRun(sqlite); });
  if (!Ok(state, run.status(), "opening the store")) {
    shared.Release();
    return;
  }
  store::Store& st = *(*run)->store;
  store::CertificateRecord rec = (*run)->prototype;
  for (auto _ : state) {
    rec.serial = std::to_string(g_next_serial.fetch_add(1, std::memory_order_relaxed));
    const std::string token_id = "bench-jti-" + rec.serial;
    if (!Ok(state, st.RecordCertificate(rec, token_id), "RecordCertificate")) break;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0 && (*run)->sqlite != nullptr) {
    // The loop-end barrier has passed: every thread's writes have committed.
    const store::SqliteStats now = (*run)->sqlite->stats();
    const double commits = static_cast<double>(now.commits - (*run)->start.commits);
    const double writes = static_cast<double>(now.writes - (*run)->start.writes);
    state.counters["commits"] = commits;
    state.counters["writes_per_commit"] = commits > 0 ? writes / commits : 0;
  }
  shared.Release();
}

void BM_StoreCommit_Sqlite(benchmark::State& state) {
  static SharedPerRun<StoreRun> shared;
  StoreCommit(state, /*sqlite=*/true, shared);
}
BENCHMARK(BM_StoreCommit_Sqlite)->Threads(1)->Threads(4)->Threads(16)->Threads(64)->UseRealTime();

void BM_StoreCommit_Memory(benchmark::State& state) {
  static SharedPerRun<StoreRun> shared;
  StoreCommit(state, /*sqlite=*/false, shared);
}
BENCHMARK(BM_StoreCommit_Memory)->Threads(1)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace cairn::bench
