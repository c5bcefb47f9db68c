// Unit tests of the transport's value types and the router, without sockets.

#include "http/router.h"

#include <regex>
#include <set>

#include "http/access_log.h"
#include "http/headers.h"
#include "http/request.h"
#include "http/response.h"
#include "http/uuid.h"
#include "testing/fakes.h"

namespace cairn::http {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

Handler Reply(std::string text) {
  return [text](Request&, Response& resp) { resp.SetBody(200, "text/plain", text); };
}

Router MakeRouter() {
  Router r;
  r.Handle("GET", "/", Reply("root"));
  r.Handle("GET", "/health", Reply("health"));
  r.Handle("GET", "/root/{sha}", Reply("root-sha"));
  r.Handle("GET", "/root/special", Reply("root-special"));
  r.Handle("POST", "/sign", Reply("sign"));
  r.Handle("GET", "/acme/{provisioner}/order/{id}", Reply("order"));
  r.Handle("POST", "/acme/{provisioner}/order/{id}", Reply("order-post"));
  r.Handle("GET", "/assets/*", Reply("assets"));
  r.Handle("GET", "/assets/index.html", Reply("index"));
  r.Handle("DELETE", "/admin/{name}", Reply("admin-delete"));
  r.SetErrorRenderer([](int status, Response& resp) {
    resp.SetJson(status, {{"status", status}, {"message", StatusText(status)}});
  });
  return r;
}

struct RouteCase {
  std::string method;
  std::string target;
  int status;
  std::string body;  // exact body for 2xx, substring for errors
  std::map<std::string, std::string> params;
};

TEST(RouterTest, RoutesByMethodAndPattern) {
  Router router = MakeRouter();
  const std::vector<RouteCase> cases = {
      {"GET", "/", 200, "root", {}},
      {"GET", "/health", 200, "health", {}},
      {"GET", "/health?x=1", 200, "health", {}},
      {"GET", "/health/", 404, "\"status\":404", {}},
      {"GET", "/root/abc123", 200, "root-sha", {{"sha", "abc123"}}},
      {"GET", "/root/special", 200, "root-special", {}},          // literal beats {param}
      {"GET", "/root/a%2Fb", 200, "root-sha", {{"sha", "a/b"}}},  // %2F stays in its segment
      {"GET", "/root/", 404, "\"status\":404", {}},               // {param} is never empty
      {"GET", "/root/a/b", 404, "\"status\":404", {}},
      {"POST", "/sign", 200, "sign", {}},
      {"GET", "/sign", 405, "\"status\":405", {}},
      {"GET", "/acme/my%20prov/order/o1", 200, "order", {{"provisioner", "my prov"}, {"id", "o1"}}},
      {"POST", "/acme/p/order/o2", 200, "order-post", {{"provisioner", "p"}, {"id", "o2"}}},
      {"GET", "/assets/css/site.css", 200, "assets", {{"*", "css/site.css"}}},
      {"GET", "/assets/index.html", 200, "index", {}},
      {"GET", "/assets", 404, "\"status\":404", {}},
      {"HEAD", "/health", 200, "health", {}},  // GET routes answer HEAD
      {"DELETE", "/admin/bob", 200, "admin-delete", {{"name", "bob"}}},
      {"GET", "/admin/bob", 405, "\"status\":405", {}},
      {"GET", "/nope", 404, "\"message\":\"Not Found\"", {}},
      {"GET", "/root/%zz", 400, "\"status\":400", {}},
  };
  for (const RouteCase& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    Request req;
    req.method = c.method;
    req.target = c.target;
    Response resp;
    router.Serve(req, resp);
    EXPECT_EQ(resp.status, c.status);
    if (c.status == 200) {
      EXPECT_EQ(resp.body, c.body);
      EXPECT_EQ(req.path_params, c.params);
    } else {
      EXPECT_NE(resp.body.find(c.body), std::string::npos) << resp.body;
      EXPECT_EQ(resp.GetHeader("Content-Type"), "application/json");
    }
  }
}

TEST(RouterTest, MethodNotAllowedListsAllowedMethods) {
  Router router = MakeRouter();
  Request req;
  req.method = "PUT";
  req.target = "/acme/p/order/1";
  Response resp;
  router.Serve(req, resp);
  EXPECT_EQ(resp.status, 405);
  EXPECT_EQ(resp.GetHeader("Allow"), "GET, HEAD, POST");
}

TEST(RouterTest, DefaultRendererIsPlainText) {
  Router router;
  Request req;
  req.method = "GET";
  req.target = "/x";
  Response resp;
  router.Serve(req, resp);
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.body, "404 page not found\n");
}

