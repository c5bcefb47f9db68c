#pragma once

#include <string>

namespace cairn::crypto {

// OpenSslVersion is the version of the OpenSSL library in use at run time, e.g.
// "OpenSSL 3.0.17 1 Jul 2025".
std::string OpenSslVersion();

}  // namespace cairn::crypto
