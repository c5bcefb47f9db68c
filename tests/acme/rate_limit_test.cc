// Tests of the ACME rate limits: the token buckets of acme::RateLimiter alone, the
// provisioner's "rateLimits" configuration, and the limits as clients meet them through
// AcmeServer::Handle (429 rateLimited with Retry-After).

#include "acme/rate_limit.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "acme/acme_test_util.h"
#include "acme/problem.h"
#include "acme/server.h"
#include "base/log.h"
#include "config/config.h"
#include "provisioner/acme/acme_provisioner.h"
#include "provisioner/collection.h"
#include "testing/fakes.h"

namespace cairn::acme {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;
using testutil::BodyJson;
using testutil::Client;
using testutil::Describe;
using testutil::HeaderOf;
using testutil::Ident;

// ---- RateLimiter.

RateLimit Limit(int limit, Duration window) { return RateLimit{limit, window}; }

class RateLimiterTest : public ::testing::Test {
 protected:
  // Allow asks the limiter at the fake clock's time.
  bool Allow(const std::string& key, const RateLimit& limit, Duration* retry_after = nullptr) {
    return limiter_.Allow(key, limit, clock_.Now(), retry_after);
  }
  // Drain takes every token of `key` and returns how many were granted (at most 1000 asks).
  int Drain(const std::string& key, const RateLimit& limit) {
    int granted = 0;
    while (granted < 1000 && Allow(key, limit)) ++granted;
    return granted;
  }

