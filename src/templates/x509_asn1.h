#pragma once

// Small ASN.1 and number helpers shared by x509_data.cc and x509_template.cc (internal to
// cairn_templates_x509; not for other modules). They reproduce Go's behaviour where step's
// x509util relies on it: encoding/asn1 OIDs, math/big's SetString(s, 0).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::templates::x509_internal {

// EncodeOidContents returns the DER contents (no tag or length) of the OBJECT IDENTIFIER written
// `dotted`, with Go's rules: decimal arcs (x509util's parseObjectIdentifier uses strconv.Atoi),
// at least two, the first 0..2, the second below 40 when the first is 0 or 1, none negative,
// each below 2^63. Fails with kInvalidArgument otherwise (the message quotes `dotted`).
Result<std::string> EncodeOidContents(std::string_view dotted);

// EncodeOid returns the whole DER OBJECT IDENTIFIER element; fails as EncodeOidContents.
Result<std::string> EncodeOid(std::string_view dotted);

// DecodeOidContents returns the dotted text of DER OID contents. Fails with kInvalidArgument on
// malformed contents or arcs wider than 64 bits.
Result<std::string> DecodeOidContents(std::string_view contents);

// BigEndianToDecimal returns the decimal text of an unsigned big-endian integer ("0" when
// `bytes` is empty or all zero).
std::string BigEndianToDecimal(std::string_view bytes);

// GoBigInt is an integer parsed by ParseGoBigInt: its sign and decimal magnitude.
struct GoBigInt {
  bool negative = false;
  std::string decimal;  // magnitude, no leading zeros ("0" for zero)
};

// ParseGoBigInt parses `text` as Go's (*big.Int).SetString(text, 0): an optional sign, then
// "0x"/"0X" (hex), "0b"/"0B" (binary), "0o"/"0O" or a bare leading "0" (octal), else decimal;
// single underscores may separate digits (and follow a prefix). Inputs longer than `max_length`
// characters are refused. Fails with kInvalidArgument when malformed.
Result<GoBigInt> ParseGoBigInt(std::string_view text, size_t max_length = 256);

// UnsignedDecimalToUint64 parses a decimal magnitude that fits in uint64_t; false otherwise.
bool UnsignedDecimalToUint64(std::string_view decimal, uint64_t* out);

// ParseFirstJsonValue parses the first JSON value of `text` as Go's json.Decoder.Decode does
// (whatever follows it is not read), after checking `text` is at most `max_bytes` long and nests
// at most `max_depth` deep. Fails with kInvalidArgument ("error unmarshaling <what>: ...").
Result<nlohmann::ordered_json> ParseFirstJsonValue(std::string_view text, const std::string& what,
                                                   size_t max_bytes, int max_depth);

}  // namespace cairn::templates::x509_internal
