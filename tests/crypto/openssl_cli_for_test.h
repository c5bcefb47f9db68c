#pragma once

// Helpers for tests that check interoperability with the openssl command-line tool: a
// temporary directory removed at scope exit and a way to run a shell command. Test-only.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cairn::testing {

// TempDir creates a fresh directory under $TMPDIR (or /tmp) and removes it when destroyed.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/cairn-test-XXXXXX";
    char* made = mkdtemp(tmpl.data());
    if (made != nullptr) path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // File returns the path of `name` inside the directory.
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Write writes `data` to `name` inside the directory and returns its path.
  std::string Write(const std::string& name, const std::string& data) const {
    std::ofstream out(File(name), std::ios::binary);
    out << data;
    return File(name);
  }
  // Read returns the content of `name` inside the directory ("" if missing).
  std::string Read(const std::string& name) const {
    std::ifstream in(File(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string path_;
};

// CommandResult is the exit status and combined stdout/stderr of a shell command.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// RunCommand runs `cmd` with /bin/sh and captures its output (stderr included).
inline CommandResult RunCommand(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace cairn::testing
