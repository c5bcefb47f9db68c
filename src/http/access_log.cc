#include "http/access_log.h"

#include <algorithm>
#include <string>

#include "base/duration.h"

namespace cairn::http {
namespace {

std::string Sanitize(std::string_view s) {
  std::string out(s);
  std::erase_if(out, [](char c) { return c == '\r' || c == '\n'; });
  return out;
}

}  // namespace

nlohmann::json RequestLogEntry(const Request& request, const Response& response, Duration elapsed,
                               Time start, std::string_view name) {
  nlohmann::json fields = {
      {"request-id", request.request_id},
      {"remote-address", request.remote_address},
      {"name", std::string(name)},
      {"user-id", ""},
      {"time", FormatRfc3339(start)},
      {"duration-ns", static_cast<int64_t>(elapsed.count())},
      {"duration", FormatGoDuration(elapsed)},
      {"method", request.method},
      {"path", Sanitize(request.target)},
      {"protocol", request.version == 10 ? "HTTP/1.0" : "HTTP/1.1"},
      {"status", response.status},
      {"size", response.body.size()},
      {"referer", Sanitize(request.Header("Referer"))},
      {"user-agent", Sanitize(request.Header("User-Agent"))},
  };
  if (response.log_fields.is_object()) {
    for (auto it = response.log_fields.begin(); it != response.log_fields.end(); ++it) {
      fields[it.key()] = it.value();
    }
  }
  return fields;
}

LogLevel RequestLogLevel(int status) {
  if (status < 400) return LogLevel::kInfo;
  if (status < 500) return LogLevel::kWarn;
  return LogLevel::kError;
}

}  // namespace cairn::http
