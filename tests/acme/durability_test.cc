// Tests of acme::AcmeServer over a real SqliteStore (a file in a temporary directory): a restart
// of the CA loses nothing (accounts, orders, a validation in progress, the nonce key, used
// nonces), and many clients ordering at once all get their certificates through the store's
// group commit.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "acme/acme_test_util.h"
#include "acme/objects.h"
#include "acme/problem.h"
#include "acme/server.h"
#include "base/encoding.h"
#include "pki/certificate.h"
#include "store/sqlite_store.h"
#include "testing/fakes.h"

namespace cairn::acme {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using testutil::BodyJson;
using testutil::Client;
using testutil::CsrDer;
using testutil::Describe;
using testutil::HeaderOf;
using testutil::Ident;
using testutil::IssuedCert;
using testutil::LastSegment;
using testutil::LastSegments;

// SqliteAcmeTest runs the harness over a SqliteStore at <temporary dir>/cairn.db.
class SqliteAcmeTest : public testutil::AcmeTestBase {
 protected:
  static json Provisioners() { return json::array({{{"type", "ACME"}, {"name", "acme"}}}); }

  void TearDown() override {
    testutil::AcmeTestBase::TearDown();  // the server and the authority first
    CloseStore();
  }

  void OpenStore() {
    store::SqliteStoreOptions opts;
    opts.path = Path("cairn.db");
    opts.clock = &clock_;
    auto s = store::OpenSqliteStore(opts);
    ASSERT_TRUE(s.ok()) << s.status();
    sqlite_ = std::move(s).value();
    UseStore(sqlite_.get());
  }

  void CloseStore() {
    UseStore(nullptr);
    if (sqlite_ != nullptr) {
      EXPECT_TRUE(sqlite_->Close().ok());
      sqlite_.reset();
    }
  }

  std::unique_ptr<store::SqliteStore> sqlite_;
};

// ---- A restart in the middle of an order.

class RestartTest : public SqliteAcmeTest {
 protected:
  void SetUp() override {
    MakePki();
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    ASSERT_NO_FATAL_FAILURE(CreateAuthority(Provisioners()));
    // Nothing listens on the http-01 port yet. Up to 5 attempts, the first retry 1 s (of the
    // fake clock) after a failure: it never comes due before the "crash".
    http01_port_ = testutil::ClosedPort();
    ASSERT_NE(http01_port_, 0);
    options_.validation.http01_port = http01_port_;
    options_.validation.timeout = seconds(2);
    options_.validation_attempts = 5;
    options_.retry_delay = seconds(1);
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }

  // Restart destroys the server and the authority, closes the database, and builds them all
  // again from the file, as a CA process that died and was started again.
  void Restart() {
    server_.reset();
    authority_.reset();
    CloseStore();
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    ASSERT_NO_FATAL_FAILURE(CreateAuthority(Provisioners()));
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }

  // PollChallenge polls (POST-as-GET) until `done` holds for the challenge, for at most ~5 s.
  template <typename Done>
  json PollChallenge(Client& c, const std::vector<std::string>& ch_ids, Done done) {
    json ch;
    for (int i = 0; i < 500; ++i) {
      ch = GetJson(c, Endpoint::kChallenge, ch_ids);
      if (done(ch)) break;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return ch;
  }

  int http01_port_ = 0;
};

TEST_F(RestartTest, ValidationOrderAndNoncesSurviveARestart) {
  Client c = NewAccount();
  ASSERT_FALSE(c.account_id.empty());
  const std::string order_id = CreateOrder(c, json::array({Ident("ip", "127.0.0.1")}));
  ASSERT_FALSE(order_id.empty());
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  const std::string authz_id = LastSegment(order["authorizations"][0]);
  json authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  Publish(c, authz, "http-01");  // served once the responder runs
  const auto ch_ids = LastSegments(FindChallenge(authz, "http-01")["url"].get<std::string>(), 2);
  ASSERT_EQ(ch_ids.size(), 2u);

  // Answer while nothing listens: the first attempt is refused, the challenge stays
  // processing (with the error) and waits for its retry.
  AcmeResponse posted = Post(c, Endpoint::kChallenge, ch_ids, json::object());
  ASSERT_EQ(posted.status, 200) << Describe(posted);
  EXPECT_EQ(BodyJson(posted)["status"], "processing");
  json ch = PollChallenge(c, ch_ids, [](const json& j) { return j.contains("error"); });
  ASSERT_EQ(ch["status"], "processing") << ch.dump();
  EXPECT_EQ(ch["error"]["type"], std::string(kProblemPrefix) + "connection") << ch.dump();

  // Nonces handed out before the restart: one never used, one used.
  const std::string unused_nonce = FreshNonce();
  const std::string used_nonce = FreshNonce();
  {
    Client user = c;
    user.nonce = used_nonce;
    ASSERT_EQ(Post(user, Endpoint::kAccount, {c.account_id}, std::nullopt).status, 200);
  }

  ASSERT_NO_FATAL_FAILURE(Restart());
  c.nonce.clear();

  // The nonce key survived: the unused nonce works, once; the used one stays used.
  {
    Client user = c;
    user.nonce = unused_nonce;
    AcmeResponse r = Post(user, Endpoint::kAccount, {c.account_id}, std::nullopt);
    EXPECT_EQ(r.status, 200) << Describe(r);
    EXPECT_EQ(BodyJson(r)["status"], "valid");
    user.nonce = unused_nonce;
    EXPECT_PROBLEM(Post(user, Endpoint::kAccount, {c.account_id}, std::nullopt), 400, "badNonce");
    user.nonce = used_nonce;
    EXPECT_PROBLEM(Post(user, Endpoint::kAccount, {c.account_id}, std::nullopt), 400, "badNonce");
  }

  // The order and the challenge are as they were; the challenge's lease has not run out, so
  // nothing validates yet.
  EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "pending");
  ch = GetJson(c, Endpoint::kChallenge, ch_ids);
  EXPECT_EQ(ch["status"], "processing") << ch.dump();
  EXPECT_TRUE(ch.contains("error")) << ch.dump();

