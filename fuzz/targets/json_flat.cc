// The flat-object fast path of the JSON parsers (base/json_flat.h), against nlohmann's parser:
//  - whatever ParseFlatJsonObject accepts, nlohmann::json::parse accepts, and the two values
//    are equal, member by member of the same type, and dump to the same text;
//  - what it accepts is an object of strings, integers, booleans, nulls and string arrays.

#include "base/json_flat.h"

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<nlohmann::json> fast = cairn::ParseFlatJsonObject(text);
  if (!fast.has_value()) return 0;
  FUZZ_CHECK(fast->is_object());
  const nlohmann::json slow = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!slow.is_discarded());
  FUZZ_CHECK(slow == *fast);
  FUZZ_CHECK(slow.dump() == fast->dump());
  for (auto it = slow.begin(); it != slow.end(); ++it) {
    const nlohmann::json& v = (*fast)[it.key()];
    FUZZ_CHECK(v.type() == it.value().type());
    FUZZ_CHECK(v.is_string() || v.is_number_integer() || v.is_boolean() || v.is_null() ||
               v.is_array());
    if (v.is_array()) {
      for (const nlohmann::json& e : v) FUZZ_CHECK(e.is_string());
    }
  }
  return 0;
}
