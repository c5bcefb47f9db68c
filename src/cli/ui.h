#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cairn::cli {

// The CLI speaks like step: progress lines on stderr ("✔ Provisioner: admin (JWK) [kid: …]"),
// results (certificates, tokens, JSON) on stdout, one clear error line and exit 1 on failure.

// PrintSelected prints "✔ <name>: <value>" on stderr.
void PrintSelected(std::string_view name, std::string_view value);
// Info prints a line on stderr.
void Info(std::string_view line);

// Commands return Status; main prints its message alone on stderr (as step does) and exits 1.

// PromptPassword asks on the terminal ("Please enter the password to decrypt …: ").
Result<std::string> PromptPassword(std::string_view prompt);
// PromptNewPassword asks for a new password once, as step does; with `allow_generate` an empty
// answer makes a random password, which is printed so the user can keep it.
Result<std::string> PromptNewPassword(std::string_view prompt, bool allow_generate);
// PromptLine asks for one line of text; `default_value` is returned for an empty answer.
Result<std::string> PromptLine(std::string_view prompt, std::string_view default_value = "");
// Select asks the user to pick one of `items` (by number, like step's arrow-key list); with a
// single item it returns 0 without asking. Fails without a terminal.
Result<size_t> Select(std::string_view prompt, const std::vector<std::string>& items);
// ConfirmOverwrite asks "Would you like to overwrite <path> [y/n]: " when `path` exists and
// `force` is false. kFailedPrecondition when the user says no or there is no terminal.
Status ConfirmOverwrite(const std::string& path, bool force);

// PasswordFromFileOrPrompt returns the first line of `file` when given, else asks.
Result<std::string> PasswordFromFileOrPrompt(const std::string& file, std::string_view prompt);

// WriteOutputFile writes `data` to `path` (0600 when `secret`), after ConfirmOverwrite.
Status WriteOutputFile(const std::string& path, std::string_view data, bool secret, bool force);

}  // namespace cairn::cli
