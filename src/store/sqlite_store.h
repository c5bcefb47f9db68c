#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "store/store.h"

namespace cairn::store {

// kSqliteSchemaVersion is the newest schema this binary knows. OpenSqliteStore migrates older
// databases up to it and refuses newer ones.
inline constexpr int kSqliteSchemaVersion = 6;

// SqliteStoreOptions configures OpenSqliteStore.
struct SqliteStoreOptions {
  // path is the database file, e.g. $STEPPATH/db/cairn.db. Its directory must exist and be
  // writable (`step ca init` / `cairn ca init` create db/); the file is created (mode 0600) if
  // missing, next to its -wal and -shm companions. The directory is never created here: a
  // missing one most often means a volume that did not mount, and a fresh, empty database
  // would forget every revocation and used token (step-ca's badger engine creates it, its
  // bbolt engine refuses, as this store does).
  std::string path;
  // busy_timeout is how long a connection waits for a lock held by another process before a
  // write fails with kUnavailable.
  Duration busy_timeout = std::chrono::seconds(5);
  // max_batch caps how many queued writes share one transaction (and one fsync).
  int max_batch = 256;
  // max_batch_delay is how long the writer waits for more work before committing a batch that
  // is not full. 0 (the default) does not wait: a batch is whatever queued while the previous
  // commit ran, so a lone request never pays extra latency.
  Duration max_batch_delay = Duration::zero();
  // max_readers caps the read-only connections (reads beyond it wait for a free one).
  int max_readers = 8;
  // clock stamps used tokens (used_at); nullptr means the system clock. Not owned; must
  // outlive the store.
  const Clock* clock = nullptr;
  // metrics, when set, observes every commit. Not owned; must outlive the store.
  const StoreMetrics* metrics = nullptr;
};

// SqliteStats counts the writer's work since the store was opened.
struct SqliteStats {
  // commits is the number of transactions committed (each one fsync of the WAL).
  uint64_t commits = 0;
  // writes is the number of write calls that ran inside a committed transaction (whether the
  // call itself succeeded or was rejected, e.g. a replayed token). writes / commits is the
  // average group size.
  uint64_t writes = 0;
  // failed_commits counts transactions that could not begin or commit (I/O error, full disk).
  uint64_t failed_commits = 0;
  // largest_batch is the most writes one transaction carried.
  uint64_t largest_batch = 0;
};

// SqliteStore is the embedded Store: one SQLite file in WAL mode with synchronous=FULL, so a
// write that returned OK survives a crash or power loss.
//
// Writes go through one writer thread that owns the only read-write connection. A caller's
// write is queued and the caller blocks until the transaction holding it has committed. The
// writer takes every queued write (up to max_batch), opens one transaction (BEGIN IMMEDIATE),
// runs each write inside its own SAVEPOINT — a write that fails (a replayed token, a duplicate
// serial) is rolled back alone and gets its own error, the others are unaffected — and
// commits once: many requests, one fsync (group commit). Reads use separate read-only
// connections and never wait behind the writer (WAL readers see the last commit).
//
// Errors: a full disk, lack of memory, I/O errors, a read-only file system and lock timeouts
// are kUnavailable (the message names the cause, e.g. "database or disk is full"); in every
// failure nothing of the failed call is written, and the store goes on working once the cause
// is gone (space freed), without being reopened. Thread-safe.
class SqliteStore : public Store {
 public:
  // stats returns a snapshot of the writer's counters. Thread-safe.
  virtual SqliteStats stats() const = 0;

  // PauseWriterForTest stops the writer from starting new transactions; queued writes wait.
  // ResumeWriterForTest lets it continue. PendingWritesForTest is the queue length. Tests use
  // them to build a batch of known content. Close() resumes a paused writer.
  virtual void PauseWriterForTest() = 0;
  virtual void ResumeWriterForTest() = 0;
  virtual size_t PendingWritesForTest() const = 0;

  // SetMaxPageCountForTest limits the database size (PRAGMA max_page_count on the write
  // connection) so tests can reproduce a full disk. Returns the limit in effect.
  virtual Result<int64_t> SetMaxPageCountForTest(int64_t pages) = 0;
};

// OpenSqliteStore opens (creating if needed) the database at `options.path`, applies pending
// schema migrations in one transaction each, and starts the writer. Failures:
//   kInvalidArgument    empty path or bad options;
//   kFailedPrecondition the directory is missing or not a directory, the file is not an
//                       SQLite database, or its schema is newer than kSqliteSchemaVersion;
//   kPermissionDenied   the directory or file is not writable;
//   kUnavailable        the database is locked by another process beyond busy_timeout, I/O
//                       failed, or the disk is full.
// The returned store converts to std::unique_ptr<Store>.
Result<std::unique_ptr<SqliteStore>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace cairn::store
