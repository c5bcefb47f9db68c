#pragma once

#include <string>

#include "base/random.h"

namespace cairn::http {

// NewUuidV4 returns a random (version 4, RFC 9562 §5.4) UUID in its canonical lower-case form,
// e.g. "0b4b3a52-9e1f-4f5e-8a4c-3d2e1f0a9b8c", drawing 16 bytes from `random`. A failing
// generator is fatal (CAIRN_CHECK), as Go's uuid.New panics: nothing secure can be done
// without randomness. Thread-safe when `random` is.
std::string NewUuidV4(Random& random);

}  // namespace cairn::http
