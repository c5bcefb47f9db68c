#include "client/truststore.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "cli/cli_test_util.h"
#include "pki/certificate.h"
#include "testing/fakes.h"

namespace cairn::client {
namespace {

using cli::testing::CliResult;
using cli::testing::Exists;
using cli::testing::ReadAll;
using cli::testing::RunCli;
using cli::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Every test redirects the store to a temporary directory: the machine's store is never
// touched.
class TrustStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = dir_.Join("store");
    ASSERT_EQ(::mkdir(store_.c_str(), 0755), 0);
    ::setenv("CAIRN_TRUST_DIR", store_.c_str(), 1);
    ::unsetenv("CAIRN_TRUST_UPDATE_COMMAND");
    ASSERT_TRUE(RunCli({"certificate", "create", "My Root CA", P("root.crt"), P("root.key"),
                        "--profile", "root-ca", "--no-password", "--insecure"})
                    .status.ok());
    ASSERT_TRUE(RunCli({"certificate", "create", "leaf", P("leaf.crt"), P("leaf.key"), "--ca",
                        P("root.crt"), "--ca-key", P("root.key"), "--no-password", "--insecure"})
                    .status.ok());
    auto root = pki::Certificate::FromPem(ReadAll(P("root.crt")));
    ASSERT_TRUE(root.ok());
    root_ = std::make_unique<pki::Certificate>(*root);
  }
  void TearDown() override {
    ::unsetenv("CAIRN_TRUST_DIR");
    ::unsetenv("CAIRN_TRUST_UPDATE_COMMAND");
  }
  std::string P(const std::string& name) const { return dir_.Join(name); }

  TempDir dir_;
  std::string store_;
  std::unique_ptr<pki::Certificate> root_;
};

TEST_F(TrustStoreTest, FileNameIsPrefixAndSerial) {
  EXPECT_EQ(TrustStoreFilePath(*root_), store_ + "/My_Root_CA_" + root_->serial_decimal() + ".crt");
  EXPECT_EQ(TrustStoreFilePath(*root_, {.prefix = "corp "}),
            store_ + "/corp_" + root_->serial_decimal() + ".crt");
}

TEST_F(TrustStoreTest, InstallAndUninstallRoot) {
  CAIRN_ASSERT_OK(InstallRoot(*root_));
  std::string path = TrustStoreFilePath(*root_);
  EXPECT_EQ(ReadAll(path), root_->pem());
  EXPECT_EQ(cli::testing::Mode(path), 0644);
  EXPECT_TRUE(IsRootInstalled(*root_));
  CAIRN_ASSERT_OK(UninstallRoot(*root_));
  EXPECT_FALSE(Exists(path));
  EXPECT_FALSE(IsRootInstalled(*root_));
  CAIRN_EXPECT_OK(UninstallRoot(*root_));  // absent: still fine
}

TEST_F(TrustStoreTest, UpdateCommandRunsAndItsFailureIsReported) {
  std::string marker = P("ran");
  ::setenv("CAIRN_TRUST_UPDATE_COMMAND", ("touch " + marker).c_str(), 1);
  CAIRN_ASSERT_OK(InstallRoot(*root_));
  EXPECT_TRUE(Exists(marker));
  ::setenv("CAIRN_TRUST_UPDATE_COMMAND", "false", 1);
  Status s = UninstallRoot(*root_);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("failed to execute \"false\""));
}

TEST_F(TrustStoreTest, MissingStoreDirectory) {
  ::setenv("CAIRN_TRUST_DIR", P("does-not-exist").c_str(), 1);
  Status s = InstallRoot(*root_);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("install is not supported on this system"));
}

TEST_F(TrustStoreTest, CertificateInstallCommand) {
  CliResult r = RunCli({"certificate", "install", P("root.crt")});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.out, StartsWith("Certificate " + P("root.crt") +
                                " has been installed.\nX.509v3 Root CA Certificate"));
  EXPECT_TRUE(IsRootInstalled(*root_));
  r = RunCli({"certificate", "uninstall", P("root.crt")});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.out, StartsWith("Certificate " + P("root.crt") + " has been removed.\n"));
  EXPECT_FALSE(IsRootInstalled(*root_));

  EXPECT_THAT(RunCli({"certificate", "install", P("leaf.crt")}).status.message(),
              HasSubstr("is not a root CA"));
  EXPECT_THAT(RunCli({"certificate", "install", P("root.crt"), "--java"}).status.message(),
              HasSubstr("'--java'"));
  r = RunCli({"certificate", "install", P("root.crt"), "--prefix", "Acme "});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(Exists(store_ + "/Acme_" + root_->serial_decimal() + ".crt"));
}

}  // namespace
}  // namespace cairn::client
