#include "testing/fakes.h"

namespace cairn::testing {

Status FakeRandom::Fill(std::span<uint8_t> out) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& b : out) {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    b = static_cast<uint8_t>((state_ * 2685821657736338717ull) >> 56);
  }
  return Status();
}

}  // namespace cairn::testing
