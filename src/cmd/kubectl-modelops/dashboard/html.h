// Text made safe for the dashboard's HTML: everything that comes from the cluster (names, messages,
// labels, reasons) goes through escapeHtml before it is written into a page, inside elements and inside
// double-quoted attributes alike. Also the small formatters the pages share.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace modelops::plugin::dashboard {

// & < > " ' replaced by entities; control characters other than tab/newline dropped. Safe in element
// content and in single- or double-quoted attribute values (never in unquoted attributes or scripts).
std::string escapeHtml(std::string_view text);

// Percent-encoding of a URL path segment or query value (RFC 3986 unreserved characters kept).
std::string urlEncode(std::string_view text);

// "0.941" (3 decimals), or "-" when absent or not finite.
std::string number3(std::optional<double> v);
// A count as a whole number ("512"), or "-" when absent, negative or not finite.
std::string count(std::optional<double> v);
// "12%" or "-".
std::string percent(std::optional<std::int64_t> v);

}  // namespace modelops::plugin::dashboard