  testing::FakeClock clock_;
  RateLimiter limiter_;
};

TEST_F(RateLimiterTest, BurstUpToTheLimitThenRefuses) {
  const RateLimit five_a_minute = Limit(5, minutes(1));
  for (int i = 0; i < 5; ++i) {
    Duration retry_after = seconds(-1);
    EXPECT_TRUE(Allow("k", five_a_minute, &retry_after)) << i;
  }
  Duration retry_after{};
  EXPECT_FALSE(Allow("k", five_a_minute, &retry_after));
  // One token comes back every 60 s / 5.
  EXPECT_EQ(retry_after, seconds(12));
  // Refusals take nothing: still refused, still 12 s.
  EXPECT_FALSE(Allow("k", five_a_minute, &retry_after));
  EXPECT_EQ(retry_after, seconds(12));
}

TEST_F(RateLimiterTest, RefillsOverTheWindowUpToTheLimit) {
  const RateLimit four_per_8s = Limit(4, seconds(8));  // one token every 2 s
  EXPECT_EQ(Drain("k", four_per_8s), 4);
  Duration retry_after{};
  clock_.Advance(seconds(1));  // half a token
  EXPECT_FALSE(Allow("k", four_per_8s, &retry_after));
  EXPECT_EQ(retry_after, seconds(1));
  clock_.Advance(seconds(1));  // one token
  EXPECT_TRUE(Allow("k", four_per_8s));
  EXPECT_FALSE(Allow("k", four_per_8s, &retry_after));
  EXPECT_EQ(retry_after, seconds(2));
  clock_.Advance(seconds(4));  // two tokens
  EXPECT_EQ(Drain("k", four_per_8s), 2);
  // A long idle time refills the bucket to the limit, not beyond.
  clock_.Advance(hours(10));
  EXPECT_EQ(Drain("k", four_per_8s), 4);
  // A clock that goes backwards gives nothing, and coming back it does not credit the same
  // time twice.
  clock_.Advance(-minutes(5));
  EXPECT_FALSE(Allow("k", four_per_8s));
  clock_.Advance(minutes(5) + seconds(1));
  EXPECT_FALSE(Allow("k", four_per_8s));
  clock_.Advance(seconds(1));
  EXPECT_TRUE(Allow("k", four_per_8s));
  EXPECT_FALSE(Allow("k", four_per_8s));
}

TEST_F(RateLimiterTest, RetryAfterIsWhenATokenIsBack) {
  struct Case {
    int limit;
    Duration window;
    Duration want;
  } cases[] = {
      {1, hours(1), hours(1)},        {2, hours(1), minutes(30)},   {3, minutes(1), seconds(20)},
      {7, hours(1), seconds(515)},    {10, seconds(1), seconds(1)}, {600, minutes(1), seconds(1)},
      {100, hours(24), seconds(864)}, {1000, hours(1), seconds(4)},
  };
  // Waits are rounded up to whole seconds: 7 an hour is a token every 514.3 s, 10 a second one
  // every 0.1 s, 1000 an hour one every 3.6 s.
  for (const Case& tc : cases) {
    const RateLimit limit = Limit(tc.limit, tc.window);
    const std::string key = std::to_string(tc.limit) + "/" + std::to_string(tc.window.count());
    SCOPED_TRACE(key);
    EXPECT_EQ(Drain(key, limit), tc.limit);
    Duration retry_after{};
    ASSERT_FALSE(Allow(key, limit, &retry_after));
    EXPECT_EQ(retry_after, tc.want);
    // Not a second earlier (when the wait is more than a second), but then.
    if (retry_after > seconds(1)) {
      clock_.Advance(retry_after - seconds(1));
      EXPECT_FALSE(Allow(key, limit));
      clock_.Advance(seconds(1));
    } else {
      clock_.Advance(retry_after);
    }
    EXPECT_TRUE(Allow(key, limit));
    // A refusal without a place for the wait is fine too.
    Drain(key, limit);
    EXPECT_FALSE(Allow(key, limit, nullptr));
  }
}

TEST_F(RateLimiterTest, KeysAreIndependent) {
  const RateLimit two = Limit(2, hours(1));
  EXPECT_EQ(Drain("account-a", two), 2);
  EXPECT_FALSE(Allow("account-a", two));
  EXPECT_EQ(Drain("account-b", two), 2);
  EXPECT_EQ(Drain("account-c", two), 2);
  EXPECT_FALSE(Allow("account-a", two));
}

TEST_F(RateLimiterTest, DisabledLimitAlwaysAllows) {
  for (const RateLimit& off : {RateLimit{}, Limit(0, hours(1)), Limit(5, Duration::zero()),
                               Limit(5, -seconds(1)), Limit(-3, hours(1))}) {
    SCOPED_TRACE(std::to_string(off.limit) + " per " + std::to_string(off.window.count()));
    EXPECT_FALSE(off.enabled());
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(Allow("k", off));
  }
}

TEST_F(RateLimiterTest, KeyBoundOnlyErrsTowardAllowing) {
  const RateLimit one = Limit(1, hours(1));
  const size_t n = RateLimiter::kMaxKeys + 1000;
  // Every key is new, so every first ask is allowed however many keys the limiter holds.
  size_t refused = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!Allow("k" + std::to_string(i), one)) ++refused;
    clock_.Advance(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(refused, 0u);
  // The keys used last are still limited...
  EXPECT_FALSE(Allow("k" + std::to_string(n - 1), one));
  EXPECT_FALSE(Allow("k" + std::to_string(n - 500), one));
  // ...those idle longest were forgotten, so they get a full bucket again (less than an hour
  // has passed: with their bucket kept they would be refused).
  EXPECT_TRUE(Allow("k0", one));
  EXPECT_TRUE(Allow("k1", one));
}

TEST_F(RateLimiterTest, ConcurrentCallersShareOneBucket) {
  const RateLimit hundred = Limit(100, hours(1));
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (Allow("shared", hundred)) ++granted;
        Allow("own-" + std::to_string(i), hundred);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 100);
}

// ---- The provisioner's "rateLimits".

Result<std::unique_ptr<provisioner::AcmeProvisioner>> CreateAcme(const json& rate_limits) {
  config::ProvisionerConfig pc;
  pc.type = "ACME";
  pc.name = "acme";
  pc.raw = nlohmann::ordered_json{{"type", "ACME"}, {"name", "acme"}};
  if (!rate_limits.is_discarded())
    pc.raw["rateLimits"] = nlohmann::ordered_json::parse(rate_limits.dump());
  return provisioner::AcmeProvisioner::Create(pc, config::Claims{});
}

TEST(RateLimitsConfigTest, ParsesTheThreeLimits) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      auto p, CreateAcme(json{{"requestsPerIp", {{"limit", 600}, {"window", "1m"}}},
                              {"newAccountsPerIp", {{"limit", 10}, {"window", "3h"}}},
                              {"newOrdersPerAccount", {{"limit", 300}, {"window", "1h30m"}}}}));
  const provisioner::AcmeRateLimits& l = p->rate_limits();
  EXPECT_EQ(l.requests_per_ip.limit, 600);
  EXPECT_EQ(l.requests_per_ip.window, minutes(1));
  EXPECT_TRUE(l.requests_per_ip.enabled());
  EXPECT_EQ(l.new_accounts_per_ip.limit, 10);
  EXPECT_EQ(l.new_accounts_per_ip.window, hours(3));
  EXPECT_EQ(l.new_orders_per_account.limit, 300);
  EXPECT_EQ(l.new_orders_per_account.window, minutes(90));
  EXPECT_TRUE(l.new_orders_per_account.enabled());
  // The configuration is kept as written.
  EXPECT_EQ(p->config_json()["rateLimits"]["requestsPerIp"]["window"], "1m");
}

