#pragma once

#include <string_view>

namespace cairn {

// JsonNestingDepth returns the deepest nesting of arrays and objects in JSON `text`, skipping
// string contents. It is a linear pre-scan that lets a parser refuse hostile input before
// building anything; it does not validate the JSON.
int JsonNestingDepth(std::string_view text);

}  // namespace cairn
