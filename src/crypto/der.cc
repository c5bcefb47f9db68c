#include "crypto/der.h"

namespace cairn::crypto::der {

Result<Element> Reader::Next() {
  if (rest_.size() < 2) return InvalidArgumentError("der: truncated element");
  const auto* p = reinterpret_cast<const uint8_t*>(rest_.data());
  Element e;
  e.tag = p[0];
  if ((e.tag & 0x1f) == 0x1f)
    return InvalidArgumentError("der: high tag numbers are not supported");
  size_t len = 0;
  size_t header = 2;
  if (p[1] < 0x80) {
    len = p[1];
  } else {
    const size_t n = p[1] & 0x7f;
    // 0x80 is the BER indefinite form; more than 4 length octets is beyond any bound we accept.
    if (n == 0 || n > 4) return InvalidArgumentError("der: unsupported length form");
    if (rest_.size() < 2 + n) return InvalidArgumentError("der: truncated length");
    if (p[2] == 0) return InvalidArgumentError("der: non-minimal length");
    for (size_t i = 0; i < n; ++i) len = (len << 8) | p[2 + i];
    if (len < 0x80) return InvalidArgumentError("der: non-minimal length");
    header += n;
  }
  if (rest_.size() - header < len) return InvalidArgumentError("der: truncated contents");
  e.contents = rest_.substr(header, len);
  e.full = rest_.substr(0, header + len);
  rest_.remove_prefix(header + len);
  return e;
}

Result<std::string_view> Reader::Expect(uint8_t tag) {
  CAIRN_ASSIGN_OR_RETURN(Element e, Next());
  if (e.tag != tag) return InvalidArgumentError("der: unexpected tag");
  return e.contents;
}

bool Reader::PeekTag(uint8_t tag) const {
  return !rest_.empty() && static_cast<uint8_t>(rest_[0]) == tag;
}

Result<int64_t> ParseInt64(std::string_view contents) {
  if (contents.empty()) return InvalidArgumentError("der: empty INTEGER");
  if (contents.size() > 8) return InvalidArgumentError("der: INTEGER out of range");
  const auto* p = reinterpret_cast<const uint8_t*>(contents.data());
  if (contents.size() > 1 &&
      ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80)))) {
    return InvalidArgumentError("der: non-minimal INTEGER");
  }
  uint64_t v = (p[0] & 0x80) ? ~uint64_t{0} : 0;
  for (size_t i = 0; i < contents.size(); ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

std::string Tlv(uint8_t tag, std::string_view contents) {
  std::string out;
  out.reserve(contents.size() + 6);
  out.push_back(static_cast<char>(tag));
  const size_t len = contents.size();
  if (len < 0x80) {
    out.push_back(static_cast<char>(len));
  } else {
    char buf[8];
    int n = 0;
    for (size_t l = len; l > 0; l >>= 8) buf[n++] = static_cast<char>(l & 0xff);
    out.push_back(static_cast<char>(0x80 | n));
    while (n > 0) out.push_back(buf[--n]);
  }
  out.append(contents);
  return out;
}

std::string Int64(int64_t v) {
  // Big-endian two's complement, then drop redundant leading octets (X.690 §8.3.2).
  std::string bytes(8, '\0');
  auto u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i, u >>= 8) bytes[i] = static_cast<char>(u & 0xff);
  size_t start = 0;
  while (start < 7) {
    const auto b0 = static_cast<uint8_t>(bytes[start]);
    const auto b1 = static_cast<uint8_t>(bytes[start + 1]);
    if ((b0 == 0x00 && !(b1 & 0x80)) || (b0 == 0xff && (b1 & 0x80))) {
      ++start;
    } else {
      break;
    }
  }
  return Tlv(kInteger, std::string_view(bytes).substr(start));
}

}  // namespace cairn::crypto::der
