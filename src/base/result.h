#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "base/status.h"

namespace cairn {

// Result<T> holds either a value of type T or a non-OK Status, like absl::StatusOr. Accessing
// the value of a failed Result is a programming error and aborts. Thread-compatible.
template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is not allowed");

  // A Result made from a Status must not be OK: an OK Status carries no value.
  Result(Status status) : rep_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<0>(rep_).ok()) rep_ = Status(StatusCode::kInternal, "Result built from OK status");
  }
  Result(const T& value) : rep_(std::in_place_index<1>, value) {}        // NOLINT
  Result(T&& value) : rep_(std::in_place_index<1>, std::move(value)) {}  // NOLINT
  template <typename U,
            typename = std::enable_if_t<
                std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Status> &&
                !std::is_same_v<std::decay_t<U>, Result<T>> && !std::is_same_v<std::decay_t<U>, T>>>
  Result(U&& value) : rep_(std::in_place_index<1>, std::forward<U>(value)) {}  // NOLINT

  bool ok() const { return rep_.index() == 1; }

  Status status() const& {
    if (ok()) return Status();
    return std::get<0>(rep_);
  }
  Status status() && {
    if (ok()) return Status();
    return std::move(std::get<0>(rep_));
  }

  const T& value() const& {
    CheckOk();
    return std::get<1>(rep_);
  }
  T& value() & {
    CheckOk();
    return std::get<1>(rep_);
  }
  T&& value() && {
    CheckOk();
    return std::move(std::get<1>(rep_));
  }
  // value_or returns the value, or `fallback` when failed.
  T value_or(T fallback) const& { return ok() ? std::get<1>(rep_) : std::move(fallback); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  void CheckOk() const {
    if (!ok()) internal::CheckFailed("Result::value() on an error", __FILE__, __LINE__);
  }
  std::variant<Status, T> rep_;
};

}  // namespace cairn