TEST(RateLimitsConfigTest, AbsentNullOrZeroIsOff) {
  for (const json& rl : {json(json::value_t::discarded), json(nullptr), json::object(),
                         json{{"newOrdersPerAccount", nullptr}},
                         json{{"newOrdersPerAccount", {{"limit", 0}, {"window", "1h"}}}}}) {
    SCOPED_TRACE(rl.dump());
    CAIRN_ASSERT_OK_AND_ASSIGN(auto p, CreateAcme(rl));
    EXPECT_FALSE(p->rate_limits().requests_per_ip.enabled());
    EXPECT_FALSE(p->rate_limits().new_accounts_per_ip.enabled());
    EXPECT_FALSE(p->rate_limits().new_orders_per_account.enabled());
  }
}

TEST(RateLimitsConfigTest, RejectsBadLimitsWithAClearMessage) {
  struct Case {
    const char* name;
    json rate_limits;
    const char* message;
  } cases[] = {
      {"not an object", json::array(), "rateLimits must be an object"},
      {"unknown limit name", json{{"newOrdersPerIp", {{"limit", 1}, {"window", "1h"}}}},
       "unknown limit \"newOrdersPerIp\""},
      {"misspelt limit name", json{{"requestsPerIP", {{"limit", 1}, {"window", "1h"}}}},
       "unknown limit \"requestsPerIP\""},
      {"limit not an object", json{{"requestsPerIp", 5}}, "rateLimits.requestsPerIp must be"},
      {"negative limit", json{{"newOrdersPerAccount", {{"limit", -1}, {"window", "1h"}}}},
       "rateLimits.newOrdersPerAccount.limit must be a non-negative integer"},
      {"fractional limit", json{{"newOrdersPerAccount", {{"limit", 1.5}, {"window", "1h"}}}},
       "rateLimits.newOrdersPerAccount.limit must be a non-negative integer"},
      {"limit as a string", json{{"newAccountsPerIp", {{"limit", "5"}, {"window", "1h"}}}},
       "rateLimits.newAccountsPerIp.limit must be a non-negative integer"},
      {"missing limit", json{{"newAccountsPerIp", {{"window", "1h"}}}},
       "rateLimits.newAccountsPerIp.limit must be"},
      {"huge limit", json{{"requestsPerIp", {{"limit", 5000000000LL}, {"window", "1h"}}}},
       "rateLimits.requestsPerIp.limit must be"},
      {"missing window", json{{"requestsPerIp", {{"limit", 5}}}},
       "rateLimits.requestsPerIp.window must be a duration"},
      {"window as a number", json{{"requestsPerIp", {{"limit", 5}, {"window", 3600}}}},
       "rateLimits.requestsPerIp.window must be a duration"},
      {"unparsable window", json{{"requestsPerIp", {{"limit", 5}, {"window", "1 hour"}}}},
       "rateLimits.requestsPerIp.window must be a positive duration"},
      {"zero window", json{{"requestsPerIp", {{"limit", 5}, {"window", "0s"}}}},
       "rateLimits.requestsPerIp.window must be a positive duration"},
      {"negative window", json{{"requestsPerIp", {{"limit", 5}, {"window", "-1h"}}}},
       "rateLimits.requestsPerIp.window must be a positive duration"},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    auto p = CreateAcme(tc.rate_limits);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(p.status().message(), HasSubstr(tc.message));
    // The message names the provisioner.
    EXPECT_THAT(p.status().message(), HasSubstr("provisioner 'acme'"));
  }
}

