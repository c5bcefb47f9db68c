#include "cli/crypto_util.h"

#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/json_depth.h"
#include "base/terminal.h"
#include "cli/ui.h"

namespace cairn::cli::tools {
namespace {

std::string S(std::string_view v) { return std::string(v); }

}  // namespace

Status CheckJsonDepth(std::string_view json, int max_depth) {
  if (JsonNestingDepth(json) > max_depth) return InvalidArgumentError("JSON is nested too deeply");
  return Status();
}

CLI::App* AddCommand(CLI::App& parent, const CommandHelp& help) {
  // The summary is the description (one line in the parent's list of commands); step's usage
  // line, the long description and the examples go into the footer.
  CLI::App* cmd = parent.add_subcommand(help.name, help.summary);
  std::string footer;
  if (!help.usage.empty()) footer += "USAGE\n\n  " + help.usage + "\n";
  if (!help.description.empty()) footer += "\nDESCRIPTION\n\n" + help.description + "\n";
  if (!help.examples.empty()) footer += "\nEXAMPLES\n\n" + help.examples;
  if (!footer.empty()) cmd->footer(footer);
  return cmd;
}

Status RequiredWithFlag(std::string_view flag, std::string_view required) {
  return InvalidArgumentError("flag '--" + S(flag) + "' requires the '--" + S(required) + "' flag");
}

Status RequiredWithFlagValue(std::string_view flag, std::string_view value,
                             std::string_view required) {
  return InvalidArgumentError("'--" + S(flag) + " " + S(value) + "' requires the '--" +
                              S(required) + "' flag");
}

Status RequiredInsecureFlag(std::string_view flag) {
  return InvalidArgumentError("flag '--" + S(flag) + "' requires the '--insecure' flag");
}

Status RequiredSubtleFlag(std::string_view flag) {
  return InvalidArgumentError("flag '--" + S(flag) + "' requires the '--subtle' flag");
}

Status RequiredOrFlag(std::initializer_list<std::string_view> flags) {
  std::string msg = "one of flag ";
  bool first = true;
  for (std::string_view f : flags) {
    if (!first) msg += " or ";
    msg += "--" + S(f);
    first = false;
  }
  return InvalidArgumentError(msg + " is required");
}

Status InvalidFlagValue(std::string_view flag, std::string_view value, std::string_view options) {
  std::string msg;
  if (!options.empty()) msg = "options are " + S(options);
  return InvalidFlagValueMsg(flag, value, msg);
}

Status InvalidFlagValueMsg(std::string_view flag, std::string_view value, std::string_view msg) {
  std::string text = value.empty()
                         ? "missing value for flag '--" + S(flag) + "'"
                         : "invalid value '" + S(value) + "' for flag '--" + S(flag) + "'";
  if (!msg.empty()) text += "; " + S(msg);
  return InvalidArgumentError(text);
}

Status IncompatibleFlag(std::string_view flag, std::string_view value) {
  return InvalidArgumentError("flag '--" + S(flag) + "' is incompatible with '" + S(value) + "'");
}

Status IncompatibleFlagWithFlag(std::string_view flag, std::string_view with_flag) {
  return InvalidArgumentError("flag '--" + S(flag) + "' is incompatible with '--" + S(with_flag) +
                              "'");
}

Status IncompatibleFlagValue(std::string_view flag, std::string_view with_flag,
                             std::string_view with_value) {
  return InvalidArgumentError("flag '--" + S(flag) + "' is incompatible with flag '--" +
                              S(with_flag) + " " + S(with_value) + "'");
}

Status IncompatibleFlagValues(std::string_view flag, std::string_view value,
                              std::string_view with_flag, std::string_view with_value) {
  return InvalidArgumentError("flag '--" + S(flag) + " " + S(value) +
                              "' is incompatible with flag '--" + S(with_flag) + " " +
                              S(with_value) + "'");
}

Status MutuallyExclusiveFlags(std::string_view flag1, std::string_view flag2) {
  return InvalidArgumentError("flag '--" + S(flag1) + "' and flag '--" + S(flag2) +
                              "' are mutually exclusive");
}

Status MinSizeInsecureFlag(std::string_view flag, std::string_view size) {
  return InvalidArgumentError("flag '--" + S(flag) + "' requires at least " + S(size) +
                              " unless '--insecure' flag is provided");
}

Status UnsupportedFlag(std::string_view flag) {
  return UnimplementedError("flag '--" + S(flag) + "' is not yet supported");
}

Status EqualArguments(std::string_view arg1, std::string_view arg2, std::string_view usage) {
  return InvalidArgumentError("positional arguments <" + S(arg1) + "> and <" + S(arg2) +
                              "> cannot be equal in '" + S(usage) + "'");
}

Status CheckArgs(const std::vector<std::string>& args, size_t min, size_t max,
                 std::string_view usage) {
  if (args.size() < min) {
    return InvalidArgumentError("not enough positional arguments were provided in '" + S(usage) +
                                "'");
  }
  if (args.size() > max) {
    return InvalidArgumentError("too many positional arguments were provided in '" + S(usage) +
                                "'");
  }
  return Status();
}

std::string ArgAt(const std::vector<std::string>& args, size_t i) {
  return i < args.size() ? args[i] : std::string();
}

Result<std::string> ReadStdin() {
  std::string out;
  char buf[8192];
  while (true) {
    size_t n = std::fread(buf, 1, sizeof(buf), stdin);
    if (n > 0) {
      if (out.size() + n > kMaxInputSize) {
        return ResourceExhaustedError("standard input is larger than 4 MiB");
      }
      out.append(buf, n);
    }
    if (n < sizeof(buf)) {
      if (std::ferror(stdin)) return InternalError("error reading standard input");
      break;
    }
  }
  return out;
}

Result<std::string> ReadInput(const std::string& path) {
  if (path == "-") return ReadStdin();
  return ReadFile(path, kMaxInputSize);
}

void PrintOut(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

Result<std::string> ReadPasswordFromFlag(const std::string& file, std::string_view prompt) {
  if (!file.empty()) return ReadPasswordFile(file);
  return PromptPassword(prompt);
}

Result<nlohmann::ordered_json> ParseJson(std::string_view json) {
  CAIRN_RETURN_IF_ERROR(CheckJsonDepth(json, kMaxJsonDepth));
  try {
    return nlohmann::ordered_json::parse(json);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("error parsing JSON: ") + e.what());
  }
}

Result<std::string> IndentJson(std::string_view json, int indent) {
  CAIRN_RETURN_IF_ERROR(CheckJsonDepth(json, kMaxJsonDepth));
  try {
    return nlohmann::ordered_json::parse(json).dump(indent);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("error parsing JSON: ") + e.what());
  }
}

Result<std::string> CompactJson(std::string_view json) {
  CAIRN_RETURN_IF_ERROR(CheckJsonDepth(json, kMaxJsonDepth));
  try {
    return nlohmann::ordered_json::parse(json).dump();
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("error parsing JSON: ") + e.what());
  }
}

}  // namespace cairn::cli::tools