TEST(RouterTest, RenderErrorResetsResponseButKeepsLogFields) {
  Router router = MakeRouter();
  Response resp;
  resp.SetHeader("X-Custom", "1");
  resp.body = "partial";
  resp.log_fields["provisioner"] = "p1";
  router.RenderError(413, resp);
  EXPECT_EQ(resp.status, 413);
  EXPECT_EQ(resp.GetHeader("X-Custom"), "");
  EXPECT_EQ(nlohmann::json::parse(resp.body),
            nlohmann::json({{"status", 413}, {"message", "Request Entity Too Large"}}));
  EXPECT_EQ(resp.log_fields["provisioner"], "p1");
}

TEST(RouterTest, ReRegisteringReplacesTheHandler) {
  Router router;
  router.Handle("GET", "/a", Reply("one"));
  router.Handle("GET", "/a", Reply("two"));
  Request req;
  req.method = "GET";
  req.target = "/a";
  Response resp;
  router.Serve(req, resp);
  EXPECT_EQ(resp.body, "two");
}

TEST(RouterDeathTest, MalformedPatternsAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Router router;
  EXPECT_DEATH(router.Handle("GET", "no-slash", Reply("")), "");
  EXPECT_DEATH(router.Handle("GET", "/a/*/b", Reply("")), "");
  EXPECT_DEATH(router.Handle("GET", "/a/{}", Reply("")), "");
}