TEST(RateLimitsConfigTest, CollectionRefusesABadProvisioner) {
  json ca = {
      {"root", "/nonexistent/root.crt"},
      {"crt", "/nonexistent/int.crt"},
      {"key", "/nonexistent/int.key"},
      {"address", "127.0.0.1:0"},
      {"dnsNames", {"ca.test"}},
      {"authority",
       {{"provisioners",
         {{{"type", "ACME"},
           {"name", "good"},
           {"rateLimits", {{"newOrdersPerAccount", {{"limit", 2}, {"window", "1h"}}}}}},
          {{"type", "ACME"},
           {"name", "bad"},
           {"rateLimits", {{"newOrdersPerAccount", {{"limit", -2}, {"window", "1h"}}}}}}}}}}};
  CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg, config::ParseCaConfig(ca.dump(), "ca.json"));
  NullLogger log;
  auto built = provisioner::Collection::Build(cfg, log);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(built.status().message(), HasSubstr("provisioner 'bad'"));
  EXPECT_THAT(built.status().message(), HasSubstr("newOrdersPerAccount.limit"));

  // Without the bad one the limits reach the provisioner.
  ca["authority"]["provisioners"].erase(1);
  CAIRN_ASSERT_OK_AND_ASSIGN(cfg, config::ParseCaConfig(ca.dump(), "ca.json"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto coll, provisioner::Collection::Build(cfg, log));
  const provisioner::Provisioner* p = coll->LoadByName("good");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->type(), provisioner::Type::kAcme);
  const auto& limits = static_cast<const provisioner::AcmeProvisioner*>(p)->rate_limits();
  EXPECT_EQ(limits.new_orders_per_account.limit, 2);
  EXPECT_EQ(limits.new_orders_per_account.window, hours(1));
}

// ---- The limits through AcmeServer.

// The provisioners: "acme" without limits, "orders" (2 new orders per account per hour),
// "perip" (3 requests per IP address per minute), "accounts" (2 new accounts per IP address per
// hour).
class RateLimitServerTest : public testutil::AcmeTestBase {
 protected:
  void SetUp() override {
    SetUpCa({{{"type", "ACME"}, {"name", "acme"}},
             {{"type", "ACME"},
              {"name", "orders"},
              {"rateLimits", {{"newOrdersPerAccount", {{"limit", 2}, {"window", "1h"}}}}}},
             {{"type", "ACME"},
              {"name", "perip"},
              {"rateLimits", {{"requestsPerIp", {{"limit", 3}, {"window", "1m"}}}}}},
             {{"type", "ACME"},
              {"name", "accounts"},
              {"rateLimits", {{"newAccountsPerIp", {{"limit", 2}, {"window", "1h"}}}}}}});
  }

  AcmeResponse NewOrder(Client& c, const std::string& name) {
    return Post(c, Endpoint::kNewOrder, {},
                json{{"identifiers", json::array({Ident("dns", name)})}});
  }

  // ExpectRateLimited checks a 429 as RFC 8555 §6.7 and §7.6 want it: the rateLimited problem
  // type, a Retry-After of `retry_after` seconds and a fresh nonce.
  static void ExpectRateLimited(const AcmeResponse& r, const std::string& retry_after) {
    EXPECT_PROBLEM(r, 429, "rateLimited");
    EXPECT_EQ(r.content_type, "application/problem+json");
    json body = BodyJson(r);
    EXPECT_EQ(body["type"], "urn:ietf:params:acme:error:rateLimited") << Describe(r);
    EXPECT_EQ(body["status"], 429) << Describe(r);
    EXPECT_EQ(HeaderOf(r, "Retry-After"), retry_after) << Describe(r);
  }
};

TEST_F(RateLimitServerTest, NewOrdersPerAccount) {
  Client a = NewAccount("orders");
  Client b = NewAccount("orders");
  ASSERT_FALSE(a.account_id.empty());
  EXPECT_EQ(NewOrder(a, "a1.example.test").status, 201);
  EXPECT_EQ(NewOrder(a, "a2.example.test").status, 201);
  AcmeResponse third = NewOrder(a, "a3.example.test");
  // Two per hour: the next one in half an hour.
  ExpectRateLimited(third, "1800");
  EXPECT_THAT(BodyJson(third)["detail"].get<std::string>(), HasSubstr("at most 2 per 1h0m0s"));
  EXPECT_EQ(OrderCount(a), 2u);
  // The nonce of the 429 is good for the next request: the account still works otherwise.
  json acct = GetJson(a, Endpoint::kAccount, {a.account_id});
  EXPECT_EQ(acct["status"], "valid");

  // Another account of the provisioner is not affected, nor accounts of a provisioner
  // without limits.
  EXPECT_EQ(NewOrder(b, "b1.example.test").status, 201);
  Client elsewhere = NewAccount("acme");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(NewOrder(elsewhere, "e.example.test").status, 201);

  // A second before Retry-After: still limited; at Retry-After: one more order.
  clock_.Advance(seconds(1799));
  a.nonce.clear();
  ExpectRateLimited(NewOrder(a, "a3.example.test"), "1");
  clock_.Advance(seconds(1));
  EXPECT_EQ(NewOrder(a, "a3.example.test").status, 201);
  ExpectRateLimited(NewOrder(a, "a4.example.test"), "1800");

  // After a whole window the burst is back.
  clock_.Advance(hours(1));
  a.nonce.clear();
  EXPECT_EQ(NewOrder(a, "a4.example.test").status, 201);
  EXPECT_EQ(NewOrder(a, "a5.example.test").status, 201);
  ExpectRateLimited(NewOrder(a, "a6.example.test"), "1800");
  EXPECT_EQ(OrderCount(a), 5u);
}

