// The default MetricProvider::queryTogether (see provider.h): the queries one after another.
#include "modelops/analysis/provider.h"

namespace modelops::analysis {

Result<std::vector<QueryResult>, ProviderError> MetricProvider::queryTogether(
    const std::vector<std::string>& renderedQueries, const CancelToken& cancel) {
  std::vector<QueryResult> results;
  results.reserve(renderedQueries.size());
  for (const auto& q : renderedQueries) {
    auto r = query(q, cancel);
    if (!r.ok()) return r.error();
    results.push_back(std::move(*r));
  }
  return results;
}

}  // namespace modelops::analysis
