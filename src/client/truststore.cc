#include "client/truststore.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/file.h"
#include "base/strings.h"

extern char** environ;

namespace cairn::client {
namespace {

// kMaxCommandOutput bounds the output of the update command kept for an error message.
constexpr size_t kMaxCommandOutput = 8192;

std::string GetEnv(const char* name, bool* set = nullptr) {
  const char* v = std::getenv(name);
  if (set != nullptr) *set = v != nullptr;
  return v == nullptr ? std::string() : std::string(v);
}

std::string StoreDirectory(const TrustStoreOptions& options) {
  if (!options.directory.empty()) return options.directory;
  std::string dir = GetEnv("CAIRN_TRUST_DIR");
  return dir.empty() ? std::string(kDefaultTrustDir) : dir;
}

std::vector<std::string> UpdateCommand(const TrustStoreOptions& options) {
  if (!options.use_default_command) return options.update_command;
  bool cmd_set = false;
  std::string cmd = GetEnv("CAIRN_TRUST_UPDATE_COMMAND", &cmd_set);
  if (cmd_set) {
    std::vector<std::string> argv;
    for (std::string& part : Split(cmd, ' ')) {
      if (!part.empty()) argv.push_back(std::move(part));
    }
    return argv;
  }
  // A redirected store (tests, containers) must not rebuild the machine's bundle.
  if (!GetEnv("CAIRN_TRUST_DIR").empty() || !options.directory.empty()) return {};
  return {"update-ca-certificates"};
}

// RunCommand runs argv (no shell) and waits for it; its stdout and stderr are collected for
// the error message.
Status RunCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) return Status();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  std::string command = Join(argv, " ");
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return InternalError("failed to execute \"" + command + "\": " + std::strerror(rc));
  }
  std::string output;
  char buf[1024];
  while (true) {
    ssize_t n = ::read(pipe_fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < kMaxCommandOutput) {
      output.append(buf, std::min(static_cast<size_t>(n), kMaxCommandOutput - output.size()));
    }
  }
  ::close(pipe_fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return InternalError(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return Status();
  std::string why = WIFEXITED(wstatus) ? "exit status " + std::to_string(WEXITSTATUS(wstatus))
                                       : "terminated by a signal";
  std::string msg = "failed to execute \"" + command + "\" failed with: " + why;
  std::string_view out = Trim(output);
  if (!out.empty()) msg += "\n\n" + std::string(out);
  return InternalError(msg);
}

Status CheckStoreDirectory(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFoundError("install is not supported on this system: " + dir +
                         " does not exist (set CAIRN_TRUST_DIR to use another directory)");
  }
  return Status();
}

Status MapWriteError(const Status& s, const std::string& path) {
  if (s.ok()) return s;
  if (::access(std::string(path.substr(0, path.rfind('/'))).c_str(), W_OK) != 0) {
    return PermissionDeniedError("cannot write " + path + ": " + s.message() +
                                 " (installing a root in the system store needs root privileges)");
  }
  return s;
}

}  // namespace

std::string TrustStoreFilePath(const pki::Certificate& cert, const TrustStoreOptions& options) {
  std::string prefix = options.prefix;
  if (prefix.empty()) {
    const std::string& cn = cert.subject().common_name;
    prefix = cn.empty() ? "Cairn Development CA " : cn + " ";
  }
  std::string name = prefix + cert.serial_decimal();
  for (char& c : name) {
    if (c == ' ') c = '_';
    if (c == '/') c = '_';  // never leave the store directory
  }
  return JoinPath(StoreDirectory(options), name + ".crt");
}

Status InstallRoot(const pki::Certificate& cert, const TrustStoreOptions& options) {
  if (!cert.is_ca()) return FailedPreconditionError("certificate is not a CA certificate");
  std::string dir = StoreDirectory(options);
  CAIRN_RETURN_IF_ERROR(CheckStoreDirectory(dir));
  std::string path = TrustStoreFilePath(cert, options);
  CAIRN_RETURN_IF_ERROR(MapWriteError(WriteFileAtomic(path, cert.pem(), 0644), path));
  return RunCommand(UpdateCommand(options));
}

Status UninstallRoot(const pki::Certificate& cert, const TrustStoreOptions& options) {
  if (!cert.is_ca()) return FailedPreconditionError("certificate is not a CA certificate");
  std::string dir = StoreDirectory(options);
  CAIRN_RETURN_IF_ERROR(CheckStoreDirectory(dir));
  std::string path = TrustStoreFilePath(cert, options);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    int err = errno;
    std::string msg = "remove " + path + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM) {
      return PermissionDeniedError(msg + " (the system store needs root privileges)");
    }
    return InternalError(msg);
  }
  return RunCommand(UpdateCommand(options));
}

bool IsRootInstalled(const pki::Certificate& cert, const TrustStoreOptions& options) {
  auto content = ReadFile(TrustStoreFilePath(cert, options), 1 << 20);
  return content.ok() && *content == cert.pem();
}

}  // namespace cairn::client
