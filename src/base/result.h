// Result<T, E>: a value or an error, for failures that are part of normal
// operation (bad input, API errors, timeouts). C++20 has no std::expected;
// this is the small subset we use. Exceptions stay for programmer errors.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace mb {

template <class E>
struct Err {
  E error;
};
template <class E>
Err<std::decay_t<E>> err(E&& e) {
  return Err<std::decay_t<E>>{std::forward<E>(e)};
}

template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  template <class G>
  Result(Err<G> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  E&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, E> v_;
};

// Result of an operation with no value.
struct Unit {};

}  // namespace mb
