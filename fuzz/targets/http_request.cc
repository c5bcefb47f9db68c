// HTTP requests as cairn-ca's server takes them: raw bytes through Boost.Beast's
// request_parser (with the server's header and body limits), then what http/server.cc's
// HandleRequest does with the message (Request fields, Host, request id, ParseRequestTarget),
// then http::Router over cairn-ca's route table (the patterns api/ registers, with handlers that
// only record the match).
//  - parsed header names and values, the method and the target never hold CR, LF or NUL
//    (no header injection through what handlers echo, e.g. X-Request-Id); the decoded path
//    never holds NUL;
//  - routing is deterministic: the same request routes twice to the same route, parameters
//    and status; an unrouted request is 400, 404 or 405 (with an Allow header);
//  - a routed request's parameters, escaped again (PathEscape) into its route's pattern,
//    route back to the same route with the same parameters;
//  - query decoding is bounded (decoded pairs are never longer than the query) and QueryParam
//    answers the first decoded value of each name; header lookup ignores case.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "fuzz/fuzz.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace {

namespace bhttp = boost::beast::http;
using cairn::http::Request;
using cairn::http::Response;
using cairn::http::Router;

// The server's defaults (http/server.h ServerOptions).
constexpr size_t kMaxHeaderBytes = 16 << 10;
constexpr size_t kMaxBodyBytes = 1 << 20;

struct RouteDef {
  std::string method;
  std::string pattern;
};

// RouteTable lists the routes cairn-ca registers (api/ca_api.cc, ssh_api.cc, ssh_*_api.cc,
// revocation_api.cc with the default ocsp.path, admin_api.cc, acme_api.cc).
std::vector<RouteDef> RouteTable() {
  std::vector<RouteDef> r;
  auto add = [&](const char* method, std::string pattern) {
    r.push_back({method, std::move(pattern)});
  };
  for (std::string p : {"", "/1.0"}) {
    for (const char* get : {"/health", "/version", "/root/{sha}", "/roots", "/roots.pem",
                            "/intermediates", "/intermediates.pem", "/federation", "/provisioners",
                            "/provisioners/{kid}/encrypted-key", "/ssh/hosts", "/ssh/get-hosts",
                            "/ssh/roots", "/ssh/federation", "/ssh/krl", "/crl", "/crl/delta"}) {
      add("GET", p + get);
    }
    for (const char* post : {"/sign", "/renew", "/re-sign", "/rekey", "/revoke", "/ssh/sign",
                             "/sign-ssh", "/ssh/revoke", "/ssh/renew", "/ssh/rekey", "/ssh/config",
                             "/ssh/config/{type}", "/ssh/check-host", "/ssh/bastion"}) {
      add("POST", p + post);
    }
  }
  add("POST", "/ocsp");
  add("GET", "/ocsp/*");
  for (const char* get :
       {"/admin/admins", "/admin/admins/{id}", "/admin/acme/eab/{provisioner}",
        "/admin/acme/eab/{provisioner}/{key}", "/admin/provisioners", "/admin/provisioners/{name}",
        "/admin/policy", "/admin/provisioners/{name}/policy"}) {
    add("GET", get);
  }
  add("POST", "/admin/admins");
  add("PATCH", "/admin/admins/{id}");
  add("DELETE", "/admin/admins/{id}");
  add("POST", "/admin/acme/eab/{provisioner}");
  add("DELETE", "/admin/acme/eab/{provisioner}/{key}");
  add("POST", "/admin/provisioners");
  add("PUT", "/admin/provisioners/{name}");
  add("DELETE", "/admin/provisioners/{name}");
  add("POST", "/admin/policy");
  add("PUT", "/admin/policy");
  add("DELETE", "/admin/policy");
  add("POST", "/admin/provisioners/{name}/policy");
  add("PUT", "/admin/provisioners/{name}/policy");
  add("DELETE", "/admin/provisioners/{name}/policy");
  add("POST", "/admin/provisioners/{name}/webhooks");
  add("PUT", "/admin/provisioners/{name}/webhooks/{webhook}");
  add("DELETE", "/admin/provisioners/{name}/webhooks/{webhook}");
  for (std::string p : {"/acme/{provisioner}", "/2.0/acme/{provisioner}"}) {
    for (const char* get : {"/directory", "/new-nonce", "/renewal-info/{id}"}) add("GET", p + get);
    for (const char* post :
         {"/new-account", "/account/{id}", "/account/{id}/orders", "/new-order", "/order/{id}",
          "/order/{id}/finalize", "/authz/{id}", "/challenge/{authz}/{id}", "/certificate/{id}",
          "/revoke-cert", "/key-change"}) {
      add("POST", p + post);
    }
  }
  return r;
}

