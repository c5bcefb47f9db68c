#include "http/router.h"

#include <algorithm>
#include <future>
#include <set>

#include "base/strings.h"

namespace cairn::http {

struct Router::Route {
  Handler handler;  // one of handler and async_handler is set
  AsyncHandler async_handler;
  std::vector<std::string> param_names;  // in pattern order
  std::string pattern;                   // as registered, e.g. "/1.0/root/{sha}"
};

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::map<std::string, Route, std::less<>> routes;    // method -> route ending here
  std::map<std::string, Route, std::less<>> wildcard;  // method -> route with a trailing "*"
};

struct Router::Match {
  const Route* route = nullptr;
  std::vector<std::string_view> captures;
  bool wildcard = false;
  size_t wildcard_start = 0;
};

namespace {

// SplitPath splits "/a/b" into {"a","b"} and "/" into {""}: the leading '/' is dropped, then
// every '/' separates.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with("/")) path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

template <typename Map>
const typename Map::mapped_type* LookupMethod(const Map& routes, std::string_view method) {
  auto it = routes.find(method);
  if (it == routes.end() && method == "HEAD") it = routes.find(std::string_view("GET"));
  return it == routes.end() ? nullptr : &it->second;
}

void DefaultRenderer(int status, Response& response) {
  std::string text = status == 404 ? "404 page not found"
                                   : std::to_string(status) + " " + std::string(StatusText(status));
  response.SetBody(status, "text/plain; charset=utf-8", text + "\n");
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()), renderer_(DefaultRenderer) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Handle(std::string method, std::string_view pattern, Handler handler) {
  Register(std::move(method), pattern, std::move(handler), nullptr);
}

void Router::HandleAsync(std::string method, std::string_view pattern, AsyncHandler handler) {
  Register(std::move(method), pattern, nullptr, std::move(handler));
}

void Router::Register(std::string method, std::string_view pattern, Handler handler,
                      AsyncHandler async_handler) {
  CAIRN_CHECK(pattern.starts_with("/"));
  CAIRN_CHECK(!method.empty());
  std::vector<std::string_view> segs = SplitPath(pattern);
  Node* node = root_.get();
  Route route{std::move(handler), std::move(async_handler), {}, std::string(pattern)};
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view seg = segs[i];
    if (seg == "*") {
      CAIRN_CHECK(i + 1 == segs.size());  // "*" only as the last segment
      node->wildcard[method] = std::move(route);
      return;
    }
    if (seg.starts_with("{")) {
      CAIRN_CHECK(seg.size() > 2 && seg.ends_with("}"));
      route.param_names.emplace_back(seg.substr(1, seg.size() - 2));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
      continue;
    }
    CAIRN_CHECK(seg.find_first_of("{}*") == std::string_view::npos);
    auto it = node->literals.find(seg);
    if (it == node->literals.end()) {
      it = node->literals.emplace(std::string(seg), std::make_unique<Node>()).first;
    }
    node = it->second.get();
  }
  node->routes[method] = std::move(route);
}

void Router::SetErrorRenderer(ErrorRenderer renderer) { renderer_ = std::move(renderer); }

void Router::RenderError(int status, Response& response) const {
  response.status = status;
  response.headers.clear();
  response.body.clear();
  renderer_(status, response);
  response.status = status;
}

bool Router::Find(const Node& node, const std::vector<std::string_view>& segs, size_t i,
                  std::string_view method, std::vector<std::string_view>& captures,
                  Match& out) const {
  if (i == segs.size()) {
    const Route* r = LookupMethod(node.routes, method);
    if (r == nullptr) return false;
    out.route = r;
    out.captures = captures;
    return true;
  }
  std::string_view seg = segs[i];
  if (auto it = node.literals.find(seg); it != node.literals.end()) {
    if (Find(*it->second, segs, i + 1, method, captures, out)) return true;
  }
  if (node.param && !seg.empty()) {
    captures.push_back(seg);
    if (Find(*node.param, segs, i + 1, method, captures, out)) return true;
    captures.pop_back();
  }
  if (const Route* r = LookupMethod(node.wildcard, method)) {
    out.route = r;
    out.captures = captures;
    out.wildcard = true;
    out.wildcard_start = i;
    return true;
  }
  return false;
}

void Router::CollectAllowed(const Node& node, const std::vector<std::string_view>& segs, size_t i,
                            std::vector<std::string>& allowed) const {
  if (i == segs.size()) {
    for (const auto& [m, r] : node.routes) allowed.push_back(m);
    return;
  }
  std::string_view seg = segs[i];
  if (auto it = node.literals.find(seg); it != node.literals.end()) {
    CollectAllowed(*it->second, segs, i + 1, allowed);
  }
  if (node.param && !seg.empty()) CollectAllowed(*node.param, segs, i + 1, allowed);
  for (const auto& [m, r] : node.wildcard) allowed.push_back(m);
}

void Router::Serve(Request& request, Response& response) const {
  const Route* route = Resolve(request, response);
  if (route == nullptr) return;
  if (route->handler) {
    route->handler(request, response);
    return;
  }
  std::promise<std::function<void(Response&)>> filled;
  auto fill = filled.get_future();
  route->async_handler(
      request, [&filled](std::function<void(Response&)> f) { filled.set_value(std::move(f)); });
  if (auto f = fill.get()) f(response);
}

void Router::ServeAsync(Request& request, Response& response, Completion complete) const {
  const Route* route = Resolve(request, response);
  if (route == nullptr) {
    complete(nullptr);
    return;
  }
  if (route->handler) {
    route->handler(request, response);
    complete(nullptr);
    return;
  }
  route->async_handler(request, std::move(complete));
}

const Router::Route* Router::Resolve(Request& request, Response& response) const {
  // Decode segment by segment so that an encoded '/' stays inside its segment.
  std::string raw_path;
  if (!request.target.empty()) {
    auto parsed = ParseRequestTarget(request.target);
    if (!parsed.ok()) {
      RenderError(400, response);
      return nullptr;
    }
    raw_path = std::move(parsed->raw_path);
  } else {
    raw_path = request.path;
  }
  std::vector<std::string> decoded;
  for (std::string_view seg : SplitPath(raw_path)) {
    auto d = PercentDecode(seg);
    if (!d.ok()) {
      RenderError(400, response);
      return nullptr;
    }
    decoded.push_back(std::move(d).value());
  }
  std::vector<std::string_view> segs(decoded.begin(), decoded.end());

  Match match;
  std::vector<std::string_view> captures;
  if (!Find(*root_, segs, 0, request.method, captures, match)) {
    std::vector<std::string> allowed;
    CollectAllowed(*root_, segs, 0, allowed);
    if (allowed.empty()) {
      RenderError(404, response);
      return nullptr;
    }
    std::set<std::string> methods(allowed.begin(), allowed.end());
    if (methods.contains("GET")) methods.insert("HEAD");
    RenderError(405, response);
    response.SetHeader("Allow",
                       Join(std::vector<std::string>(methods.begin(), methods.end()), ", "));
    return nullptr;
  }
  request.path_params.clear();
  for (size_t k = 0; k < match.captures.size() && k < match.route->param_names.size(); ++k) {
    request.path_params[match.route->param_names[k]] = std::string(match.captures[k]);
  }
  if (match.wildcard) {
    std::vector<std::string> rest(decoded.begin() + static_cast<long>(match.wildcard_start),
                                  decoded.end());
    request.path_params["*"] = Join(rest, "/");
  }
  request.route = match.route->pattern;
  return match.route;
}

}  // namespace cairn::http
