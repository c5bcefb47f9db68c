#pragma once

// Shared set-up of the micro-benchmarks: a CA laid out in a temporary $STEPPATH the way
// `step ca init` writes it (certs/, secrets/, config/ca.json, db/), with one JWK provisioner,
// plus the helpers every benchmark uses (step-style one-time tokens, a P-256 CSR, temporary
// directories, a holder for state shared by the threads of one benchmark run).
//
// Everything here runs outside the timed loops.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "base/log.h"
#include "base/result.h"
#include "config/config.h"
#include "crypto/key.h"
#include "jose/jwk.h"
#include "pki/certificate.h"
#include "store/sqlite_store.h"

namespace cairn::bench {

// TempDir is a fresh directory under the system temporary directory ($TMPDIR or /tmp), removed
// with everything in it when the object dies. Thread-compatible.
class TempDir {
 public:
  // Create makes the directory. Fails with kInternal when it cannot be created.
  static Result<std::unique_ptr<TempDir>> Create(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// MicroCa is a CA on disk: a P-256 root and intermediate (the intermediate key encrypted with
// `password`), ca.json with dnsNames ["ca.example.com"], a `db` block pointing at
// $STEPPATH/db (SQLite there), and one JWK provisioner "bench@example.com". It also holds an
// RSA-2048 intermediate (not in ca.json) for BM_CertificateBuildSign, and a subscriber P-256
// key with its CSR (CN and DNS SAN "svc.example.com"). Immutable after Create; thread-safe.
struct MicroCa {
  // Create builds the CA. Fails with the status of the first step that failed.
  static Result<std::unique_ptr<MicroCa>> Create();

  // Token returns a fresh step-style sign token for "svc.example.com" (iss = provisioner name,
  // aud = https://ca.example.com:9000/1.0/sign, sha = root fingerprint, sans, iat = nbf = now,
  // exp = now + 5m, a random 128-bit jti), signed ES256 by the provisioner key.
  Result<std::string> Token() const;
  // Tokens returns `n` distinct tokens.
  Result<std::vector<std::string>> Tokens(size_t n) const;
  // SignRequestBody returns the JSON body `step ca certificate` posts to /sign.
  std::string SignRequestBody(const std::string& token) const;

  std::unique_ptr<TempDir> home;  // $STEPPATH
  std::string password = "bench-password";
  std::string ca_json_path;
  config::CaConfig config;
  std::optional<crypto::PrivateKey> root_key, int_key, rsa_int_key, leaf_key;
  std::optional<pki::Certificate> root, intermediate, rsa_intermediate;
  std::string root_fingerprint;  // SHA-256, hex
  jose::Jwk provisioner_key;     // private
  std::string provisioner_name = "bench@example.com";
  std::string subject = "svc.example.com";
  std::string csr_pem;
};

// SharedCa returns the process-wide MicroCa, built on first use (thread-safe). On failure it
// returns the error every time.
Result<const MicroCa*> SharedCa();

// BenchLogger is a process-wide logger that drops everything.
Logger& BenchLogger();

// Ok reports whether `s` is OK; otherwise it calls state.SkipWithError with `what` and the
// status, and returns false. After a false return inside the timed loop, `break`.
bool Ok(benchmark::State& state, const Status& s, const char* what);

// TokenPool hands out distinct one-time tokens (or, with as_body, whole /sign request bodies
// carrying them). Fill() prepares as many as the run will take (state.max_iterations, capped at
// kMaxPrepared) before the timed loop; should a run need more, Next() makes another batch with
// the timers paused. Thread-compatible: one pool per thread.
class TokenPool {
 public:
  static constexpr size_t kMaxPrepared = 1 << 16;
  explicit TokenPool(const MicroCa& ca, bool as_body = false) : ca_(ca), as_body_(as_body) {}
  // Fill prepares the tokens of one benchmark run (per thread).
  Status Fill(const benchmark::State& state);
  // Next returns a token never returned before (the caller may move it away); nullptr (after
  // SkipWithError) if making one failed.
  std::string* Next(benchmark::State& state);

 private:
  Status Make(size_t n);
  const MicroCa& ca_;
  const bool as_body_;
  std::vector<std::string> tokens_;
  size_t next_ = 0;
};

// AuthorityRun is an Authority over SharedCa()'s ca.json, built as cairn-ca builds it, with its
// store: the SQLite store ca.json names, or an in-memory one.
struct AuthorityRun {
  std::unique_ptr<store::Store> store;
  store::SqliteStore* sqlite = nullptr;  // when the store is SQLite
  store::SqliteStats start;              // its counters when the run began
  std::shared_ptr<authority::Authority> authority;
  ~AuthorityRun();
};

// MakeAuthorityRun builds an AuthorityRun on SQLite (`sqlite`) or in memory.
Result<std::unique_ptr<AuthorityRun>> MakeAuthorityRun(bool sqlite);

// SharedPerRun holds an object shared by all the threads of one run of a threaded benchmark.
// Every thread calls Acquire before its timed loop and Release after it. Google Benchmark puts
// a barrier at the start and at the end of the loop, so all Acquires of a run happen before
// all its Releases; the first Acquire builds the object, the last Release destroys it.
template <typename T>
class SharedPerRun {
 public:
  // Acquire returns the object of this run, building it with `make` if needed; the error of
  // `make` is returned to every thread of the run.
  Result<T*> Acquire(const std::function<Result<std::unique_ptr<T>>()>& make) {
    std::lock_guard<std::mutex> lock(mu_);
    if (users_++ == 0) {
      auto made = make();
      if (made.ok()) {
        value_ = std::move(made).value();
        error_ = Status();
      } else {
        value_.reset();
        error_ = made.status();
      }
    }
    if (!value_) return error_.ok() ? InternalError("shared object was not built") : error_;
    return value_.get();
  }
  // Release drops this thread's use; the last one destroys the object.
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--users_ == 0) value_.reset();
  }

 private:
  std::mutex mu_;
  int users_ = 0;
  std::unique_ptr<T> value_;
  Status error_;
};

}  // namespace cairn::bench
