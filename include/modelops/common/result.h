// Result<T, E>: a value or an error, for every fallible call that crosses a module boundary.
// Network and input problems are expected outcomes, so they travel as values, not exceptions.
// Thread-safety: a plain value type.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace modelops {

// The generic error: a short machine-readable code and a message for people.
struct Error {
  std::string code;     // e.g. "InvalidInput", "NotFound", "Timeout"
  std::string message;  // human readable, names the field, file or line at fault
};

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const {
    if (ok()) throw std::logic_error("Result::error() called on a value");
    return std::get<1>(v_);
  }

 private:
  void check() const {
    if (!ok()) throw std::logic_error("Result::value() called on an error");
  }
  std::variant<T, E> v_;
};

// Result of an operation that yields nothing but may fail.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const {
    if (ok_) throw std::logic_error("Result::error() called on success");
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Result<void, Error>;

}  // namespace modelops
