#include "ssh/wire.h"

namespace cairn::ssh {

Result<uint8_t> WireReader::ReadByte() {
  if (remaining() < 1) return InvalidArgumentError("ssh: truncated byte");
  return static_cast<uint8_t>(data_[pos_++]);
}

Result<bool> WireReader::ReadBool() {
  if (remaining() < 1) return InvalidArgumentError("ssh: truncated boolean");
  const auto v = static_cast<uint8_t>(data_[pos_]);
  if (v > 1) return InvalidArgumentError("ssh: boolean is neither 0 nor 1");
  ++pos_;
  return v == 1;
}

Result<uint32_t> WireReader::ReadUint32() {
  if (remaining() < 4) return InvalidArgumentError("ssh: truncated uint32");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 4;
  return v;
}

Result<uint64_t> WireReader::ReadUint64() {
  if (remaining() < 8) return InvalidArgumentError("ssh: truncated uint64");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 8;
  return v;
}

Result<std::string_view> WireReader::ReadString(size_t max_len) {
  const size_t start = pos_;
  CAIRN_ASSIGN_OR_RETURN(const uint32_t len, ReadUint32());
  if (len > remaining()) {
    pos_ = start;
    return InvalidArgumentError("ssh: truncated string");
  }
  if (len > max_len) {
    pos_ = start;
    return ResourceExhaustedError("ssh: string longer than " + std::to_string(max_len) + " bytes");
  }
  std::string_view s = data_.substr(pos_, len);
  pos_ += len;
  return s;
}

Result<std::string_view> WireReader::ReadCString(size_t max_len) {
  const size_t start = pos_;
  CAIRN_ASSIGN_OR_RETURN(std::string_view s, ReadString(max_len));
  if (s.find('\0') != std::string_view::npos) {
    pos_ = start;
    return InvalidArgumentError("ssh: string contains a NUL byte");
  }
  return s;
}

Result<std::string_view> WireReader::ReadMpint(size_t max_len) {
  const size_t start = pos_;
  CAIRN_ASSIGN_OR_RETURN(std::string_view s, ReadString(max_len));
  if (s.empty()) return s;  // zero
  const auto b0 = static_cast<uint8_t>(s[0]);
  if ((b0 & 0x80) != 0) {
    pos_ = start;
    return InvalidArgumentError("ssh: negative mpint");
  }
  if (b0 == 0) {
    // A leading zero is only allowed to keep the sign bit of the next byte clear.
    if (s.size() == 1 || (static_cast<uint8_t>(s[1]) & 0x80) == 0) {
      pos_ = start;
      return InvalidArgumentError("ssh: non-minimal mpint");
    }
    s.remove_prefix(1);
  }
  return s;
}

Result<std::vector<std::string>> WireReader::ReadNameList(size_t max_names, size_t max_len) {
  const size_t start = pos_;
  CAIRN_ASSIGN_OR_RETURN(std::string_view s, ReadString(max_len));
  std::vector<std::string> names;
  if (s.empty()) return names;
  size_t begin = 0;
  while (true) {
    size_t comma = s.find(',', begin);
    std::string_view name =
        s.substr(begin, comma == std::string_view::npos ? s.size() - begin : comma - begin);
    if (name.empty()) {
      pos_ = start;
      return InvalidArgumentError("ssh: empty name in name-list");
    }
    for (char c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u > 0x7e) {
        pos_ = start;
        return InvalidArgumentError("ssh: invalid character in name-list");
      }
    }
    if (names.size() == max_names) {
      pos_ = start;
      return ResourceExhaustedError("ssh: name-list has more than " + std::to_string(max_names) +
                                    " names");
    }
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return names;
}

Status WireReader::ExpectEnd(std::string_view what) const {
  if (!empty()) return InvalidArgumentError("ssh: trailing data after " + std::string(what));
  return Status();
}

void WireWriter::PutUint32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) PutByte(static_cast<uint8_t>(v >> shift));
}

void WireWriter::PutUint64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) PutByte(static_cast<uint8_t>(v >> shift));
}

void WireWriter::PutString(std::string_view s) {
  CAIRN_CHECK(s.size() <= UINT32_MAX);
  PutUint32(static_cast<uint32_t>(s.size()));
  out_.append(s);
}

void WireWriter::PutMpint(std::string_view magnitude) {
  while (!magnitude.empty() && magnitude[0] == '\0') magnitude.remove_prefix(1);
  if (!magnitude.empty() && (static_cast<uint8_t>(magnitude[0]) & 0x80) != 0) {
    CAIRN_CHECK(magnitude.size() < UINT32_MAX);
    PutUint32(static_cast<uint32_t>(magnitude.size() + 1));
    PutByte(0);
    out_.append(magnitude);
    return;
  }
  PutString(magnitude);
}

void WireWriter::PutNameList(const std::vector<std::string>& names) {
  std::string joined;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) joined.push_back(',');
    joined.append(names[i]);
  }
  PutString(joined);
}

}  // namespace cairn::ssh
