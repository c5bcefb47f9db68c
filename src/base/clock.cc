#include "base/clock.h"

namespace cairn {

SystemClock& SystemClock::Default() {
  static SystemClock clock;
  return clock;
}

}  // namespace cairn