TEST(RequestTargetTest, ParsesForms) {
  struct Case {
    std::string target;
    bool ok;
    std::string path, query, raw_path;
  };
  const std::vector<Case> cases = {
      {"/a/b?x=1&y=2", true, "/a/b", "x=1&y=2", "/a/b"},
      {"/a%20b/c%2Fd", true, "/a b/c/d", "", "/a%20b/c%2Fd"},
      {"/", true, "/", "", "/"},
      {"https://ca.example:9000/1.0/sign?z", true, "/1.0/sign", "z", "/1.0/sign"},
      {"http://host", true, "/", "", "/"},
      {"http://host?q=1", true, "/", "q=1", "/"},
      {"*", true, "*", "", "*"},
      {"relative/path", false, "", "", ""},
      {"ftp://host/x", false, "", "", ""},
      {"/bad%2", false, "", "", ""},
      {"/bad%G0", false, "", "", ""},
      {"/nul%00", false, "", "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    auto parsed = ParseRequestTarget(c.target);
    ASSERT_EQ(parsed.ok(), c.ok) << parsed.status();
    if (!c.ok) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    EXPECT_EQ(parsed->path, c.path);
    EXPECT_EQ(parsed->query, c.query);
    EXPECT_EQ(parsed->raw_path, c.raw_path);
  }
}

TEST(RequestTest, QueryParams) {
  Request req;
  req.query = "a=1&b=hello+world&c=%2Fx%26&a=2&empty=&flag&bad=%zz&d=x;y";
  EXPECT_EQ(req.QueryParam("a"), "1");
  EXPECT_EQ(req.QueryParam("b"), "hello world");
  EXPECT_EQ(req.QueryParam("c"), "/x&");
  EXPECT_EQ(req.QueryParam("missing"), "");
  EXPECT_TRUE(req.HasQueryParam("empty"));
  EXPECT_TRUE(req.HasQueryParam("flag"));
  EXPECT_FALSE(req.HasQueryParam("bad"));  // malformed escape: skipped
  EXPECT_FALSE(req.HasQueryParam("missing"));
  EXPECT_EQ(req.QueryParam("d"), "x;y");
  EXPECT_THAT(ParseQuery("x=1&x=2"), ElementsAre(Pair("x", "1"), Pair("x", "2")));
}

TEST(HeadersTest, CaseInsensitiveLookup) {
  Headers h;
  h.Add("Content-Type", "application/json");
  h.Add("X-Multi", "a");
  h.Add("x-multi", "b");
  EXPECT_EQ(h.Get("content-type"), "application/json");
  EXPECT_EQ(h.Get("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(h.Get("missing"), "");
  EXPECT_FALSE(h.Has("missing"));
  EXPECT_THAT(h.GetAll("X-MULTI"), ElementsAre("a", "b"));
  EXPECT_EQ(h.Count("X-MULTI"), 2u);
  EXPECT_EQ(h.Count("missing"), 0u);
  h.Set("X-Multi", "c");
  EXPECT_EQ(h.Count("x-multi"), 1u);
  EXPECT_THAT(h.GetAll("x-multi"), ElementsAre("c"));
  h.Remove("X-MULTI");
  EXPECT_FALSE(h.Has("x-multi"));
  EXPECT_EQ(h.size(), 1u);

  Request req;
  req.headers.Add("X-Request-Id", "abc");
  EXPECT_EQ(req.Header("x-request-id"), "abc");
}

TEST(ResponseTest, SetJsonAndHeaders) {
  Response resp;
  resp.SetJson(201, {{"crt", "x"}});
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, "{\"crt\":\"x\"}\n");
  EXPECT_EQ(resp.GetHeader("content-type"), "application/json");
  resp.SetHeader("content-type", "text/plain");
  EXPECT_EQ(resp.headers.size(), 1u);
  resp.AddHeader("Link", "<a>");
  resp.AddHeader("Link", "<b>");
  EXPECT_EQ(resp.headers.size(), 3u);
  resp.RemoveHeader("link");
  EXPECT_EQ(resp.headers.size(), 1u);
  // Invalid UTF-8 does not throw.
  resp.SetJson(200, {{"s", std::string("\xff\xfe")}});
  EXPECT_EQ(resp.status, 200);
}

TEST(StatusMapTest, CodesMapOntoHttp) {
  EXPECT_EQ(HttpStatusForCode(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kResourceExhausted), 413);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(StatusText(404), "Not Found");
  EXPECT_EQ(StatusText(431), "Request Header Fields Too Large");
  EXPECT_EQ(StatusText(799), "");
}

TEST(UuidTest, Version4Format) {
  cairn::testing::FakeRandom random(7);
  const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewUuidV4(random);
    EXPECT_TRUE(std::regex_match(id, re)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(AccessLogTest, StepCaFieldsAndHandlerFields) {
  Request req;
  req.method = "POST";
  req.target = "/1.0/sign?x=1";
  req.request_id = "rid-1";
  req.remote_address = "10.0.0.1";
  req.headers.Add("User-Agent", "step/0.28\r\nforged: yes");
  req.headers.Add("Referer", "https://r");
  Response resp;
  resp.SetJson(201, {{"crt", "..."}});
  resp.log_fields["provisioner"] = "admin (JWK)";
  resp.log_fields["serial"] = "1234";
  nlohmann::json e =
      RequestLogEntry(req, resp, std::chrono::milliseconds(1500), FromUnixSeconds(1767225600));
  EXPECT_EQ(e["request-id"], "rid-1");
  EXPECT_EQ(e["remote-address"], "10.0.0.1");
  EXPECT_EQ(e["name"], "ca");
  EXPECT_EQ(e["user-id"], "");
  EXPECT_EQ(e["time"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(e["duration-ns"], 1500000000);
  EXPECT_EQ(e["duration"], "1.5s");
  EXPECT_EQ(e["method"], "POST");
  EXPECT_EQ(e["path"], "/1.0/sign?x=1");
  EXPECT_EQ(e["protocol"], "HTTP/1.1");
  EXPECT_EQ(e["status"], 201);
  EXPECT_EQ(e["size"], resp.body.size());
  EXPECT_EQ(e["referer"], "https://r");
  EXPECT_EQ(e["user-agent"], "step/0.28forged: yes");  // CR/LF removed
  EXPECT_EQ(e["provisioner"], "admin (JWK)");
  EXPECT_EQ(e["serial"], "1234");
  EXPECT_EQ(RequestLogLevel(200), LogLevel::kInfo);
  EXPECT_EQ(RequestLogLevel(404), LogLevel::kWarn);
  EXPECT_EQ(RequestLogLevel(500), LogLevel::kError);
}

}  // namespace
}  // namespace cairn::http
