// SQLite-specific behaviour: group commit, durability across reopen, migrations, failures.

#include "store/sqlite_store.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "store/store_test_util.h"
#include "testing/fakes.h"

namespace cairn::store {
namespace {

using ::cairn::store::testing::MakeCert;
using ::cairn::store::testing::MakeRevocation;
using ::cairn::store::testing::TempDir;
using ::testing::HasSubstr;

// RawExec runs SQL on the file directly, as another tool would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

int64_t RawQueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// WaitForPending polls until `n` writes are queued (bounded, so a bug fails instead of hangs).
bool WaitForPending(SqliteStore& s, size_t n) {
  for (int i = 0; i < 10000; ++i) {
    if (s.PendingWritesForTest() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  std::unique_ptr<SqliteStore> Open() {
    auto s = OpenSqliteStore({.path = path_});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  TempDir dir_;
  std::string path_ = dir_.File("cairn.db");
};

TEST_F(SqliteStoreTest, GroupCommitPutsQueuedWritesInOneTransaction) {
  auto store = Open();
  ASSERT_TRUE(store);
  const SqliteStats before = store->stats();
  store->PauseWriterForTest();

  // 12 issuances with their own tokens, and 4 more that replay one of those tokens: all 16 land
  // in the same transaction, and each replay must fail alone.
  constexpr int kUnique = 12, kReplays = 4;
  std::vector<Status> results(kUnique + kReplays);
  std::vector<std::thread> threads;
  for (int i = 0; i < kUnique + kReplays; ++i) {
    threads.emplace_back([&, i] {
      std::string token = "jti-" + std::to_string(i % kUnique);
      results[i] = store->RecordCertificate(MakeCert(std::to_string(1000 + i)), token);
    });
  }
  ASSERT_TRUE(WaitForPending(*store, kUnique + kReplays));
  store->ResumeWriterForTest();
  for (auto& t : threads) t.join();

  const SqliteStats after = store->stats();
  EXPECT_EQ(after.commits - before.commits, 1u);
  EXPECT_EQ(after.writes - before.writes, 16u);
  EXPECT_GE(after.largest_batch, 16u);

  int ok = 0;
  for (int i = 0; i < kUnique + kReplays; ++i) {
    const std::string serial = std::to_string(1000 + i);
    auto got = store->GetCertificate(serial);
    ASSERT_TRUE(got.ok());
    if (results[i].ok()) {
      ++ok;
      EXPECT_TRUE(got->has_value()) << serial;
    } else {
      EXPECT_EQ(results[i].code(), StatusCode::kAlreadyExists) << results[i];
      EXPECT_FALSE(got->has_value()) << serial;
    }
  }
  EXPECT_EQ(ok, kUnique);
  // Of each pair sharing a token exactly one won.
  for (int i = 0; i < kReplays; ++i) EXPECT_NE(results[i].ok(), results[i + kUnique].ok()) << i;
}

TEST_F(SqliteStoreTest, AsynchronousRecordsCompleteAfterTheirCommit) {
  auto store = Open();
  ASSERT_TRUE(store);
  store->PauseWriterForTest();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Status> results(3);
  int done = 0;
  auto record = [&](int i, const std::string& serial, const std::string& token) {
    store->RecordCertificateAsync(MakeCert(serial), token, [&, i](Status s) {
      std::lock_guard<std::mutex> lock(mu);
      results[i] = std::move(s);
      ++done;
      cv.notify_all();
    });
  };
  record(0, "7001", "jti-a");
  record(1, "7002", "jti-a");  // a replay of the same token, in the same batch
  record(2, "7003", "jti-b");
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(done, 0);  // nothing completes before the commit
  }
  ASSERT_TRUE(WaitForPending(*store, 3));
  store->ResumeWriterForTest();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done == 3; }));
  }
  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_EQ(results[1].code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(results[2].ok()) << results[2];
  // Durable and visible once reported.
  EXPECT_TRUE(store->GetCertificate("7001")->has_value());
  EXPECT_FALSE(store->GetCertificate("7002")->has_value());
  ASSERT_TRUE(store->Close().ok());
  Status after_close;
  store->RecordCertificateAsync(MakeCert("7004"), "jti-c", [&](Status s) { after_close = s; });
  EXPECT_EQ(after_close.code(), StatusCode::kUnavailable);
}

TEST_F(SqliteStoreTest, CheckpointsMoveTheWalIntoTheDatabaseWhileOpen) {
  auto store = Open();
  ASSERT_TRUE(store);
  struct stat before {};
  ASSERT_EQ(stat(path_.c_str(), &before), 0);
  // Enough writes to pass the checkpointer's threshold several times over.
  constexpr int kWrites = 10000;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0, failed = 0;
  for (int i = 0; i < kWrites; ++i) {
    CertificateRecord cert = MakeCert(std::to_string(100000 + i));
    cert.der += std::string(2000, 'x');  // ~25 MB in all: thousands of WAL frames
    store->RecordCertificateAsync(std::move(cert), "ck-" + std::to_string(i), [&](Status s) {
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      if (!s.ok()) ++failed;
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return done == kWrites; }));
  }
  EXPECT_EQ(failed, 0);
  // The database file itself grows while the store is open: the WAL was checkpointed (a store
  // without checkpoints keeps everything in the -wal file until it closes).
  bool grew = false;
  for (int i = 0; i < 200 && !grew; ++i) {
    struct stat now {};
    ASSERT_EQ(stat(path_.c_str(), &now), 0);
    grew = now.st_size > before.st_size + (1 << 20);
    if (!grew) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(grew);
  EXPECT_TRUE(store->GetCertificate(std::to_string(100000 + kWrites - 1))->has_value());
}

TEST_F(SqliteStoreTest, ConcurrentIssuanceWithReplays) {
  auto store = Open();
  ASSERT_TRUE(store);
  constexpr int kThreads = 16, kPerThread = 200;
  std::atomic<int> failures{0}, replays_rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        const std::string token = "jti-" + std::to_string(t) + "-" + std::to_string(k);
        const std::string serial = std::to_string((t + 1) * 100000 + k);
        if (!store->RecordCertificate(MakeCert(serial), token).ok()) failures++;
        if (k % 20 == 0) {
          // A replay of the token just used, with another serial.
          Status s = store->RecordCertificate(
              MakeCert(std::to_string((t + 1) * 100000 + 50000 + k)), token);
          if (s.code() == StatusCode::kAlreadyExists) replays_rejected++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(replays_rejected.load(), kThreads * kPerThread / 20);

  // Every successful issuance is readable, and nothing else was stored.
  size_t count = 0;
  std::string cursor;
  for (;;) {
    auto page = store->ListCertificates(cursor, 1000);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& c : *page) {
      int64_t n = std::stoll(c.serial);
      EXPECT_LT(n % 100000, kPerThread) << "a replayed issuance was stored: " << c.serial;
    }
    count += page->size();
    if (page->size() < 1000) break;
    cursor = page->back().serial;
  }
  EXPECT_EQ(count, static_cast<size_t>(kThreads * kPerThread));

  const SqliteStats st = store->stats();
  RecordProperty("commits", std::to_string(st.commits));
  RecordProperty("largest_batch", std::to_string(st.largest_batch));
  EXPECT_EQ(st.writes, static_cast<uint64_t>(kThreads * kPerThread + kThreads * kPerThread / 20));
  // Group commit grouped: fewer transactions than writes.
  EXPECT_LT(st.commits, st.writes);
  EXPECT_EQ(st.failed_commits, 0u);
  CAIRN_EXPECT_OK(store->CheckIntegrity());
}

TEST_F(SqliteStoreTest, ReadsDoNotWaitBehindQueuedWrites) {
  auto store = Open();
  ASSERT_TRUE(store);
  CAIRN_ASSERT_OK(store->RecordCertificate(MakeCert("1"), "a"));
  store->PauseWriterForTest();
  Status queued;
  std::thread writer([&] { queued = store->RecordCertificate(MakeCert("2"), "b"); });
  ASSERT_TRUE(WaitForPending(*store, 1));
  auto got = store->GetCertificate("1");  // would deadlock if reads went through the writer
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
  EXPECT_FALSE(store->GetCertificate("2")->has_value());  // not committed yet
  store->ResumeWriterForTest();
  writer.join();
  CAIRN_EXPECT_OK(queued);
  EXPECT_TRUE(store->GetCertificate("2")->has_value());
}

TEST_F(SqliteStoreTest, EverythingSurvivesCloseAndReopen) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    CAIRN_ASSERT_OK(store->RecordCertificate(MakeCert("11"), "jti-11"));
    CAIRN_ASSERT_OK(store->Revoke(MakeRevocation("11"), "jti-rev"));
    CAIRN_ASSERT_OK(store->UseToken("jti-alone"));
    CAIRN_ASSERT_OK(store->Close());
  }
  auto store = Open();
  ASSERT_TRUE(store);
  auto cert = store->GetCertificate("11");
  ASSERT_TRUE(cert.ok() && cert->has_value());
  EXPECT_EQ(**cert, MakeCert("11"));
  auto rev = store->GetRevocation("11");
  ASSERT_TRUE(rev.ok() && rev->has_value());
  EXPECT_EQ(**rev, MakeRevocation("11"));
  for (const char* t : {"jti-11", "jti-rev", "jti-alone"}) {
    EXPECT_EQ(store->UseToken(t).code(), StatusCode::kAlreadyExists) << t;
  }
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileShareUniqueness) {
  // Uniqueness lives in the database, not in a process: a second store (as a second CA process
  // would) sees the first one's tokens and serials.
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  CAIRN_ASSERT_OK(a->UseToken("shared"));
  EXPECT_EQ(b->UseToken("shared").code(), StatusCode::kAlreadyExists);
  CAIRN_ASSERT_OK(b->RecordCertificate(MakeCert("5"), ""));
  EXPECT_EQ(a->RecordCertificate(MakeCert("5"), "").code(), StatusCode::kAlreadyExists);
}

