#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn {

// IsTerminal reports whether standard input is a terminal.
bool StdinIsTerminal();

// ReadPassword prints `prompt` to the terminal (/dev/tty) and reads one line with echo off.
// Fails with kFailedPrecondition when there is no terminal (scripts must pass a password file).
Result<std::string> ReadPassword(std::string_view prompt);

// ReadLine prints `prompt` to the terminal and reads one line with echo on.
Result<std::string> ReadLine(std::string_view prompt);

// ReadPasswordFile returns the first line of `path` (a trailing CR/LF removed), as step reads
// --password-file.
Result<std::string> ReadPasswordFile(const std::string& path);

}  // namespace cairn
