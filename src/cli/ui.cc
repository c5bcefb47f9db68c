#include "cli/ui.h"

#include <cstdio>

#include "base/file.h"
#include "base/terminal.h"
#include "crypto/random.h"

namespace cairn::cli {

void PrintSelected(std::string_view name, std::string_view value) {
  std::fprintf(stderr, "\xE2\x9C\x94 %.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(value.size()), value.data());
}

void Info(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

Result<std::string> PromptPassword(std::string_view prompt) {
  return ReadPassword(std::string(prompt));
}

Result<std::string> PromptNewPassword(std::string_view prompt, bool allow_generate) {
  CAIRN_ASSIGN_OR_RETURN(std::string pw, ReadPassword(std::string(prompt)));
  if (pw.empty() && allow_generate) {
    CAIRN_ASSIGN_OR_RETURN(pw, crypto::OsslRandom::Default().Alphanumeric(32));
    PrintSelected("Password", pw);
  }
  if (pw.empty()) return InvalidArgumentError("the password cannot be empty");
  return pw;
}

Result<std::string> PromptLine(std::string_view prompt, std::string_view default_value) {
  CAIRN_ASSIGN_OR_RETURN(std::string line, ReadLine(std::string(prompt)));
  if (line.empty()) return std::string(default_value);
  return line;
}

Result<size_t> Select(std::string_view prompt, const std::vector<std::string>& items) {
  if (items.empty()) return NotFoundError("nothing to choose from");
  if (items.size() == 1) return size_t{0};
  std::string menu(prompt);
  menu += "\n";
  for (size_t i = 0; i < items.size(); ++i) {
    menu += "  " + std::to_string(i + 1) + ") " + items[i] + "\n";
  }
  menu += "Enter a number [1-" + std::to_string(items.size()) + "]: ";
  for (int tries = 0; tries < 3; ++tries) {
    CAIRN_ASSIGN_OR_RETURN(std::string line, ReadLine(menu));
    char* end = nullptr;
    long n = std::strtol(line.c_str(), &end, 10);
    if (end != nullptr && *end == '\0' && n >= 1 && n <= static_cast<long>(items.size())) {
      return static_cast<size_t>(n - 1);
    }
  }
  return InvalidArgumentError("no valid choice made");
}

Status ConfirmOverwrite(const std::string& path, bool force) {
  if (force || !FileExists(path)) return Status();
  auto answer = ReadLine("Would you like to overwrite " + path + " [y/n]: ");
  if (!answer.ok()) {
    return FailedPreconditionError(path + " already exists; use --force to overwrite it");
  }
  if (*answer == "y" || *answer == "Y" || *answer == "yes") return Status();
  return FailedPreconditionError("not overwriting " + path);
}

Result<std::string> PasswordFromFileOrPrompt(const std::string& file, std::string_view prompt) {
  if (!file.empty()) return ReadPasswordFile(file);
  return PromptPassword(prompt);
}

Status WriteOutputFile(const std::string& path, std::string_view data, bool secret, bool force) {
  CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(path, force));
  return WriteFileAtomic(path, data, secret ? 0600 : 0644);
}

}  // namespace cairn::cli
