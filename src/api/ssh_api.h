#pragma once

// step-ca's SSH API (stepca.md §1.5): POST /ssh/sign (and its aliases), GET /ssh/roots and
// /ssh/federation, under "/" and "/1.0/". Handlers only parse, call the authority and render.

#include "api/ca_api.h"
#include "http/router.h"

namespace cairn::api {

// RegisterSshRoutes adds the SSH routes to `router`.
void RegisterSshRoutes(http::Router& router, AuthoritySource authority);

}  // namespace cairn::api