TEST_F(RateLimitServerTest, RequestsPerIp) {
  auto request = [this](const std::string& ip, Endpoint ep, const std::string& prov = "perip") {
    AcmeRequest req = Req(ep, {}, prov, "GET");
    req.remote_address = ip;
    return Send(req);
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(request("192.0.2.1", Endpoint::kNewNonce).status, 204) << i;
  }
  AcmeResponse limited = request("192.0.2.1", Endpoint::kNewNonce);
  ExpectRateLimited(limited, "20");  // 3 a minute: one every 20 s
  // Every request counts, the directory too (which carries no nonce).
  AcmeResponse dir = request("192.0.2.1", Endpoint::kDirectory);
  EXPECT_EQ(dir.status, 429) << Describe(dir);
  EXPECT_EQ(HeaderOf(dir, "Retry-After"), "20");

  // Another address, and the same address at another provisioner, are not affected.
  EXPECT_EQ(request("192.0.2.2", Endpoint::kNewNonce).status, 204);
  EXPECT_EQ(request("2001:db8::1", Endpoint::kDirectory).status, 200);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(request("192.0.2.1", Endpoint::kNewNonce, "acme").status, 204) << i;
  }

  // After the window: three more.
  clock_.Advance(minutes(1));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(request("192.0.2.1", Endpoint::kDirectory).status, 200) << i;
  }
  EXPECT_EQ(request("192.0.2.1", Endpoint::kDirectory).status, 429);

  // Signed requests count as well; a 429 to one carries a nonce the client may use later.
  Client c = testutil::AcmeTestBase::NewKeyClient("perip");
  c.remote_address = "198.51.100.7";
  Register(c);  // newNonce + newAccount
  EXPECT_EQ(NewOrder(c, "c1.example.test").status, 201);
  AcmeResponse post = NewOrder(c, "c2.example.test");
  ExpectRateLimited(post, "20");
  ASSERT_FALSE(c.nonce.empty());
  clock_.Advance(seconds(20));
  EXPECT_EQ(NewOrder(c, "c2.example.test").status, 201) << "with the nonce of the 429";
  EXPECT_EQ(OrderCount(c), 2u);
}

TEST_F(RateLimitServerTest, NewAccountsPerIp) {
  auto client = [](const std::string& ip) {
    Client c = testutil::AcmeTestBase::NewKeyClient("accounts");
    c.remote_address = ip;
    return c;
  };
  Client k1 = client("203.0.113.5");
  Client k2 = client("203.0.113.5");
  Client k3 = client("203.0.113.5");
  EXPECT_EQ(Register(k1).status, 201);
  EXPECT_EQ(Register(k2).status, 201);
  AcmeResponse third =
      Post(k3, Endpoint::kNewAccount, {}, json{{"termsOfServiceAgreed", true}}, true);
  ExpectRateLimited(third, "1800");
  EXPECT_FALSE(AccountExists(k3));

  // Looking up an existing account is not a new account.
  AcmeResponse again =
      Post(k1, Endpoint::kNewAccount, {}, json{{"onlyReturnExisting", true}}, true);
  EXPECT_EQ(again.status, 200) << Describe(again);
  EXPECT_EQ(HeaderOf(again, "Location"), k1.account_url);
  // Other requests from the address are not limited by it.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(NewOrder(k1, "k1-" + std::to_string(i) + ".example.test").status, 201);
  }
  // Another address may register.
  k3.remote_address = "203.0.113.6";
  EXPECT_EQ(Register(k3).status, 201);

  // After the window the first address may register again.
  clock_.Advance(hours(1));
  Client k4 = client("203.0.113.5");
  EXPECT_EQ(Register(k4).status, 201);
  EXPECT_TRUE(AccountExists(k4));
}

}  // namespace
}  // namespace cairn::acme
