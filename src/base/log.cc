#include "base/log.h"

#include "base/clock.h"
#include "base/duration.h"

namespace cairn {

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void StreamLogger::Log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  if (level < min_level_) return;
  std::string line;
  const std::string now = FormatRfc3339Nano(SystemClock::Default().Now());
  if (format_ == Format::kJson) {
    nlohmann::json j = nlohmann::json::object();
    j["time"] = now;
    j["level"] = LogLevelName(level);
    j["msg"] = message;
    if (fields.is_object()) {
      for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
    }
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    // Appended piece by piece: every request logs a line of some twenty fields.
    line.reserve(512);
    line += now;
    line += ' ';
    line += LogLevelName(level);
    line += ' ';
    line += message;
    if (fields.is_object()) {
      for (auto it = fields.begin(); it != fields.end(); ++it) {
        line += ' ';
        line += it.key();
        line += '=';
        if (it.value().is_string()) {
          line += it.value().get_ref<const std::string&>();
        } else {
          line += it.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
      }
    }
  }
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace cairn
