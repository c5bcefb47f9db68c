#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace cairn {

// StatusCode is the small set of failure classes every module speaks. The mapping onto HTTP
// statuses lives only in http (HttpStatusForCode); ACME problem types in acme/problem.h.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // 400: the caller sent something malformed
  kUnauthenticated,     // 401: a credential is missing, wrong, expired or replayed
  kPermissionDenied,    // 403: authenticated, but policy forbids it
  kNotFound,            // 404
  kAlreadyExists,       // 409 (store uniqueness)
  kFailedPrecondition,  // 400/409: state does not allow it (already revoked, ...)
  kResourceExhausted,   // 413/429: over a size or rate limit
  kUnavailable,         // 503: try again later (store busy, shutting down)
  kUnimplemented,       // 501
  kInternal,            // 500: a bug or an environment failure
  kDeadlineExceeded,    // 504: a timeout
  kAborted,             // 409: a concurrent writer came first; re-read and retry
};

// StatusCodeName returns a stable lower-case name for `code`, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

// Status is the result of an operation that returns no value. An OK status costs one pointer
// and allocates nothing. A failed status carries the code, a detailed message for logs and
// developers, and optionally a public message that is safe to show to a remote client (the
// server never sends `message()` to a client; see step-ca errs.Error for the same split).
// Status is a value type; copies share the immutable representation. Thread-compatible.
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string public_message = "");

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // message is the detailed, internal description (for logs). Empty when OK.
  const std::string& message() const;
  // public_message is what a remote client may see; empty means "use the default for code".
  const std::string& public_message() const;

  // WithPublicMessage returns a copy whose public message is `msg`. The API may frame it
  // (step-ca's "The request could not be completed: <msg>.").
  Status WithPublicMessage(std::string msg) const;
  // WithExactPublicMessage is WithPublicMessage for a message the client must see exactly as
  // written (a template's `fail`, a webhook's refusal), without framing.
  Status WithExactPublicMessage(std::string msg) const;
  // public_message_exact reports a message set by WithExactPublicMessage.
  bool public_message_exact() const { return rep_ && rep_->public_exact; }
  // WithReason returns a copy carrying `reason`: a short machine-readable name of the failure
  // that a protocol layer maps onto its own error vocabulary (the acme module uses RFC 8555's
  // problem types, e.g. "badNonce", "rejectedIdentifier"). Empty by default.
  Status WithReason(std::string reason) const;
  // reason is the machine-readable reason set by WithReason, or "".
  const std::string& reason() const;
  // Annotate returns a copy whose message is prefixed with `context: `.
  Status Annotate(std::string_view context) const;

  // ToString renders "code: message" (or "OK").
  std::string ToString() const;

  // IgnoreError documents that a failure is deliberately dropped.
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::string public_message;
    bool public_exact = false;
    std::string reason;
  };
  std::shared_ptr<const Rep> rep_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

Status InvalidArgumentError(std::string message);
Status UnauthenticatedError(std::string message);
Status PermissionDeniedError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status DeadlineExceededError(std::string message);
Status AbortedError(std::string message);

}  // namespace cairn

#define CAIRN_STATUS_CONCAT_INNER_(a, b) a##b
#define CAIRN_STATUS_CONCAT_(a, b) CAIRN_STATUS_CONCAT_INNER_(a, b)

// CAIRN_RETURN_IF_ERROR(expr) evaluates `expr` (a Status or Result) and returns its status from
// the current function when it is not OK.
#define CAIRN_RETURN_IF_ERROR(expr)                                                    \
  do {                                                                                 \
    auto&& cairn_status_or_ = (expr);                                                  \
    if (!cairn_status_or_.ok()) return ::cairn::internal::GetStatus(cairn_status_or_); \
  } while (0)

// CAIRN_ASSIGN_OR_RETURN(lhs, expr) evaluates `expr` (a Result<T>); on error returns its status,
// otherwise move-assigns the value to `lhs` (which may be a declaration such as `auto x`).
#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL_(CAIRN_STATUS_CONCAT_(cairn_result_, __LINE__), lhs, expr)
#define CAIRN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

// CAIRN_CHECK(cond) aborts the process when a security-relevant invariant does not hold. It is
// always on. Never use it on input from outside the process.
#define CAIRN_CHECK(cond)                                                   \
  do {                                                                      \
    if (!(cond)) ::cairn::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace cairn::internal {
inline const Status& GetStatus(const Status& s) { return s; }
template <typename R>
Status GetStatus(const R& r) {
  return r.status();
}
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}  // namespace cairn::internal
