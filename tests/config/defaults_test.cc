#include "config/defaults.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/file.h"
#include "config/home.h"
#include "testing/fakes.h"

namespace cairn::config {
namespace {

using ::testing::HasSubstr;

std::string Testdata(const std::string& name) {
  return std::string(CAIRN_CONFIG_TESTDATA) + "/" + name;
}

TEST(DefaultsTest, LoadsWhatStepWrites) {
  auto d = LoadDefaults(Testdata("defaults.json"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->ca_url, "https://ca.example.com");
  EXPECT_EQ(d->ca_config, "/home/carl/.step/config/ca.json");
  EXPECT_EQ(d->fingerprint, "9dc35eef23a234b2520516a3169090d7ec2fc61323bdd6e4fde08bcfec5d0931");
  EXPECT_EQ(d->root, "/home/carl/.step/certs/root_ca.crt");
  EXPECT_TRUE(d->raw.contains("redirect-url"));
}

TEST(DefaultsTest, SaveUpdatesKnownKeysAndKeepsTheRest) {
  auto d = LoadDefaults(Testdata("defaults.json"));
  ASSERT_TRUE(d.ok());
  d->fingerprint = "00ff";
  d->root.clear();  // an empty typed field removes its key
  std::string tmpl = ::testing::TempDir() + "cairn_defaults_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string path = tmpl + "/defaults.json";
  CAIRN_ASSERT_OK(SaveDefaults(*d, path));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  auto back = LoadDefaults(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->fingerprint, "00ff");
  EXPECT_EQ(back->ca_url, "https://ca.example.com");
  EXPECT_FALSE(back->raw.contains("root"));
  EXPECT_TRUE(back->raw.contains("redirect-url"));
  // Key order is kept: ca-url, ca-config, fingerprint, redirect-url.
  std::vector<std::string> keys;
  for (auto it = back->raw.begin(); it != back->raw.end(); ++it) keys.push_back(it.key());
  EXPECT_THAT(keys, ::testing::ElementsAre("ca-url", "ca-config", "fingerprint", "redirect-url"));
  std::filesystem::remove_all(tmpl);
}

TEST(DefaultsTest, NewDefaultsSerializeInStepKeyOrder) {
  Defaults d;
  d.ca_url = "https://ca:9000";
  d.ca_config = "/s/config/ca.json";
  d.fingerprint = "ab";
  d.root = "/s/certs/root_ca.crt";
  EXPECT_EQ(SerializeDefaults(d),
            "{\n\t\"ca-url\": \"https://ca:9000\",\n\t\"ca-config\": \"/s/config/ca.json\",\n"
            "\t\"fingerprint\": \"ab\",\n\t\"root\": \"/s/certs/root_ca.crt\"\n}\n");
}

TEST(DefaultsTest, RejectsMalformedFiles) {
  EXPECT_THAT(ParseDefaults(R"({"ca-url": 443})", "d.json").status().message(),
              HasSubstr("d.json: ca-url must be a string"));
  EXPECT_EQ(ParseDefaults("[]", "d.json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDefaults("{", "d.json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadDefaults(Testdata("nope.json")).status().code(), StatusCode::kNotFound);
}

// ScopedEnv sets (or unsets, for nullptr) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

TEST(HomeTest, StepPathWinsThenCairnPathThenHome) {
  struct Case {
    const char* steppath;
    const char* cairnpath;
    const char* want;
  } cases[] = {
      {"/srv/step", "/srv/cairn", "/srv/step"}, {nullptr, "/srv/cairn", "/srv/cairn"},
      {"", "/srv/cairn", "/srv/cairn"},         {nullptr, nullptr, "/home/tester/.cairn"},
      {"", "", "/home/tester/.cairn"},
  };
  ScopedEnv home("HOME", "/home/tester");
  for (const auto& c : cases) {
    ScopedEnv s("STEPPATH", c.steppath);
    ScopedEnv p("CAIRNPATH", c.cairnpath);
    EXPECT_EQ(CairnHome(), c.want);
  }
}

TEST(HomeTest, LayoutPaths) {
  EXPECT_EQ(CaConfigPath("/srv/step"), "/srv/step/config/ca.json");
  EXPECT_EQ(DefaultsPath("/srv/step/"), "/srv/step/config/defaults.json");
  EXPECT_EQ(DbDirectory("/srv/step"), "/srv/step/db");
}

}  // namespace
}  // namespace cairn::config