  // The responder comes up; once the lease of the lost worker ran out, polling the
  // authorization resumes the validation.
  ASSERT_TRUE(http01_.Start(http01_port_).ok());
  clock_.Advance(minutes(1));
  json az;
  for (int i = 0; i < 500; ++i) {
    az = GetJson(c, Endpoint::kAuthz, {authz_id});
    if (az["status"] != "pending") break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(az["status"], "valid") << az.dump();
  EXPECT_GE(http01_.requests(), 1);
  ch = FindChallenge(az, "http-01");
  EXPECT_EQ(ch["status"], "valid") << ch.dump();
  EXPECT_FALSE(ch.contains("error")) << ch.dump();
  EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "ready");

  // Finalize and download.
  AcmeResponse fin = Post(c, Endpoint::kFinalize, {order_id},
                          json{{"csr", Base64UrlEncode(CsrDer("", {.ips = {"127.0.0.1"}}))}});
  ASSERT_EQ(fin.status, 200) << Describe(fin);
  EXPECT_EQ(BodyJson(fin)["status"], "valid");
  AcmeResponse cert = Post(c, Endpoint::kCertificate, {order_id}, std::nullopt);
  ASSERT_EQ(cert.status, 200) << Describe(cert);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto chain, pki::Certificate::ParsePemBundle(cert.body));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_THAT(chain[0].ip_addresses(), ElementsAre("127.0.0.1"));
  EXPECT_TRUE(chain[0].IsIssuedBy(chain[1]));

  // Everything is in the file: one more restart, and the order and its certificate are there.
  ASSERT_NO_FATAL_FAILURE(Restart());
  c.nonce.clear();
  order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_EQ(order["status"], "valid");
  AcmeResponse again = Post(c, Endpoint::kCertificate, {order_id}, std::nullopt);
  ASSERT_EQ(again.status, 200) << Describe(again);
  EXPECT_EQ(again.body, cert.body);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto rec, store().GetCertificate(chain[0].serial_decimal()));
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->acme_account_id, c.account_id);
}

// ---- A full disk.

class FullDiskTest : public SqliteAcmeTest {
 protected:
  void SetUp() override {
    MakePki();
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    ASSERT_NO_FATAL_FAILURE(CreateAuthority(Provisioners()));
    ASSERT_NO_FATAL_FAILURE(StartResponders());
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }
};

