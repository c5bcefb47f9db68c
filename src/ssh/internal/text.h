#pragma once

// Shared by key.cc and certificate.cc (module-internal): the one-line "type base64 comment"
// form of .pub and authorized_keys files.

#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::ssh::internal {

// AuthorizedLine is a split "type base64 comment" line.
struct AuthorizedLine {
  std::string type;
  std::string blob;  // base64-decoded
  std::string comment;
};

// SplitAuthorizedLine splits and decodes a line (see PublicKey::ParseAuthorizedKey for the
// accepted form). `max_blob` bounds the decoded blob. Fails with kInvalidArgument for a
// malformed line or invalid base64, kResourceExhausted for a line over kMaxAuthorizedKeyLine or
// a blob over `max_blob`.
Result<AuthorizedLine> SplitAuthorizedLine(std::string_view line, size_t max_blob);

// JoinAuthorizedLine returns "type base64(blob)[ comment]\n".
std::string JoinAuthorizedLine(std::string_view type, std::string_view blob,
                               std::string_view comment);

// BlobType returns the type name a blob starts with, or "" when it does not start with a
// readable string.
std::string_view BlobType(std::string_view blob);

// Quoted returns ` "s"` for messages when `s` is short printable ASCII, else "" (input from the
// network is not echoed into logs as raw bytes).
std::string Quoted(std::string_view s);

}  // namespace cairn::ssh::internal
