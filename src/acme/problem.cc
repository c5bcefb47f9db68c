#include "acme/problem.h"

#include "http/response.h"

namespace cairn::acme {

Status Problem(StatusCode code, std::string_view type, std::string detail) {
  std::string message = std::string(type) + ": " + detail;
  return Status(code, std::move(message))
      .WithExactPublicMessage(std::move(detail))
      .WithReason(std::string(type));
}

Status Malformed(std::string detail) {
  return Problem(StatusCode::kInvalidArgument, "malformed", std::move(detail));
}
Status BadNonce(std::string detail) {
  return Problem(StatusCode::kInvalidArgument, "badNonce", std::move(detail));
}
Status Unauthorized(std::string detail) {
  return Problem(StatusCode::kUnauthenticated, "unauthorized", std::move(detail));
}
Status NotFound(std::string detail) {
  return Problem(StatusCode::kNotFound, "malformed", std::move(detail));
}
Status AccountDoesNotExist(std::string detail) {
  return Problem(StatusCode::kInvalidArgument, "accountDoesNotExist", std::move(detail));
}
Status ServerInternal(std::string detail) {
  return Problem(StatusCode::kInternal, "serverInternal", std::move(detail));
}

std::string ProblemType(const Status& s) {
  if (!s.reason().empty()) return s.reason();
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
      return "malformed";
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      return "unauthorized";
    case StatusCode::kUnimplemented:
      return "notImplemented";
    default:
      return "serverInternal";
  }
}

int ProblemStatus(const Status& s) {
  const std::string type = ProblemType(s);
  if (type == "rateLimited") return 429;
  if (type == "serverInternal") {
    // A full disk (kUnavailable from the store) or a server resource running out passes.
    const bool transient =
        s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
    return transient ? 503 : 500;
  }
  if (type == "notImplemented") return 501;
  // Otherwise the status the code has everywhere; a challenge that timed out is the client's
  // problem (400), not a gateway timeout.
  if (s.code() == StatusCode::kDeadlineExceeded) return 400;
  return http::HttpStatusForCode(s.code());
}

std::string ProblemDetail(const Status& s) {
  if (!s.public_message().empty()) return s.public_message();
  switch (s.code()) {
    case StatusCode::kInternal:
      return "The server experienced an internal error";
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
      return "The server is temporarily unavailable; try again later";
    case StatusCode::kAborted:
      return "The object changed concurrently; try again";
    default:
      return s.message();
  }
}

nlohmann::json ProblemJson(const Status& s) {
  return nlohmann::json{{"type", std::string(kProblemPrefix) + ProblemType(s)},
                        {"detail", ProblemDetail(s)},
                        {"status", ProblemStatus(s)}};
}

Status ProblemFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return ServerInternal("unknown error");
  auto str = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string type = str("type");
  if (type.starts_with(kProblemPrefix)) type.erase(0, kProblemPrefix.size());
  if (type.empty()) type = "serverInternal";
  auto st = j.find("status");
  int status = st != j.end() && st->is_number_integer() ? st->get<int>() : 400;
  StatusCode code = status >= 500   ? StatusCode::kInternal
                    : status == 401 ? StatusCode::kUnauthenticated
                    : status == 403 ? StatusCode::kPermissionDenied
                                    : StatusCode::kInvalidArgument;
  return Problem(code, type, str("detail"));
}

}  // namespace cairn::acme
