// `cairn ca provisioner list` against a running cairn-ca (in process, on 127.0.0.1:0).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "base/log.h"
#include "cli/cli_test_util.h"
#include "server/ca_server.h"
#include "testing/fakes.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Keys;
using testing::RunCli;
using testing::TempDir;

class NullLogger final : public Logger {
 public:
  void Log(LogLevel, std::string_view, const nlohmann::json&) override {}
};

TEST(ProvisionerListTest, ListsWhatTheRunningCaServes) {
  TempDir dir;
  std::string home = dir.Join("home");
  ::setenv("STEPPATH", home.c_str(), 1);
  std::string pass = dir.Join("pass.txt");
  testing::WriteAll(pass, "list-pass\n");
  ASSERT_TRUE(RunCli({"ca", "init", "--name", "List", "--dns", "127.0.0.1", "--address",
                      "127.0.0.1:0", "--provisioner", "admin", "--password-file", pass})
                  .status.ok());
  ASSERT_TRUE(RunCli({"ca", "provisioner", "add", "second", "--create", "--password-file", pass})
                  .status.ok());

  NullLogger log;
  server::CaServer::Options options;
  options.config_path = home + "/config/ca.json";
  options.home = home;
  options.password = "list-pass";
  options.address_override = "127.0.0.1:0";
  options.log = &log;
  CAIRN_ASSERT_OK_AND_ASSIGN(std::unique_ptr<server::CaServer> ca,
                             server::CaServer::Create(options));
  CAIRN_ASSERT_OK(ca->Start());
  std::string url = "https://127.0.0.1:" + std::to_string(ca->port());

  CliResult r = RunCli({"ca", "provisioner", "list", "--ca-url", url});
  ca->Stop(std::chrono::seconds(1));
  ::unsetenv("STEPPATH");
  ASSERT_TRUE(r.status.ok()) << r.status;
  nlohmann::ordered_json list = nlohmann::ordered_json::parse(r.out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "admin");
  EXPECT_EQ(list[1]["name"], "second");
  EXPECT_THAT(Keys(list[0]), ElementsAre("type", "name", "key", "encryptedKey"));
  EXPECT_THAT(Keys(list[0]["key"]), ElementsAre("use", "kty", "kid", "crv", "alg", "x", "y"));
  EXPECT_THAT(Keys(list[1]),
              ElementsAre("type", "name", "key", "encryptedKey", "claims", "options"));
  // step indents the list with three spaces.
  EXPECT_THAT(r.out, HasSubstr("[\n   {\n      \"type\": \"JWK\",\n"));
}

}  // namespace
}  // namespace cairn::cli
