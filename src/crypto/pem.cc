#include "crypto/pem.h"

#include "base/encoding.h"
#include "base/strings.h"

namespace cairn::crypto {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";

// NextLine splits off the first line of `*text` (without its "\n" or "\r\n").
std::string_view NextLine(std::string_view* text) {
  size_t nl = text->find('\n');
  std::string_view line = text->substr(0, nl);
  text->remove_prefix(nl == std::string_view::npos ? text->size() : nl + 1);
  return line;
}

// FindBegin returns the offset of the next "-----BEGIN " that starts a line, or npos.
size_t FindBegin(std::string_view text, size_t from) {
  for (;;) {
    size_t pos = text.find(kBegin, from);
    if (pos == std::string_view::npos) return pos;
    if (pos == 0 || text[pos - 1] == '\n') return pos;
    from = pos + 1;
  }
}

}  // namespace

std::string_view PemBlock::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

Result<std::vector<PemBlock>> ParsePemBlocks(std::string_view text, size_t max_input,
                                             size_t max_blocks) {
  if (text.size() > max_input) return ResourceExhaustedError("pem: input too large");
  std::vector<PemBlock> blocks;
  size_t pos = 0;
  while ((pos = FindBegin(text, pos)) != std::string_view::npos) {
    if (blocks.size() >= max_blocks) return ResourceExhaustedError("pem: too many blocks");
    std::string_view rest = text.substr(pos + kBegin.size());
    std::string_view begin_line = Trim(NextLine(&rest));
    if (!EndsWith(begin_line, kDashes) || begin_line.size() < kDashes.size()) {
      return InvalidArgumentError("pem: malformed BEGIN line");
    }
    PemBlock block;
    block.type = std::string(begin_line.substr(0, begin_line.size() - kDashes.size()));

    // RFC 1421 headers: "Key: value" lines directly after BEGIN, ended by a line without ':'.
    for (;;) {
      std::string_view probe = rest;
      std::string_view line = NextLine(&probe);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || StartsWith(line, kDashes)) break;
      block.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                 std::string(Trim(line.substr(colon + 1))));
      if (block.headers.size() > 32) return InvalidArgumentError("pem: too many headers");
      rest = probe;
    }

    const std::string end_line = std::string(kEnd) + block.type + std::string(kDashes);
    size_t end = rest.find(end_line);
    if (end == std::string_view::npos) {
      return InvalidArgumentError("pem: missing END line for " + block.type);
    }
    auto decoded = Base64Decode(rest.substr(0, end));
    if (!decoded.ok()) return InvalidArgumentError("pem: invalid base64 in " + block.type);
    block.bytes = std::move(decoded).value();
    blocks.push_back(std::move(block));
    pos = static_cast<size_t>(rest.data() - text.data()) + end + end_line.size();
  }
  return blocks;
}

std::string EncodePem(const PemBlock& block) {
  std::string out;
  out.reserve(block.bytes.size() * 4 / 3 + block.type.size() * 2 + 64);
  out.append(kBegin).append(block.type).append(kDashes).push_back('\n');
  if (!block.headers.empty()) {
    // Go writes Proc-Type first (RFC 1421 requires it), then the remaining headers.
    for (const auto& [k, v] : block.headers) {
      if (k == "Proc-Type") out.append(k).append(": ").append(v).push_back('\n');
    }
    for (const auto& [k, v] : block.headers) {
      if (k != "Proc-Type") out.append(k).append(": ").append(v).push_back('\n');
    }
    out.push_back('\n');
  }
  const std::string b64 = Base64Encode(block.bytes);
  for (size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64).push_back('\n');
  }
  out.append(kEnd).append(block.type).append(kDashes).push_back('\n');
  return out;
}

std::string EncodePem(std::string_view type, std::string_view bytes) {
  PemBlock block;
  block.type = std::string(type);
  block.bytes = std::string(bytes);
  return EncodePem(block);
}

}  // namespace cairn::crypto
