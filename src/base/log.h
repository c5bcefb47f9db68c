#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace cairn {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

// Logger writes one line per event. Fields are structured (a JSON object); the caller must
// never put a secret (a key, a password, a whole token) into them. Thread-safe.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, std::string_view message, const nlohmann::json& fields) = 0;

  void Debug(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
    Log(LogLevel::kDebug, m, f);
  }
  void Info(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
    Log(LogLevel::kInfo, m, f);
  }
  void Warn(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
    Log(LogLevel::kWarn, m, f);
  }
  void Error(std::string_view m, const nlohmann::json& f = nlohmann::json::object()) {
    Log(LogLevel::kError, m, f);
  }
};

// StreamLogger writes to a stdio stream (stderr by default). In JSON mode each line is a JSON
// object {"time","level","msg",...fields}; in text mode "time level msg key=value ...".
class StreamLogger final : public Logger {
 public:
  enum class Format { kText, kJson };
  explicit StreamLogger(Format format = Format::kJson, LogLevel min_level = LogLevel::kInfo,
                        std::FILE* out = stderr)
      : format_(format), min_level_(min_level), out_(out) {}

  void Log(LogLevel level, std::string_view message, const nlohmann::json& fields) override;
  void set_min_level(LogLevel level) { min_level_ = level; }

 private:
  Format format_;
  LogLevel min_level_;
  std::FILE* out_;
  std::mutex mu_;
};

// NullLogger drops everything.
class NullLogger final : public Logger {
 public:
  void Log(LogLevel, std::string_view, const nlohmann::json&) override {}
};

std::string_view LogLevelName(LogLevel level);

}  // namespace cairn
