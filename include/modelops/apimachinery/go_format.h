// Go fmt-compatible printing of values for apiserver-style messages (see go_format.cpp).
// Thread-safety: pure functions.
#pragma once

#include <string>

namespace modelops::apimachinery {

// strconv.Quote / %q: "a\"b".
std::string goQuote(const std::string& s);
// %v of a float64: shortest digits, exponent form when exp < -4 || exp >= 6 ("1e+06", "0.0001").
std::string goFloat(double v);

}  // namespace modelops::apimachinery
