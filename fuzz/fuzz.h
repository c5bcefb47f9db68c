#pragma once

// Shared by the fuzz targets: FUZZ_CHECK aborts with a message when an invariant does not hold,
// so that libFuzzer (and the corpus replay tests) report it as a crash with its reason.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
