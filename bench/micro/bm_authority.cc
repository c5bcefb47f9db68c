// The whole of POST /sign in process, over the CA of micro_ca.h (ca.json loaded from its
// temporary $STEPPATH, Authority::Create as cairn-ca does it):
//   BM_AuthoritySign_Memory  Authority::Sign on a MemoryStore
//   BM_AuthoritySign_Sqlite  Authority::Sign on the store ca.json's `db` block opens
//                            (authority::OpenStoreFor: SQLite in $STEPPATH/db), with 1..16
//                            concurrent callers (real time; group commit shows in
//                            writes_per_commit)
//   BM_ApiSignHandler        the real /1.0/sign handler (api::RegisterCaRoutes on an
//                            http::Router, no socket): JSON body in, JSON response out, around
//                            Authority::Sign on a MemoryStore
// Each iteration consumes one fresh one-time token (a jti is single-use at the store): tokens
// are made before the timed loop (see TokenPool).

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "api/ca_api.h"
#include "authority/authority.h"
#include "authority/open_store.h"
#include "base/clock.h"
#include "bench/micro/micro_ca.h"
#include "crypto/random.h"
#include "http/router.h"
#include "store/memory_store.h"
#include "store/sqlite_store.h"

namespace cairn::bench {
namespace {

void AuthoritySign(benchmark::State& state, bool sqlite, SharedPerRun<AuthorityRun>& shared) {
  auto ca = SharedCa();
  if (!Ok(state, ca.status(), "building the CA")) return;
  TokenPool tokens(**ca);
  // Every thread makes its tokens before it takes its share of the run.
  if (!Ok(state, tokens.Fill(state), "making tokens")) return;
  auto run = shared.Acquire([sqlite] { return MakeAuthorityRun(sqlite); });
  if (!Ok(state, run.status(), "creating the authority")) {
    shared.Release();
    return;
  }
  authority::Authority& a = *(*run)->authority;
  authority::SignRequest request{.csr_pem = (*ca)->csr_pem};
  for (auto _ : state) {
    std::string* token = tokens.Next(state);
    if (token == nullptr) break;
    request.ott = std::move(*token);
    auto issued = a.Sign(request);
    if (!Ok(state, issued.status(), "Authority::Sign")) break;
    benchmark::DoNotOptimize(issued->leaf.der().data());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0 && (*run)->sqlite != nullptr) {
    const store::SqliteStats now = (*run)->sqlite->stats();
    const double commits = static_cast<double>(now.commits - (*run)->start.commits);
    const double writes = static_cast<double>(now.writes - (*run)->start.writes);
    state.counters["writes_per_commit"] = commits > 0 ? writes / commits : 0;
  }
  shared.Release();
}

void BM_AuthoritySign_Memory(benchmark::State& state) {
  static SharedPerRun<AuthorityRun> shared;
  AuthoritySign(state, /*sqlite=*/false, shared);
}
BENCHMARK(BM_AuthoritySign_Memory);

void BM_AuthoritySign_Sqlite(benchmark::State& state) {
  static SharedPerRun<AuthorityRun> shared;
  AuthoritySign(state, /*sqlite=*/true, shared);
}
BENCHMARK(BM_AuthoritySign_Sqlite)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();

void BM_ApiSignHandler(benchmark::State& state) {
  auto ca = SharedCa();
  if (!Ok(state, ca.status(), "building the CA")) return;
  TokenPool bodies(**ca, /*as_body=*/true);
  if (!Ok(state, bodies.Fill(state), "making request bodies")) return;
  auto run = MakeAuthorityRun(/*sqlite=*/false);
  if (!Ok(state, run.status(), "creating the authority")) return;
  std::shared_ptr<authority::Authority> a = (*run)->authority;
  http::Router router;
  api::RegisterCaRoutes(router, [a] { return a; });
  for (auto _ : state) {
    std::string* body = bodies.Next(state);
    if (body == nullptr) break;
    http::Request request;
    request.method = "POST";
    request.target = "/1.0/sign";
    request.path = "/1.0/sign";
    request.body = std::move(*body);
    http::Response response;
    router.Serve(request, response);
    if (response.status != 201) {
      state.SkipWithError(
          ("POST /1.0/sign: " + std::to_string(response.status) + " " + response.body).c_str());
      break;
    }
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApiSignHandler);

}  // namespace
}  // namespace cairn::bench
