#include "config/home.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "base/file.h"

namespace cairn::config {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string UserHome() {
  std::string home = Env("HOME");
  if (!home.empty()) return home;
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* result = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result &&
      result->pw_dir) {
    return result->pw_dir;
  }
  return "";
}

}  // namespace

std::string CairnHome() {
  if (std::string p = Env("STEPPATH"); !p.empty()) return p;
  if (std::string p = Env("CAIRNPATH"); !p.empty()) return p;
  return JoinPath(UserHome(), ".cairn");
}

std::string HomeForConfig(const std::string& config_path) {
  if (std::string p = Env("STEPPATH"); !p.empty()) return p;
  if (std::string p = Env("CAIRNPATH"); !p.empty()) return p;
  std::string dir = config_path;
  size_t slash = dir.rfind('/');
  dir = slash == std::string::npos ? "." : dir.substr(0, slash);
  slash = dir.rfind('/');
  return slash == std::string::npos ? "." : dir.substr(0, slash);
}

std::string CaConfigPath(const std::string& home) { return JoinPath(home, "config/ca.json"); }
std::string DefaultsPath(const std::string& home) { return JoinPath(home, "config/defaults.json"); }
std::string DbDirectory(const std::string& home) { return JoinPath(home, "db"); }

}  // namespace cairn::config
