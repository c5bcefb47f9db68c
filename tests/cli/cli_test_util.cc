#include "cli/cli_test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.h"

namespace cairn::cli::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-cli-XXXXXX").string();
  char* p = ::mkdtemp(tmpl.data());
  EXPECT_NE(p, nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_data) {
  return RunCliWith(
      [](CLI::App& app, RunState& state) {
        RegisterPathCommand(app, state);
        CLI::App* ca = app.add_subcommand("ca", "initialize and use a certificate authority");
        ca->require_subcommand(1);
        RegisterCaInitCommand(*ca, state);
        RegisterCaProvisionerCommands(*ca, state);
        RegisterCertificateCommands(app, state);
        RegisterCryptoCommands(app, state);
      },
      args, stdin_data);
}

CliResult RunCliWith(const std::function<void(CLI::App&, RunState&)>& register_commands,
                     const std::vector<std::string>& args, const std::string& stdin_data) {
  CLI::App app{"cairn", "cairn"};
  app.require_subcommand(1);
  RunState state;
  register_commands(app, state);

  std::vector<std::string> argv_storage = {"cairn"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());

  // Standard input comes from a file holding `stdin_data`.
  std::string stdin_path =
      (std::filesystem::temp_directory_path() / ("cairn-stdin-" + std::to_string(::getpid())))
          .string();
  {
    std::ofstream f(stdin_path, std::ios::binary | std::ios::trunc);
    f << stdin_data;
  }
  int saved_stdin = ::dup(0);
  int in_fd = ::open(stdin_path.c_str(), O_RDONLY);
  ::dup2(in_fd, 0);
  ::close(in_fd);
  std::clearerr(stdin);

  CliResult result;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    result.status = state.status;
  } catch (const CLI::ParseError& e) {
    result.status = InvalidArgumentError(std::string("parse error: ") + e.what());
  }
  std::fflush(stdout);
  std::fflush(stderr);
  result.out = ::testing::internal::GetCapturedStdout();
  result.err = ::testing::internal::GetCapturedStderr();

  ::dup2(saved_stdin, 0);
  ::close(saved_stdin);
  std::clearerr(stdin);
  std::remove(stdin_path.c_str());
  return result;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  f.close();
  ::chmod(path.c_str(), 0600);
}

int Mode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

int Shell(const std::string& command) {
  int rc = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool HasTerminal() {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

nlohmann::ordered_json ParseJsonFile(const std::string& path) {
  return nlohmann::ordered_json::parse(ReadAll(path));
}

std::vector<std::string> Keys(const nlohmann::ordered_json& j) {
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  return keys;
}

}  // namespace cairn::cli::testing
