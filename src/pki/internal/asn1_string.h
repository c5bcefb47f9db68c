#pragma once

// String-type rules shared by name and provisioner-extension encoding (pki internal).

#include <string_view>

namespace cairn::pki::internal {

// IsValidUtf8 reports whether `s` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF), as Go's utf8.ValidString.
bool IsValidUtf8(std::string_view s);

// IsGoPrintable reports whether Go's encoding/asn1 would marshal `s` as a PrintableString
// (letters, digits, space and '()+,-./:=?); otherwise Go uses UTF8String.
bool IsGoPrintable(std::string_view s);

}  // namespace cairn::pki::internal
