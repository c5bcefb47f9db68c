#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "http/headers.h"

namespace cairn::http {

// Request is one HTTP request as the server hands it to a handler. The server fills every
// field before routing; the router fills `path_params`. Handlers may read and modify it (it is
// theirs for the duration of the call). Thread-compatible.
struct Request {
  // method is the request method as sent, e.g. "GET", "POST". For a HEAD request routed to a
  // GET handler it stays "HEAD".
  std::string method;
  // target is the raw request-target of the request line, e.g. "/1.0/sign?x=1".
  std::string target;
  // path is the percent-decoded path of `target`, without the query, e.g. "/1.0/sign".
  std::string path;
  // query is the raw (still encoded) query of `target` without the '?', or "".
  std::string query;
  // version is the HTTP version times ten: 11 for HTTP/1.1, 10 for HTTP/1.0.
  int version = 11;
  // headers are the request header fields, in order.
  Headers headers;
  // body is the whole request body (the server bounds it by ServerOptions::max_body_bytes).
  std::string body;
  // remote_address is the peer's IP address only (no port), e.g. "127.0.0.1" or "::1".
  std::string remote_address;
  // peer_chain_der is the client certificate chain as presented, leaf first, DER. It is filled
  // only on TLS connections whose handshake verified it against the configured client CA pool;
  // otherwise it is empty.
  std::vector<std::string> peer_chain_der;
  // tls is true when the request arrived over TLS.
  bool tls = false;
  // request_id is the id echoed as X-Request-Id: the client's X-Request-Id, else its legacy
  // trace header (X-Smallstep-Id), else a fresh UUIDv4.
  std::string request_id;
  // path_params holds the values of the route pattern's "{name}" segments (percent-decoded),
  // and "*" for the rest of the path matched by a trailing "*" (percent-decoded).
  std::map<std::string, std::string> path_params;
  // route is the pattern of the route that served the request (e.g. "/1.0/root/{sha}"), set by
  // the router; "" when no route matched. Metrics label requests with it, never with the path.
  std::string route;
  // host is the Host header ("" when absent).
  std::string host;
  // connection_id identifies the connection the request came on: a server-wide counter starting
  // at 1, so requests on one keep-alive connection share it.
  uint64_t connection_id = 0;

  // Header returns the first header field named `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const { return headers.Get(name); }
  // QueryParam returns the first value of the query parameter `name`, form-decoded ('+' is a
  // space, %XX escapes decoded), or "" when absent. Pairs with invalid escapes are skipped, as
  // Go's url.ParseQuery does.
  std::string QueryParam(std::string_view name) const;
  // HasQueryParam reports whether the query parameter `name` is present (even empty).
  bool HasQueryParam(std::string_view name) const;
  // PathParam returns path_params[name], or "" when absent.
  std::string PathParam(std::string_view name) const;
};

// ParsedTarget is a request-target split into its parts.
struct ParsedTarget {
  std::string raw_path;  // the path as sent, still encoded ("/a%2Fb")
  std::string path;      // percent-decoded ("/a/b")
  std::string query;     // raw query without '?'
};
// ValidHostHeader reports whether `host` is a Host header value Go's server accepts (httpguts
// rules: letters, digits and !$%&'()*+,-.:;=[]_~ only, empty allowed). Handlers build URLs
// from Host (ACME's directory, Location, Link), so one that could end them (a space, '<', '>',
// '"', '/', '?', '#', control characters) must never reach them. Pure; thread-safe.
bool ValidHostHeader(std::string_view host);

// ParseRequestTarget splits an HTTP request-target (origin-form "/a/b?q", absolute-form
// "https://host/a/b?q", or asterisk-form "*") into a decoded path and a raw query. Fails with
// kInvalidArgument on any other form or on a path with an invalid %-escape or an encoded NUL.
// Pure; thread-safe.
Result<ParsedTarget> ParseRequestTarget(std::string_view target);

// PercentDecode decodes %XX escapes; with `plus_as_space` '+' becomes ' ' (form encoding).
// Fails with kInvalidArgument on a malformed escape.
Result<std::string> PercentDecode(std::string_view s, bool plus_as_space = false);

// PathEscape percent-encodes `s` for use as one URL path segment, as Go's url.PathEscape:
// everything but letters, digits and "-._~$&+,:;=@" becomes %XX.
std::string PathEscape(std::string_view s);

// ParseQuery splits a raw query string into form-decoded (name, value) pairs, in order. Only '&'
// separates pairs (';' is an ordinary character, as in Go 1.17+); pairs with malformed escapes
// are skipped.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace cairn::http
