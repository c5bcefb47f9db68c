#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/clock.h"
#include "base/log.h"
#include "http/request.h"
#include "http/response.h"

namespace cairn::http {

// RequestLogEntry builds step-ca's request log fields for one request (logging/handler.go):
// "request-id", "remote-address", "name", "user-id" (""), "time" (RFC 3339 of `start`),
// "duration-ns", "duration" (Go duration string), "method", "path" (the raw request target),
// "protocol" ("HTTP/1.1"), "status", "size" (response body bytes), "referer", "user-agent"
// (CR and LF removed), then response.log_fields merged over them. Pure; thread-safe.
nlohmann::json RequestLogEntry(const Request& request, const Response& response, Duration elapsed,
                               Time start, std::string_view name = "ca");

// RequestLogLevel is step-ca's level for a status: info below 400, warn below 500, else error.
LogLevel RequestLogLevel(int status);

}  // namespace cairn::http