const Router& TheRouter() {
  static Router* router = [] {
    auto* rt = new Router();
    for (const RouteDef& d : RouteTable()) {
      rt->Handle(d.method, d.pattern,
                 [](Request&, Response& resp) { resp.SetBody(200, "text/plain", "routed"); });
    }
    return rt;
  }();
  return *router;
}

bool HasControl(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// Routed is what routing one request decided.
struct Routed {
  int status = 0;
  std::string route;
  std::map<std::string, std::string> params;
  std::string allow;
};

Routed Route(const Request& base) {
  Request req = base;
  Response resp;
  TheRouter().Serve(req, resp);
  return {resp.status, req.route, req.path_params, std::string(resp.GetHeader("Allow"))};
}

// Rebuild substitutes escaped parameters into a pattern without "*".
std::string Rebuild(std::string_view pattern, const std::map<std::string, std::string>& params) {
  std::string out;
  for (std::string_view seg : cairn::Split(pattern.substr(1), '/')) {
    out.push_back('/');
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      auto it = params.find(std::string(seg.substr(1, seg.size() - 2)));
      FUZZ_CHECK(it != params.end());
      out += cairn::http::PathEscape(it->second);
    } else {
      out += seg;
    }
  }
  return out;
}

void CheckQuery(const Request& req) {
  auto pairs = cairn::http::ParseQuery(req.query);
  size_t total = 0;
  std::map<std::string, std::string> first;
  for (const auto& [k, v] : pairs) {
    total += k.size() + v.size();
    first.emplace(k, v);
  }
  FUZZ_CHECK(total <= req.query.size());
  for (const auto& [k, v] : first) {
    FUZZ_CHECK(req.HasQueryParam(k));
    FUZZ_CHECK(req.QueryParam(k) == v);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(kMaxHeaderBytes));
  parser.body_limit(kMaxBodyBytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < 64 && !parser.is_done(); ++i) {
    size_t n = parser.put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(n);
    if (ec == bhttp::error::need_more) {
      // Every byte was offered already (Beast must not be called again without more data):
      // the client closed. As Beast's read does, the message completes only if it allows it.
      if (parser.got_some()) {
        parser.put_eof(ec);
      } else {
        ec = bhttp::error::end_of_stream;
      }
      break;
    }
    if (ec) break;
  }
  if (ec || !parser.is_done()) return 0;
  bhttp::request<bhttp::string_body> msg = parser.release();

  // What http/server.cc's FillRequestHead and HandleRequest do.
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.version = msg.version() == 10 ? 10 : 11;
  for (const auto& field : msg) {
    req.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  req.host = std::string(req.headers.Get("Host"));
  req.remote_address = "127.0.0.1";
  std::string_view id = req.headers.Get("X-Request-Id");
  if (id.empty()) id = req.headers.Get("X-Smallstep-Id");
  req.request_id = id.empty() ? "generated" : std::string(id);
  req.body = std::move(msg.body());
  FUZZ_CHECK(req.body.size() <= kMaxBodyBytes);

  FUZZ_CHECK(!HasControl(req.method) && !HasControl(req.target));
  FUZZ_CHECK(req.target.find(' ') == std::string::npos);
  for (const auto& [name, value] : req.headers) {
    FUZZ_CHECK(!name.empty() && !HasControl(name) && !HasControl(value));
    // Case-insensitive lookup finds the first field of that name.
    std::string upper = name, lower = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FUZZ_CHECK(req.headers.Get(upper) == req.headers.Get(lower));
    FUZZ_CHECK(req.headers.Has(upper));
  }
  FUZZ_CHECK(!HasControl(req.request_id));

  auto target = cairn::http::ParseRequestTarget(req.target);
  if (!target.ok() || (req.version == 11 && !req.headers.Has("Host"))) return 0;  // a 400
  req.path = std::move(target->path);
  req.query = std::move(target->query);
  FUZZ_CHECK(req.path.find('\0') == std::string::npos);
  CheckQuery(req);

  const Routed first = Route(req);
  const Routed second = Route(req);
  FUZZ_CHECK(first.status == second.status && first.route == second.route &&
             first.params == second.params && first.allow == second.allow);
  if (first.route.empty()) {
    FUZZ_CHECK(first.status == 400 || first.status == 404 || first.status == 405);
    FUZZ_CHECK((first.status == 405) == !first.allow.empty());
    return 0;
  }
  FUZZ_CHECK(first.status == 200);
  for (const auto& [name, value] : first.params) {
    auto back = cairn::http::PercentDecode(cairn::http::PathEscape(value));
    FUZZ_CHECK(back.ok() && *back == value);
  }
  if (first.route.find('*') == std::string::npos) {
    Request again;
    again.method = req.method;
    again.target = Rebuild(first.route, first.params);
    const Routed rebuilt = Route(again);
    FUZZ_CHECK(rebuilt.route == first.route && rebuilt.params == first.params);
  }
  return 0;
}
