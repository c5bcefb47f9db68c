#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace cairn::http {

// Handler serves one request. Handlers are synchronous and may block; they run on the server's
// I/O threads and must be thread-safe (many requests run at once). A handler that throws gets a
// 500 from the server, which goes on serving.
using Handler = std::function<void(Request&, Response&)>;

// Completion finishes an asynchronous request (see AsyncHandler): call it exactly once, from
// any thread, with a function that fills the response. The server runs that function on the
// connection's own I/O thread, then writes the response.
using Completion = std::function<void(std::function<void(Response&)> fill)>;

// AsyncHandler serves a request whose answer comes later, typically from another thread (the
// store's writer, once a record is durable), so that no I/O thread waits. It must call
// `complete` exactly once. `request` stays valid until then. A handler that throws before
// calling `complete` gets a 500, as a Handler does.
using AsyncHandler = std::function<void(Request& request, Completion complete)>;

// ErrorRenderer fills `response` for an error the transport or the router produces by itself:
// 400 (malformed request), 404 (no route), 405 (wrong method), 413 (body too large), 431
// (headers too large), 500 (handler threw). It must set at least the body and content type;
// the status is preset. The api layer renders step-ca's {"status":404,"message":"..."} JSON.
using ErrorRenderer = std::function<void(int status, Response& response)>;

// Router maps (method, path) to a Handler. A pattern is a '/'-separated path whose segments are
// literals or "{name}" (one whole segment, captured into Request::path_params[name]), with an
// optional trailing "*" segment that matches one or more remaining segments (captured into
// path_params["*"]). Literal segments win over "{name}" segments, which win over "*".
// Matching is on the raw (encoded) path split at '/', each segment then percent-decoded, so
// "%2F" inside a segment does not split it. Trailing slashes are significant ("/a/" != "/a").
//
// GET routes also answer HEAD (same handler; the server drops the body). A path that matches
// no route is a 404; a path that matches routes of other methods only is a 405 with an Allow
// header. Both are rendered through the error renderer.
//
// Thread-safety: configure (Handle, SetErrorRenderer) before serving; Serve and RenderError
// are const and safe to call concurrently afterwards.
class Router {
 public:
  // Router starts with a plain-text error renderer ("404 page not found\n").
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Handle registers `handler` for `method` (upper case, e.g. "GET") on `pattern` (e.g.
  // "/1.0/sign", "/root/{sha}", "/assets/*"). Registering the same method and pattern again
  // replaces the handler. A malformed pattern (not starting with '/', "*" not last, an empty
  // "{}") is a programming error and aborts (CAIRN_CHECK).
  void Handle(std::string method, std::string_view pattern, Handler handler);
  // HandleAsync registers an asynchronous handler, as Handle does a synchronous one.
  void HandleAsync(std::string method, std::string_view pattern, AsyncHandler handler);

  // SetErrorRenderer replaces the renderer used for transport and routing errors.
  void SetErrorRenderer(ErrorRenderer renderer);

  // RenderError resets `response` (status, headers, body) and renders `status` through the
  // error renderer. log_fields are kept.
  void RenderError(int status, Response& response) const;

  // Serve routes `request` (method and target; `path` is used when `target` is empty), fills
  // request.path_params and runs the handler, or renders 400/404/405. Exceptions from the
  // handler propagate to the caller (the server turns them into 500).
  // For an asynchronous route, Serve waits for its completion and fills `response` on the
  // calling thread.
  void Serve(Request& request, Response& response) const;

  // ServeAsync routes like Serve. A synchronous route (or a 400/404/405) fills `response` and
  // calls `complete` before returning; an asynchronous one calls `complete` when it is done.
  // `complete` is called exactly once unless an exception propagates (then never).
  void ServeAsync(Request& request, Response& response, Completion complete) const;

 private:
  struct Route;
  struct Node;
  struct Match;
  void Register(std::string method, std::string_view pattern, Handler handler,
                AsyncHandler async_handler);
  // Route finds the route of `request` and fills its path parameters; on a routing error it
  // renders the 400/404/405 into `response` and returns null.
  const Route* Resolve(Request& request, Response& response) const;
  bool Find(const Node& node, const std::vector<std::string_view>& segs, size_t i,
            std::string_view method, std::vector<std::string_view>& captures, Match& out) const;
  void CollectAllowed(const Node& node, const std::vector<std::string_view>& segs, size_t i,
                      std::vector<std::string>& allowed) const;

  std::unique_ptr<Node> root_;
  ErrorRenderer renderer_;
};

}  // namespace cairn::http