// A store that cannot write is the server's trouble: 503 serverInternal with a generic detail,
// not a rateLimited the client did not earn, and not the database's own words.
TEST_F(FullDiskTest, IsAServerErrorNotARateLimit) {
  Client c = NewAccount();
  ASSERT_FALSE(c.account_id.empty());
  CAIRN_ASSERT_OK_AND_ASSIGN(int64_t pages, sqlite_->SetMaxPageCountForTest(1));
  AcmeResponse failed;
  int created = 0;
  for (int i = 0; i < 500; ++i) {
    failed = Post(c, Endpoint::kNewOrder, {},
                  json{{"identifiers",
                        json::array({Ident("dns", "n" + std::to_string(i) + ".example.test")})}});
    if (failed.status != 201) break;
    ++created;
  }
  EXPECT_PROBLEM(failed, 503, "serverInternal");
  EXPECT_EQ(HeaderOf(failed, "Retry-After"), "");
  const std::string detail = BodyJson(failed)["detail"].get<std::string>();
  EXPECT_EQ(detail.find("sqlite"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("disk"), std::string::npos) << detail;

  // Room again: the client goes on, and nothing of the failed request was kept.
  CAIRN_ASSERT_OK(sqlite_->SetMaxPageCountForTest(pages + 100000));
  c.nonce.clear();
  EXPECT_FALSE(CreateOrder(c, json::array({Ident("dns", "after.example.test")})).empty());
  EXPECT_EQ(OrderCount(c), static_cast<size_t>(created) + 1);
}

// ---- Many clients at once.

class ConcurrentSqliteTest : public SqliteAcmeTest {
 protected:
  void SetUp() override {
    MakePki();
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    ASSERT_NO_FATAL_FAILURE(CreateAuthority(Provisioners()));
    ASSERT_NO_FATAL_FAILURE(StartResponders());
    ASSERT_NO_FATAL_FAILURE(StartServer());
    // Many validations share the workers: poll patiently (at most ~15 s each).
    answer_poll_interval_ = milliseconds(50);
    answer_max_polls_ = 300;
  }
};

// The issue's acceptance test: 200 concurrent orders from as many accounts complete without a
// store error. Every client is its own thread and they all start together; each registers,
// orders a name of its own, answers http-01, finalizes and downloads.
TEST_F(ConcurrentSqliteTest, TwoHundredAccountsOrderAtOnce) {
  constexpr int kClients = 200;
  for (int i = 0; i < kClients; ++i) {
    dns_->AddA("host" + std::to_string(i) + ".example.test", "127.0.0.1");
  }
  std::vector<IssuedCert> results(kClients);
  std::vector<std::string> accounts(kClients);
  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;
  bool go = false;
  std::vector<std::thread> threads;
  threads.reserve(kClients);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client c = NewKeyClient();  // key generation before the start line
      {
        std::unique_lock<std::mutex> lock(mu);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return go; });
      }
      Register(c);
      accounts[i] = c.account_id;
      if (c.account_id.empty()) return;
      results[i] = Issue(
          c, json::array({Ident("dns", "host" + std::to_string(i) + ".example.test")}), "http-01");
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ready == kClients; });
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;

  std::set<std::string> serials, account_ids;
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(results[i].chain.size(), 2u);
    const pki::Certificate& leaf = results[i].chain[0];
    EXPECT_THAT(leaf.dns_names(), ElementsAre("host" + std::to_string(i) + ".example.test"));
    serials.insert(leaf.serial_decimal());
    account_ids.insert(accounts[i]);
    CAIRN_ASSERT_OK_AND_ASSIGN(auto rec, store().GetCertificate(leaf.serial_decimal()));
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->acme_account_id, accounts[i]);
    EXPECT_EQ(rec->der, leaf.der());
    CAIRN_ASSERT_OK_AND_ASSIGN(auto order_rec, store().GetAcmeOrder(results[i].order_id));
    ASSERT_TRUE(order_rec.has_value());
    CAIRN_ASSERT_OK_AND_ASSIGN(Order order, Order::FromRecord(*order_rec));
    EXPECT_EQ(order.status, "valid");
    EXPECT_EQ(order.certificate_serial, leaf.serial_decimal());
    EXPECT_EQ(order.account_id, accounts[i]);
  }
  EXPECT_EQ(serials.size(), static_cast<size_t>(kClients));
  EXPECT_EQ(account_ids.size(), static_cast<size_t>(kClients));
  EXPECT_EQ(CertificateCount(), static_cast<size_t>(kClients));
  EXPECT_TRUE(store().CheckIntegrity().ok());

  const store::SqliteStats stats = sqlite_->stats();
  EXPECT_EQ(stats.failed_commits, 0u);
  // For the record (not asserted: timing depends on the machine).
  std::printf("%d clients: %.1f s; %llu writes in %llu commits (largest batch %llu)\n", kClients,
              std::chrono::duration<double>(elapsed).count(),
              static_cast<unsigned long long>(stats.writes),
              static_cast<unsigned long long>(stats.commits),
              static_cast<unsigned long long>(stats.largest_batch));
}

}  // namespace
}  // namespace cairn::acme