TEST_F(SqliteStoreTest, SetsUpWalAndMigratesOnce) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    CAIRN_ASSERT_OK(store->UseToken("x"));
  }
  {
    auto store = Open();  // second open: nothing to migrate, data intact
    ASSERT_TRUE(store);
    EXPECT_EQ(store->UseToken("x").code(), StatusCode::kAlreadyExists);
  }
  EXPECT_EQ(RawQueryInt(path_, "SELECT COUNT(*) FROM schema_migrations"), kSqliteSchemaVersion);
  EXPECT_EQ(RawQueryInt(path_, "SELECT MAX(version) FROM schema_migrations"), kSqliteSchemaVersion);
  EXPECT_EQ(RawQueryInt(path_,
                        "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                        "('x509_certs', 'revoked_x509_certs', 'used_tokens', "
                        "'x509_certs_not_after', 'x509_certs_provisioner_name')"),
            5);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, CreatesAPrivateFile) {
  auto store = Open();
  ASSERT_TRUE(store);
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SqliteStoreTest, RefusesANewerSchema) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
  }
  RawExec(path_, "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)");
  auto s = OpenSqliteStore({.path = path_});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(s.status().message(), HasSubstr("newer"));
}

TEST_F(SqliteStoreTest, MissingDirectoryIsAClearError) {
  auto s = OpenSqliteStore({.path = dir_.File("no/such/dir/cairn.db")});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr("does not exist"));
  EXPECT_THAT(s.status().message(), HasSubstr(dir_.File("no/such/dir")));
}

