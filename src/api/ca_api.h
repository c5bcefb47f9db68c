#pragma once

#include <functional>
#include <memory>

#include "authority/authority.h"
#include "http/router.h"

namespace cairn::api {

// AuthoritySource returns the authority serving the current configuration. A reload swaps it;
// a request keeps the one it started with. Must be thread-safe.
using AuthoritySource = std::function<std::shared_ptr<authority::Authority>()>;

// RegisterCaRoutes adds step-ca's CA API (stepca.md §1.3, without SSH and CRL) to `router`,
// at "/" and at "/1.0/". Handlers only parse, call the authority and render.
void RegisterCaRoutes(http::Router& router, AuthoritySource authority);

// RenderError writes step-ca's error JSON {"status","message"} for `status` into `response`
// (stepca.md §1.2); the detail of `s` goes to the log fields, never to the client unless it was
// marked public.
void RenderError(const Status& s, http::Response& response);
// RenderStatus writes the default error JSON for an HTTP status (404, 405, 413, ...).
void RenderStatus(int http_status, http::Response& response);

// ParseJsonBody parses a request body as a JSON object with bounded nesting depth. Fails with
// kInvalidArgument.
Result<nlohmann::json> ParseJsonBody(std::string_view body);

// StringFieldChecked returns the string member `name` of a request body ("" when absent or
// null). Fails with kInvalidArgument when it has another type or exceeds 64 KiB.
Result<std::string> StringFieldChecked(const nlohmann::json& body, const char* name);

// ParseSignRequest decodes POST /sign's body (csr, ott, notBefore, notAfter, templateData). On
// failure it renders step-ca's error (400 for bad JSON, a wrong field type, a missing csr or
// ott) into `error` and returns false.
bool ParseSignRequest(std::string_view body, authority::SignRequest& out, http::Response& error);

// RenderIssued writes step-ca's SignResponse ({ca, certChain, crt, tlsOptions}, 201) for an
// issued certificate, and its request-log fields (serial, subject, sans, validity, key,
// provisioner).
void RenderIssued(const authority::Authority& a, const authority::Issued& issued,
                  http::Response& r);

}  // namespace cairn::api
