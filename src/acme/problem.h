#pragma once

// ACME errors (RFC 8555 §6.7). Inside Cairn an ACME error is a Status whose reason() is the
// problem type without the "urn:ietf:params:acme:error:" prefix ("badNonce", "malformed", ...)
// and whose public message is the detail the client sees. The api layer renders it as
// application/problem+json with ProblemStatus's HTTP status.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cairn::acme {

// kProblemPrefix is the namespace of ACME problem types.
inline constexpr std::string_view kProblemPrefix = "urn:ietf:params:acme:error:";

// Problem returns an ACME error: `code` classifies it for logs and metrics, `type` is the
// problem type (e.g. "badNonce"), `detail` the message the client sees (exactly as written).
Status Problem(StatusCode code, std::string_view type, std::string detail);

// Convenience constructors for the common problem types, with step-ca's status codes.
Status Malformed(std::string detail);            // 400 malformed
Status BadNonce(std::string detail);             // 400 badNonce
Status Unauthorized(std::string detail);         // 401 unauthorized
Status NotFound(std::string detail);             // 404 malformed
Status AccountDoesNotExist(std::string detail);  // 400 accountDoesNotExist
Status ServerInternal(std::string detail);       // 500 serverInternal

// ProblemType returns the problem type of `s`: its reason() when set, else one derived from
// its code (kInvalidArgument -> malformed, kUnauthenticated/kPermissionDenied -> unauthorized,
// kNotFound -> malformed, kUnimplemented -> notImplemented... everything else serverInternal).
// rateLimited comes only from a Problem that names it: a bare kResourceExhausted is a resource
// of the server's running out, serverInternal with 503 (as kUnavailable, which the store
// reports for a full disk).
std::string ProblemType(const Status& s);

// ProblemStatus returns the HTTP status of an ACME error.
int ProblemStatus(const Status& s);

// ProblemDetail returns what the client may read: the public message, or a generic text for
// internal errors (never the internal message).
std::string ProblemDetail(const Status& s);

// ProblemJson renders {"type": "urn:ietf:params:acme:error:<t>", "detail": ..., "status": n}.
nlohmann::json ProblemJson(const Status& s);

// ProblemFromJson turns a stored problem document back into a Status (for challenge and order
// errors kept in the store). A document that is not a problem gives serverInternal.
Status ProblemFromJson(const nlohmann::json& j);

}  // namespace cairn::acme
