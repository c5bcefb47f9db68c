#pragma once

// A small, strict DER reader and writer for the few ASN.1 structures Cairn encodes or decodes by
// hand (the step-ca provisioner extension, PBES2 parameters of encrypted PKCS#8 keys). Everything
// else goes through OpenSSL's ASN.1 code. Only low-tag-number, definite, minimally encoded
// lengths are accepted (X.690 §10.1); that is all DER allows.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::crypto::der {

// Tags (identifier octets) of the universal types used here.
inline constexpr uint8_t kBoolean = 0x01;
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kObjectIdentifier = 0x06;
inline constexpr uint8_t kUtf8String = 0x0c;
inline constexpr uint8_t kPrintableString = 0x13;
inline constexpr uint8_t kIa5String = 0x16;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;

// ContextTag returns the identifier octet of the context-specific tag [n] (n < 31).
constexpr uint8_t ContextTag(int n, bool constructed) {
  return static_cast<uint8_t>(0x80 | (constructed ? 0x20 : 0) | (n & 0x1f));
}

// Element is one parsed TLV: its identifier octet, its contents and the whole encoding.
struct Element {
  uint8_t tag = 0;
  std::string_view contents;
  std::string_view full;
};

// Reader walks a sequence of DER elements in a buffer it does not own (the buffer must outlive
// the reader and the views it returns). Thread-compatible.
class Reader {
 public:
  explicit Reader(std::string_view data) : rest_(data) {}
  // A temporary string would dangle: the Reader only views its input.
  explicit Reader(std::string&&) = delete;

  // empty reports whether all input has been consumed.
  bool empty() const { return rest_.empty(); }
  // rest returns the unread input.
  std::string_view rest() const { return rest_; }

  // Next reads the next element. Fails with kInvalidArgument on truncated input, high tag
  // numbers, indefinite or non-minimal lengths.
  Result<Element> Next();
  // Expect reads the next element and returns its contents; fails with kInvalidArgument when
  // the tag is not `tag`.
  Result<std::string_view> Expect(uint8_t tag);
  // PeekTag reports whether the next element has tag `tag` (false at the end of input).
  bool PeekTag(uint8_t tag) const;

 private:
  std::string_view rest_;
};

// ParseInt64 decodes the contents of an INTEGER that fits in int64_t. Fails with
// kInvalidArgument when empty, non-minimal or out of range.
Result<int64_t> ParseInt64(std::string_view contents);

// Tlv returns tag || length || contents.
std::string Tlv(uint8_t tag, std::string_view contents);
// Int64 returns the DER encoding of an INTEGER with value `v`.
std::string Int64(int64_t v);

}  // namespace cairn::crypto::der
