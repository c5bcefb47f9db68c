#pragma once

// Helpers shared by the commands of the "tools" half of the CLI (path, ca init, ca provisioner,
// certificate, crypto): step's wording for flag and argument errors, reading inputs ("-" is
// standard input), writing results, and adding a command with its help text. Private to
// src/cli; not part of any public API.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cli/cli.h"

namespace cairn::cli::tools {

// kMaxInputSize bounds what a command reads from a file or standard input (certificates, CSRs,
// tokens, JWEs, templates): 4 MiB.
inline constexpr size_t kMaxInputSize = 4 << 20;

// CommandHelp is the --help text of one command: what it does, its usage line (step's, with
// "cairn" for "step") and examples (a footer).
struct CommandHelp {
  std::string name;
  std::string summary;
  std::string usage;
  std::string description;
  std::string examples;
};

// AddCommand adds a subcommand `help.name` to `parent`: the summary is its description (what
// the parent's command list shows); the usage line, the long description and the examples make
// its --help footer.
CLI::App* AddCommand(CLI::App& parent, const CommandHelp& help);

// Run wraps a command body: it stores the returned Status into `state`. Use it as
//   cmd->callback([&state, opts] { Run(state, [&] { return DoThing(*opts); }); });
template <typename F>
void Run(RunState& state, F&& body) {
  state.status = body();
}

// Error messages worded as step words them (cli-utils errs), each a kInvalidArgument Status.
Status RequiredWithFlag(std::string_view flag, std::string_view required);
Status RequiredWithFlagValue(std::string_view flag, std::string_view value,
                             std::string_view required);
Status RequiredInsecureFlag(std::string_view flag);
Status RequiredSubtleFlag(std::string_view flag);
Status RequiredOrFlag(std::initializer_list<std::string_view> flags);
Status InvalidFlagValue(std::string_view flag, std::string_view value,
                        std::string_view options = "");
Status InvalidFlagValueMsg(std::string_view flag, std::string_view value, std::string_view msg);
Status IncompatibleFlag(std::string_view flag, std::string_view value);
Status IncompatibleFlagWithFlag(std::string_view flag, std::string_view with_flag);
Status IncompatibleFlagValue(std::string_view flag, std::string_view with_flag,
                             std::string_view with_value);
Status IncompatibleFlagValues(std::string_view flag, std::string_view value,
                              std::string_view with_flag, std::string_view with_value);
Status MutuallyExclusiveFlags(std::string_view flag1, std::string_view flag2);
Status MinSizeInsecureFlag(std::string_view flag, std::string_view size);
Status UnsupportedFlag(std::string_view flag);
Status EqualArguments(std::string_view arg1, std::string_view arg2, std::string_view usage);

// CheckArgs checks that the number of positional arguments is within [min, max], failing with
// step's "not enough / too many positional arguments were provided in '<usage>'".
Status CheckArgs(const std::vector<std::string>& args, size_t min, size_t max,
                 std::string_view usage);
// ArgAt returns args[i] or "" when there are fewer arguments.
std::string ArgAt(const std::vector<std::string>& args, size_t i);

// ReadInput returns the content of `path`, or of standard input when `path` is "-" (at most
// kMaxInputSize bytes). Fails with kNotFound / kInvalidArgument as base/file.h ReadFile.
Result<std::string> ReadInput(const std::string& path);
// ReadStdin returns all of standard input (at most kMaxInputSize bytes).
Result<std::string> ReadStdin();

// PrintOut writes `text` to standard output as is, and flushes it.
void PrintOut(std::string_view text);

// ReadPasswordFromFlag returns the password in `file` (its first line) when `file` is set,
// else asks on the terminal with `prompt`. Fails with kFailedPrecondition without a terminal.
Result<std::string> ReadPasswordFromFlag(const std::string& file, std::string_view prompt);

// kMaxJsonDepth bounds the nesting of JSON documents the tools parse.
inline constexpr int kMaxJsonDepth = 64;

// CheckJsonDepth fails with kInvalidArgument when `json` nests arrays/objects deeper than
// `max_depth` (checked before parsing, so the recursive parser cannot exhaust the stack).
Status CheckJsonDepth(std::string_view json, int max_depth = kMaxJsonDepth);

// ParseJson parses JSON text keeping member order. Fails with kInvalidArgument on malformed or
// too deeply nested input.
Result<nlohmann::ordered_json> ParseJson(std::string_view json);

// IndentJson re-renders a JSON text with two-space indentation, keeping member order (as Go's
// json.Indent does). Fails with kInvalidArgument when the text is not JSON.
Result<std::string> IndentJson(std::string_view json, int indent = 2);
// CompactJson re-renders a JSON text without whitespace, keeping member order.
Result<std::string> CompactJson(std::string_view json);

}  // namespace cairn::cli::tools
