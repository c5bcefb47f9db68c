#pragma once

// The SSH wire encoding (RFC 4251 §5): byte, boolean, uint32, uint64, string, mpint and
// name-list, big-endian and length-prefixed. WireReader reads them strictly from a bounded
// buffer; WireWriter appends them to a string. Certificates, keys, signatures and KRLs are all
// built from these types.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cairn::ssh {

// WireReader reads SSH wire types from a buffer it does not own (the buffer must outlive the
// reader and every view it returns). Every read is bounds-checked; a failed read leaves the
// reader where it was. All failures are kInvalidArgument ("ssh: truncated ...", "ssh:
// non-minimal mpint", ...) except a string longer than the caller's bound, which is
// kResourceExhausted. Thread-compatible.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  // A temporary string would dangle: the reader only views its input.
  explicit WireReader(std::string&&) = delete;

  // empty reports whether all input has been consumed.
  bool empty() const { return pos_ == data_.size(); }
  // remaining returns the number of unread bytes.
  size_t remaining() const { return data_.size() - pos_; }
  // offset returns the number of bytes consumed so far.
  size_t offset() const { return pos_; }
  // rest returns the unread input.
  std::string_view rest() const { return data_.substr(pos_); }

  // ReadByte reads one byte. Fails with kInvalidArgument at the end of input.
  Result<uint8_t> ReadByte();
  // ReadBool reads a boolean byte. RFC 4251 lets readers take any non-zero value as TRUE; this
  // reader is strict and accepts only 0 and 1 (kInvalidArgument otherwise).
  Result<bool> ReadBool();
  // ReadUint32 / ReadUint64 read big-endian integers. Fail with kInvalidArgument when fewer
  // than 4 / 8 bytes remain.
  Result<uint32_t> ReadUint32();
  Result<uint64_t> ReadUint64();
  // ReadString reads a uint32 length and that many bytes and returns a view of them. Fails with
  // kInvalidArgument when the length exceeds the remaining input, kResourceExhausted when it
  // exceeds `max_len`.
  Result<std::string_view> ReadString(size_t max_len = SIZE_MAX);
  // ReadCString is ReadString for text fields OpenSSH reads as C strings (key ids, principals,
  // option names): additionally fails with kInvalidArgument when the string contains a NUL.
  Result<std::string_view> ReadCString(size_t max_len = SIZE_MAX);
  // ReadMpint reads a non-negative mpint and returns its magnitude: big-endian, without leading
  // zero bytes (empty for zero). Fails with kInvalidArgument for a negative value or a
  // non-minimal encoding (a needless leading 0x00 or 0xff byte, RFC 4251 §5), and as
  // ReadString (the bound applies to the encoded length).
  Result<std::string_view> ReadMpint(size_t max_len = SIZE_MAX);
  // ReadNameList reads a name-list (RFC 4251 §5): a string of comma-separated names. An empty
  // string is an empty list. Fails with kInvalidArgument for an empty name or a name with
  // characters outside printable US-ASCII, kResourceExhausted for more than `max_names` names,
  // and as ReadString.
  Result<std::vector<std::string>> ReadNameList(size_t max_names, size_t max_len = SIZE_MAX);
  // ExpectEnd returns OK when all input has been consumed, else kInvalidArgument
  // "ssh: trailing data after <what>".
  Status ExpectEnd(std::string_view what) const;

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// WireWriter appends SSH wire types to a string it owns. Thread-compatible.
class WireWriter {
 public:
  // PutByte / PutBool (0 or 1) / PutUint32 / PutUint64 append fixed-size values.
  void PutByte(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void PutBool(bool v) { PutByte(v ? 1 : 0); }
  void PutUint32(uint32_t v);
  void PutUint64(uint64_t v);
  // PutString appends a uint32 length and the bytes. REQUIRES: s.size() < 2^32 (callers bound
  // their inputs far below; a violation aborts).
  void PutString(std::string_view s);
  // PutMpint appends the non-negative integer whose big-endian magnitude is `magnitude` (leading
  // zero bytes are dropped; a 0x00 is prepended when the top bit is set, RFC 4251 §5).
  void PutMpint(std::string_view magnitude);
  // PutNameList appends `names` joined by commas as one string. REQUIRES: the names are valid
  // (non-empty, printable ASCII without commas); not checked.
  void PutNameList(const std::vector<std::string>& names);
  // PutRaw appends bytes without a length.
  void PutRaw(std::string_view bytes) { out_.append(bytes); }

  // size returns the number of bytes written.
  size_t size() const { return out_.size(); }
  // data returns the bytes written so far.
  const std::string& data() const { return out_; }
  // Take moves the bytes out; the writer is empty afterwards.
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace cairn::ssh