TEST_F(SqliteStoreTest, ReadOnlyDirectoryIsAClearError) {
  const std::string ro = dir_.File("ro");
  ASSERT_EQ(::mkdir(ro.c_str(), 0500), 0);
  // Root ignores mode bits, but not the immutable attribute (ext4 and most local filesystems),
  // so as root the directory is made immutable instead.
  int fd = -1;
  if (::geteuid() == 0) {
    fd = ::open(ro.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    int flags = 0;
    ASSERT_EQ(::ioctl(fd, FS_IOC_GETFLAGS, &flags), 0) << std::strerror(errno);
    flags |= FS_IMMUTABLE_FL;
    ASSERT_EQ(::ioctl(fd, FS_IOC_SETFLAGS, &flags), 0)
        << "cannot make a directory immutable here: " << std::strerror(errno);
  }
  auto s = OpenSqliteStore({.path = ro + "/cairn.db"});
  if (fd >= 0) {
    int flags = 0;
    ::ioctl(fd, FS_IOC_GETFLAGS, &flags);
    flags &= ~FS_IMMUTABLE_FL;
    ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
    ::close(fd);
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.status().message(), HasSubstr("not writable"));
}

TEST_F(SqliteStoreTest, NotADatabaseIsAClearError) {
  {
    std::ofstream(path_) << "this is a badger value log, not sqlite, and it is long enough "
                            "to have a header that sqlite reads and rejects...............\n";
  }
  auto s = OpenSqliteStore({.path = path_});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition) << s.status();
  EXPECT_THAT(s.status().message(), HasSubstr("not an SQLite database"));
}

