#include "ssh/internal/text.h"

#include "base/encoding.h"
#include "ssh/key.h"
#include "ssh/wire.h"

namespace cairn::ssh::internal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

Result<AuthorizedLine> SplitAuthorizedLine(std::string_view line, size_t max_blob) {
  if (line.size() > kMaxAuthorizedKeyLine) {
    return ResourceExhaustedError("ssh: key line longer than " +
                                  std::to_string(kMaxAuthorizedKeyLine) + " bytes");
  }
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.find_first_of("\r\n") != std::string_view::npos) {
    return InvalidArgumentError("ssh: key line spans several lines");
  }
  size_t i = 0;
  while (i < line.size() && IsBlank(line[i])) ++i;
  const size_t type_begin = i;
  while (i < line.size() && !IsBlank(line[i])) ++i;
  std::string_view type = line.substr(type_begin, i - type_begin);
  while (i < line.size() && IsBlank(line[i])) ++i;
  const size_t b64_begin = i;
  while (i < line.size() && !IsBlank(line[i])) ++i;
  std::string_view b64 = line.substr(b64_begin, i - b64_begin);
  while (i < line.size() && IsBlank(line[i])) ++i;
  std::string_view comment = line.substr(i);
  while (!comment.empty() && IsBlank(comment.back())) comment.remove_suffix(1);
  if (type.empty() || b64.empty()) {
    return InvalidArgumentError("ssh: malformed key line: want \"type base64 [comment]\"");
  }
  // Base64 grows data by 4/3; refuse before decoding anything far too large.
  if (b64.size() / 4 * 3 > max_blob + 3) {
    return ResourceExhaustedError("ssh: key blob longer than " + std::to_string(max_blob) +
                                  " bytes");
  }
  auto blob = Base64Decode(b64);
  if (!blob.ok()) return InvalidArgumentError("ssh: malformed key line: invalid base64");
  if (blob->size() > max_blob) {
    return ResourceExhaustedError("ssh: key blob longer than " + std::to_string(max_blob) +
                                  " bytes");
  }
  return AuthorizedLine{std::string(type), std::move(blob).value(), std::string(comment)};
}

std::string JoinAuthorizedLine(std::string_view type, std::string_view blob,
                               std::string_view comment) {
  std::string out(type);
  out.push_back(' ');
  out.append(Base64Encode(blob));
  if (!comment.empty()) {
    out.push_back(' ');
    out.append(comment);
  }
  out.push_back('\n');
  return out;
}

std::string_view BlobType(std::string_view blob) {
  WireReader r(blob);
  auto type = r.ReadString(256);
  return type.ok() ? *type : std::string_view();
}

std::string Quoted(std::string_view s) {
  if (s.empty() || s.size() > 64) return "";
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e || c == '"') {
      return "";
    }
  }
  return " \"" + std::string(s) + "\"";
}

}  // namespace cairn::ssh::internal
