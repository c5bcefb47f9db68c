#pragma once

#include <cstddef>
#include <random>
#include <string>

namespace cairn::testing {

// Mutate applies one random edit to `s`: flip a bit, overwrite a byte, truncate, insert or
// delete a byte. Deterministic for a seeded `rng`. For tests that feed parsers damaged input.
inline std::string Mutate(std::string s, std::mt19937& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  if (s.empty()) return std::string(1, static_cast<char>(pick(256)));
  switch (pick(6)) {
    case 0:
    case 1:
      s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
      break;
    case 2:
      s[pick(s.size())] = static_cast<char>(pick(256));
      break;
    case 3:
      s.resize(pick(s.size()));
      break;
    case 4:
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(pick(s.size() + 1)),
               static_cast<char>(pick(256)));
      break;
    default:
      s.erase(pick(s.size()), 1);
      break;
  }
  return s;
}

}  // namespace cairn::testing
