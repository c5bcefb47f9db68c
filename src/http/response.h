#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cairn::http {

// HttpDate renders `t` as an HTTP date (RFC 9110 §5.6.7 IMF-fixdate, RFC 1123 style): "Sun, 22
// Nov 2026 16:00:00 GMT". Thread-safe.
std::string HttpDate(std::chrono::system_clock::time_point t);

// Response is what a handler fills in. The server adds X-Request-Id, Date and Content-Length,
// decides keep-alive, and drops the body of a HEAD response (keeping its Content-Length).
// Header names and values containing CR, LF or NUL are dropped by the server (header injection).
// Thread-compatible.
struct Response {
  // status is the HTTP status code.
  int status = 200;
  // headers are the response header fields, in order. Use SetHeader/AddHeader.
  std::vector<std::pair<std::string, std::string>> headers;
  // body is the response body.
  std::string body;
  // log_fields are extra fields handlers attach to the request log entry (e.g. "provisioner",
  // "serial", "error"); the access log merges them over the standard fields. Never put secrets
  // here. Always a JSON object.
  nlohmann::json log_fields = nlohmann::json::object();

  // SetJson sets the status, "Content-Type: application/json" and the body to `value`
  // serialized compactly with a trailing newline (as Go's json.Encoder does). Invalid UTF-8 in
  // strings is replaced by U+FFFD rather than throwing.
  void SetJson(int status_code, const nlohmann::json& value);
  // SetBody sets the status, the Content-Type and the body.
  void SetBody(int status_code, std::string_view content_type, std::string content);
  // SetHeader replaces every header named `name` (case-insensitively) by one.
  void SetHeader(std::string name, std::string value);
  // AddHeader appends a header, keeping earlier ones of the same name.
  void AddHeader(std::string name, std::string value);
  // RemoveHeader drops every header named `name`.
  void RemoveHeader(std::string_view name);
  // GetHeader returns the value of the first header named `name`, or "".
  std::string_view GetHeader(std::string_view name) const;
};

// HttpStatusForCode maps a StatusCode onto the HTTP status a server answers with: kOk 200,
// kInvalidArgument 400, kUnauthenticated 401, kPermissionDenied 403, kNotFound 404,
// kAlreadyExists 409, kAborted 409, kFailedPrecondition 400, kResourceExhausted 413, kUnavailable
// 503, kUnimplemented 501, kInternal 500, kDeadlineExceeded 504. This is the only place the mapping
// lives.
int HttpStatusForCode(StatusCode code);

// StatusCodeForHttpStatus is the inverse a client uses for an error answer: 400
// kInvalidArgument, 401 kUnauthenticated, 403 kPermissionDenied, 404 kNotFound, 409
// kAlreadyExists, 413/429 kResourceExhausted, 501 kUnimplemented, 503 kUnavailable, 504
// kDeadlineExceeded, other 5xx kInternal, other statuses kFailedPrecondition.
StatusCode StatusCodeForHttpStatus(int status);

// StatusText returns the standard reason phrase of an HTTP status as Go's http.StatusText does
// ("Not Found", "Request Entity Too Large", ...), or "" for an unknown code.
std::string_view StatusText(int status);

}  // namespace cairn::http
