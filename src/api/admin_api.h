#pragma once

// The administration API (stepca.md §12) under /admin: admins and ACME External Account
// Binding keys, authorized by x5c admin tokens in the Authorization header. Handlers only
// parse, call the authority and render step-ca's shapes (linkedca protobuf JSON, errors
// {"type","detail","message"}).

#include "api/ca_api.h"
#include "http/router.h"

namespace cairn::api {

// RegisterAdminRoutes adds /admin/admins[/{id}] and /admin/acme/eab/{provisioner}[/{x}] to
// `router`; the rest of step-ca's admin routes (provisioners, policies, webhooks) answer
// notImplemented until remote provisioner management exists. With authority.enableAdmin off
// every /admin route answers 501 "administration API not enabled", as step-ca does.
void RegisterAdminRoutes(http::Router& router, AuthoritySource authority);

}  // namespace cairn::api
