#pragma once

// Running the tools commands in-process, as `cairn` would run them: a CLI::App with the
// commands registered, argv parsed, standard output and error captured, standard input fed
// from a string, and the Cairn home in a temporary directory (STEPPATH).

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/cli.h"

namespace cairn::cli::testing {

// TempDir is a fresh directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Join returns path()/name.
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// CliResult is what one command did.
struct CliResult {
  Status status;
  std::string out;  // standard output
  std::string err;  // standard error
};

// RunCli parses `args` (without the program name) with the tools commands registered and
// runs the selected command. A CLI11 parse error becomes a kInvalidArgument status.
CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_data = "");

// RunCliWith is RunCli with the commands `register_commands` adds instead of the tools.
CliResult RunCliWith(const std::function<void(CLI::App&, RunState&)>& register_commands,
                     const std::vector<std::string>& args, const std::string& stdin_data = "");

// ReadAll returns the content of `path` ("" if it cannot be read).
std::string ReadAll(const std::string& path);
// WriteAll writes `data` to `path` (mode 0600).
void WriteAll(const std::string& path, const std::string& data);
// Mode returns the permission bits of `path`, or -1.
int Mode(const std::string& path);
// Exists reports whether `path` exists.
bool Exists(const std::string& path);
// Shell runs `command` with /bin/sh and returns its exit status (stdout/stderr discarded).
int Shell(const std::string& command);
// HasTerminal reports whether this process can open /dev/tty: commands would then prompt
// (and wait) instead of failing, so tests of "no terminal" behaviour skip themselves.
bool HasTerminal();
// ParseJsonFile parses `path` as JSON (member order kept).
nlohmann::ordered_json ParseJsonFile(const std::string& path);
// Keys returns the member names of a JSON object, in order.
std::vector<std::string> Keys(const nlohmann::ordered_json& j);

}  // namespace cairn::cli::testing
