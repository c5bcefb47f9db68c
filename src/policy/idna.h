#pragma once

// Unicode helpers for the name-policy engine: strict UTF-8, a small case mapping, RFC 3492
// Punycode and the two IDNA conversions step-ca uses (golang.org/x/net/idna `Lookup` and
// `Punycode` profiles).
//
// Scope: this is NOT a full UTS #46 implementation. The Lookup conversion lower-cases ASCII and
// the common Latin/Greek/Cyrillic capitals, maps full-width ASCII and the ideographic full stops,
// drops the soft hyphen, rejects ASCII outside [a-z0-9.-] (STD3 rules, so '_' and '*' fail),
// C0/C1 controls, Unicode spaces, noncharacters, private-use code points, joiners and
// label-initial combining marks, and enforces the hyphen rules (no leading/trailing '-', no
// "--" in positions 3-4). Other Unicode code points are taken as valid as they are: no NFC
// normalisation, no full case folding, no Bidi rule. For the ASCII and lower-case names a CA
// sees in practice the results equal x/net/idna's.

#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::policy {

// DecodeUtf8 decodes strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) and
// fails with kInvalidArgument on any invalid byte sequence. Thread-safe.
Result<std::u32string> DecodeUtf8(std::string_view s);

// EncodeUtf8 encodes code points (assumed valid scalar values) as UTF-8. Thread-safe.
std::string EncodeUtf8(std::u32string_view s);

// SimpleLower returns the lower-case form of `c` for ASCII, Latin-1, Latin Extended-A/B (the
// regular pairs), Greek and Cyrillic capitals; any other code point is returned unchanged.
char32_t SimpleLower(char32_t c);

// ToLowerText lower-cases `s` with SimpleLower (the stand-in for Go's strings.ToLower). Invalid
// UTF-8 is lower-cased byte-wise for ASCII only. Thread-safe.
std::string ToLowerText(std::string_view s);

// EqualFold reports whether `a` and `b` are equal under SimpleLower (the stand-in for Go's
// strings.EqualFold); invalid UTF-8 falls back to ASCII case-insensitive comparison.
bool EqualFold(std::string_view a, std::string_view b);

// PunycodeEncode encodes one label per RFC 3492 (without the "xn--" prefix). Fails with
// kInvalidArgument on overflow or when the label has more than 1024 code points. Thread-safe.
Result<std::string> PunycodeEncode(std::u32string_view label);

// PunycodeDecode decodes one RFC 3492 label (without the "xn--" prefix), with Go's quirks: an
// empty input decodes to empty, a leading delimiter with nothing before it is an error, a
// trailing delimiter means "basic code points only". Fails with kInvalidArgument on invalid
// digits, overflow, non-ASCII input, surrogates or more than 1024 decoded code points.
Result<std::u32string> PunycodeDecode(std::string_view encoded);

// IdnaLookupToAscii converts a domain name the way x/net/idna's Lookup profile does (see the
// file comment for what is mapped and rejected): each label is mapped, validated, and encoded
// as "xn--" + Punycode when it is not ASCII; "xn--" labels must decode to a valid, already
// mapped label. Empty labels (leading/trailing dots) are kept. Fails with kInvalidArgument and
// an x/net-like message ("idna: disallowed rune U+005F", `idna: invalid label "..."`).
// Thread-safe.
Result<std::string> IdnaLookupToAscii(std::string_view domain);

// IdnaPunycodeToAscii converts like x/net/idna's Punycode profile (idna.ToASCII): no mapping
// and no validation; non-ASCII labels are Punycode-encoded and "xn--" labels must decode.
// Fails with kInvalidArgument. Thread-safe.
Result<std::string> IdnaPunycodeToAscii(std::string_view domain);

}  // namespace cairn::policy