TEST_F(SqliteStoreTest, RejectsBadOptions) {
  EXPECT_EQ(OpenSqliteStore({.path = ""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore({.path = ":memory:"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore({.path = path_, .max_batch = 0}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, FullDiskFailsCleanly) {
  auto store = Open();
  ASSERT_TRUE(store);
  auto limit = store->SetMaxPageCountForTest(1);  // clamps to the current size
  ASSERT_TRUE(limit.ok()) << limit.status();
  ASSERT_GT(*limit, 0);

  Status full;
  std::string failed_serial, failed_token;
  for (int i = 1; i < 100000 && full.ok(); ++i) {
    CertificateRecord c = MakeCert(std::to_string(i));
    c.der.append(512, 'x');
    failed_serial = c.serial;
    failed_token = "jti-" + c.serial;
    full = store->RecordCertificate(c, failed_token);
  }
  ASSERT_FALSE(full.ok());
  // The machine's trouble, not the request's: kUnavailable (503), never kResourceExhausted
  // (which the API answers with 413 "request too large").
  EXPECT_EQ(full.code(), StatusCode::kUnavailable) << full;
  EXPECT_THAT(full.message(), HasSubstr("database or disk is full"));
  EXPECT_GE(store->stats().commits, 1u);

  // Nothing of the failed call was written, and the store keeps working once space is back.
  EXPECT_FALSE(store->GetCertificate(failed_serial)->has_value());
  ASSERT_TRUE(store->SetMaxPageCountForTest(1 << 30).ok());
  CAIRN_EXPECT_OK(store->UseToken(failed_token));
  CAIRN_EXPECT_OK(store->RecordCertificate(MakeCert(failed_serial), ""));
  CAIRN_EXPECT_OK(store->CheckIntegrity());
}

// The path POST /sign takes (RecordCertificateAsync) fails the same way on a full disk: the
// callback gets kUnavailable, nothing is written, the token is not consumed, and the same
// record with the same token goes through once there is room again.
TEST_F(SqliteStoreTest, FullDiskFailsCleanlyOnTheAsynchronousPath) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SetMaxPageCountForTest(1).ok());  // clamps to the current size
  auto record = [&](const CertificateRecord& c, const std::string& token) {
    std::promise<Status> done;
    auto result = done.get_future();
    store->RecordCertificateAsync(c, token, [&done](Status s) { done.set_value(std::move(s)); });
    EXPECT_EQ(result.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return result.get();
  };
  Status full;
  CertificateRecord failed;
  for (int i = 1; i < 100000 && full.ok(); ++i) {
    failed = MakeCert(std::to_string(i));
    failed.der.append(512, 'x');
    full = record(failed, "jti-" + failed.serial);
  }
  EXPECT_EQ(full.code(), StatusCode::kUnavailable) << full;
  EXPECT_THAT(full.message(), HasSubstr("database or disk is full"));
  EXPECT_FALSE(store->GetCertificate(failed.serial)->has_value());
  CAIRN_EXPECT_OK(store->CheckIntegrity());

  ASSERT_TRUE(store->SetMaxPageCountForTest(1 << 30).ok());
  CAIRN_EXPECT_OK(record(failed, "jti-" + failed.serial));
  EXPECT_TRUE(store->GetCertificate(failed.serial)->has_value());
  EXPECT_EQ(store->UseToken("jti-" + failed.serial).code(), StatusCode::kAlreadyExists);
}

// A process killed with SIGKILL loses nothing it acknowledged. A child records certificates
// from four threads (each with its own token) and reports each serial through a pipe once
// RecordCertificate returned OK; the parent kills it mid-stream, reopens the file, and finds
// every acknowledged record with its token consumed, no certificate without its token or token
// without its certificate, and a sound file.
TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveSigkill) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    // The child: no gtest macros here, only _exit.
    ::close(fds[0]);
    auto opened = OpenSqliteStore({.path = path_});
    if (!opened.ok()) ::_exit(2);
    SqliteStore& s = **opened;
    std::vector<std::thread> writers;
    for (int t = 1; t <= 4; ++t) {
      writers.emplace_back([&s, t, fd = fds[1]] {
        for (int i = 0;; ++i) {
          const std::string serial = std::to_string(t * 10000000 + i);
          if (!s.RecordCertificate(MakeCert(serial), "jti-" + serial).ok()) continue;
          const std::string line = serial + "\n";  // < PIPE_BUF: one atomic write
          if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            ::_exit(3);
          }
        }
      });
    }
    for (auto& w : writers) w.join();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string acked;
  auto lines = [&] { return std::count(acked.begin(), acked.end(), '\n'); };
  // Read acknowledgements until there are a few hundred (or 30 s passed), kill, then drain.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool killed = false;
  for (;;) {
    if (!killed && (lines() >= 300 || std::chrono::steady_clock::now() > deadline)) {
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      killed = true;
    }
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);  // EOF once the child is dead
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    acked.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "child status " << wstatus;
  ASSERT_GE(lines(), 300) << "the child acknowledged too few writes before the deadline";

  auto store = Open();
  ASSERT_TRUE(store);
  CAIRN_EXPECT_OK(store->CheckIntegrity());
  std::istringstream in(acked);
  int missing = 0, checked = 0;
  for (std::string serial; std::getline(in, serial);) {
    ++checked;
    auto got = store->GetCertificate(serial);
    ASSERT_TRUE(got.ok()) << got.status();
    if (!got->has_value()) ++missing;
    EXPECT_EQ(store->UseToken("jti-" + serial).code(), StatusCode::kAlreadyExists) << serial;
  }
  EXPECT_EQ(missing, 0) << "of " << checked << " acknowledged records";
  store.reset();
  // Token and certificate are one transaction: neither is ever stored without the other.
  EXPECT_EQ(RawQueryInt(path_,
                        "SELECT COUNT(*) FROM x509_certs WHERE 'jti-' || serial NOT IN "
                        "(SELECT id FROM used_tokens)"),
            0);
  EXPECT_EQ(RawQueryInt(path_,
                        "SELECT COUNT(*) FROM used_tokens WHERE substr(id, 5) NOT IN "
                        "(SELECT serial FROM x509_certs)"),
            0);
}

TEST_F(SqliteStoreTest, IntegrityCheckReportsDamage) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    for (int i = 1; i <= 30; ++i) {
      CAIRN_ASSERT_OK(store->RecordCertificate(MakeCert(std::to_string(i)), ""));
    }
  }
  // Drop the index entries behind SQLite's back: the table and its index now disagree.
  RawExec(path_,
          "PRAGMA writable_schema=ON;"
          "UPDATE sqlite_master SET sql = replace(sql, 'not_after)', 'issued_at)') "
          "WHERE name = 'x509_certs_not_after';");
  auto store = Open();
  ASSERT_TRUE(store);
  Status s = store->CheckIntegrity();
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s;
  EXPECT_THAT(s.message(), HasSubstr("integrity check"));
}

}  // namespace
}  // namespace cairn::store
