#include "base/terminal.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "base/file.h"

namespace cairn {
namespace {

constexpr size_t kMaxLine = 4096;

Result<std::string> ReadTty(std::string_view prompt, bool echo) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return FailedPreconditionError("no terminal to prompt on; use a password file or flag");
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old{};
  bool restore = false;
  if (!echo && ::tcgetattr(fd, &old) == 0) {
    termios t = old;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(fd, TCSAFLUSH, &t) == 0;
  }
  std::string line;
  char c;
  while (line.size() < kMaxLine) {
    ssize_t n = ::read(fd, &c, 1);
    if (n <= 0 || c == '\n') break;
    if (c != '\r') line.push_back(c);
  }
  if (restore) {
    ::tcsetattr(fd, TCSAFLUSH, &old);
    (void)!::write(fd, "\n", 1);
  }
  ::close(fd);
  return line;
}

}  // namespace

bool StdinIsTerminal() { return ::isatty(0) == 1; }

Result<std::string> ReadPassword(std::string_view prompt) { return ReadTty(prompt, false); }

Result<std::string> ReadLine(std::string_view prompt) { return ReadTty(prompt, true); }

Result<std::string> ReadPasswordFile(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string content, ReadFile(path, 64 * 1024));
  size_t nl = content.find_first_of("\r\n");
  if (nl != std::string::npos) content.resize(nl);
  return content;
}

}  // namespace cairn
