#include <string>

#include "api/ca_api.h"
#include "base/json_depth.h"
#include "base/json_flat.h"
#include "http/response.h"

namespace cairn::api {
namespace {

constexpr char kSeeLogs[] = "Please see the certificate authority logs for more info.";
constexpr int kMaxJsonDepth = 32;

std::string DefaultMessage(int status) {
  switch (status) {
    case 400:
      return std::string("The request could not be completed; malformed or missing data. ") +
             kSeeLogs;
    case 401:
      return std::string("The request lacked necessary authorization to be completed. ") + kSeeLogs;
    case 403:
      return std::string("The request was forbidden by the certificate authority. ") + kSeeLogs;
    case 404:
      return std::string("The requested resource could not be found. ") + kSeeLogs;
    case 500:
      return std::string("The certificate authority encountered an Internal Server Error. ") +
             kSeeLogs;
    case 501:
      return std::string(
                 "The requested method is not implemented by the certificate "
                 "authority. ") +
             kSeeLogs;
    case 405:
      return "Method Not Allowed";
    case 413:
      return "The request body is too large.";
    case 431:
      return "The request headers are too large.";
    case 429:
      return "Too many requests.";
    case 503:
      return "The certificate authority is temporarily unavailable.";
    default:
      return std::string("The requested could not be completed. ") + kSeeLogs;
  }
}

// WriteError renders {"status","message"} in that order, as step-ca's Go encoder does.
void WriteError(int status, const std::string& message, http::Response& response) {
  nlohmann::ordered_json body;
  body["status"] = status;
  body["message"] = message;
  response.SetBody(status, "application/json",
                   body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace

void RenderStatus(int http_status, http::Response& response) {
  WriteError(http_status, DefaultMessage(http_status), response);
}

void RenderError(const Status& s, http::Response& response) {
  const int status = http::HttpStatusForCode(s.code());
  std::string message = DefaultMessage(status);
  if (s.public_message_exact()) {
    message = s.public_message();
  } else if (!s.public_message().empty()) {
    // step-ca's errs.BadRequest / errs.Forbidden prefix the detail; others send it as is.
    if (status == 400) {
      message = "The request could not be completed: " + s.public_message() + ".";
    } else if (status == 403) {
      message =
          "The request was forbidden by the certificate authority: " + s.public_message() + ".";
    } else {
      message = s.public_message();
    }
  }
  WriteError(status, message, response);
  response.log_fields["error"] = s.message();
}

Result<nlohmann::json> ParseJsonBody(std::string_view body) {
  if (std::optional<nlohmann::json> flat = ParseFlatJsonObject(body)) return std::move(*flat);
  if (JsonNestingDepth(body) > kMaxJsonDepth) {
    return InvalidArgumentError("error reading request body: JSON nested too deep");
  }
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) return InvalidArgumentError("error reading request body: malformed JSON");
  if (!j.is_object()) return InvalidArgumentError("error reading request body: not a JSON object");
  return j;
}

}  // namespace cairn::api
