#include "base/log.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/duration.h"
#include "testing/fakes.h"

namespace cairn {
namespace {

// Captured holds what a StreamLogger wrote to an in-memory stream.
class Captured {
 public:
  Captured() : out_(open_memstream(&buf_, &size_)) {}
  ~Captured() {
    if (out_ != nullptr) std::fclose(out_);
    std::free(buf_);
  }
  std::FILE* stream() { return out_; }
  std::string text() {
    std::fflush(out_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  std::FILE* out_;
};

const nlohmann::json kFields = {{"path", "/sign"},
                                {"status", 201},
                                {"sans", {{"dns", {"a.example"}}}},
                                {"referer", ""},
                                {"bad", std::string("x\xff", 2)}};

TEST(StreamLoggerTest, TextLineIsTimeLevelMessageThenSortedFields) {
  Captured out;
  StreamLogger log(StreamLogger::Format::kText, LogLevel::kInfo, out.stream());
  log.Info("hello", kFields);
  const std::string line = out.text();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  const size_t sp = line.find(' ');
  ASSERT_NE(sp, std::string::npos);
  EXPECT_TRUE(ParseRfc3339(line.substr(0, sp)).ok()) << line;
  // Strings as they are, anything else as JSON (invalid UTF-8 replaced), in key order.
  EXPECT_EQ(line.substr(sp),
            " info hello bad=x\xff path=/sign referer= "
            "sans={\"dns\":[\"a.example\"]} status=201\n");
}

TEST(StreamLoggerTest, JsonLineCarriesTimeLevelMessageAndFields) {
  Captured out;
  StreamLogger log(StreamLogger::Format::kJson, LogLevel::kInfo, out.stream());
  log.Warn("careful", kFields);
  const nlohmann::json j = nlohmann::json::parse(out.text());
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["msg"], "careful");
  EXPECT_EQ(j["status"], 201);
  EXPECT_EQ(j["sans"]["dns"][0], "a.example");
  EXPECT_EQ(j["bad"], "x\xef\xbf\xbd");  // U+FFFD for the invalid byte
  EXPECT_TRUE(ParseRfc3339(j["time"].get<std::string>()).ok());
}

TEST(StreamLoggerTest, BelowTheMinimumLevelWritesNothing) {
  Captured out;
  StreamLogger log(StreamLogger::Format::kText, LogLevel::kWarn, out.stream());
  log.Info("quiet", kFields);
  log.Debug("quieter");
  EXPECT_EQ(out.text(), "");
}

}  // namespace
}  // namespace cairn
