// The test Prometheus stand-ins' side of PrometheusProvider::queryTogether: a combined query
//   label_replace((Q0), "modelops_part", "0", "", "") or label_replace((Q1), "modelops_part", "1", "", "")
// split back into its parts, so a fake can answer each part and tag its series as Prometheus would.
// A query that is not combined is one part with an empty tag.
#pragma once

#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace modelops::testsupport {

struct QueryPart {
  std::string tag;    // the modelops_part value, "" when the query was not combined
  std::string query;  // the query inside
};

inline std::vector<QueryPart> splitCombinedQuery(const std::string& query) {
  static const std::regex part(R"re(label_replace\(\((.*?)\), "modelops_part", "([0-9]+)", "", ""\))re");
  std::vector<QueryPart> parts;
  for (auto it = std::sregex_iterator(query.begin(), query.end(), part); it != std::sregex_iterator(); ++it) {
    parts.push_back({(*it)[2].str(), (*it)[1].str()});
  }
  if (parts.empty()) parts.push_back({"", query});
  return parts;
}

}  // namespace modelops::testsupport
