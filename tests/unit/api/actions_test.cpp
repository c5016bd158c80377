// unit.api: action request annotations: parsing, unknown actions ignored, request ids distinguish repeated
// requests, and the patch body round-trips through the parser.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "modelops/api/actions.h"

namespace modelops::api {
namespace {

using nlohmann::json;

json metaWith(const json& annotations) { return {{"name", "m"}, {"annotations", annotations}}; }

struct ParseCase {
  json metadata;
  std::optional<ActionRequest> expected;
};

TEST(Actions, ParsesAnnotations) {
  const std::vector<ParseCase> cases = {
      {metaWith({{"modelops.dev/action", "promote"}, {"modelops.dev/action-id", "r1"}}),
       ActionRequest{"promote", "", "r1"}},
      {metaWith({{"modelops.dev/action", "promote:treatment"}, {"modelops.dev/action-id", "r2"}}),
       ActionRequest{"promote", "treatment", "r2"}},
      {metaWith({{"modelops.dev/action", "promote-full"}}), ActionRequest{"promote-full", "", ""}},
      {metaWith({{"modelops.dev/action", "abort"}, {"modelops.dev/action-id", "x"}}), ActionRequest{"abort", "", "x"}},
      {metaWith({{"modelops.dev/action", "retry"}}), ActionRequest{"retry", "", ""}},
      {metaWith({{"modelops.dev/action", "pause"}}), ActionRequest{"pause", "", ""}},
      {metaWith({{"modelops.dev/action", "resume"}}), ActionRequest{"resume", "", ""}},
      {metaWith({{"modelops.dev/action", "explode"}}), std::nullopt},
      {metaWith({{"modelops.dev/action", ""}}), std::nullopt},
      {metaWith({{"modelops.dev/action", 3}}), std::nullopt},
      {metaWith({{"other", "promote"}}), std::nullopt},
      {json{{"name", "m"}}, std::nullopt},
      {json::array(), std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.metadata.dump());
    EXPECT_EQ(parseActionRequest(c.metadata), c.expected);
  }
}

TEST(Actions, RequestIdsDistinguishRepeatedRequests) {
  ModelDeploymentStatus status;
  const ActionRequest first{"promote", "", "r1"};
  EXPECT_TRUE(isNewActionRequest(first, status));
  status.lastHandledActionId = "r1";
  EXPECT_FALSE(isNewActionRequest(first, status));  // handled once, not again
  EXPECT_TRUE(isNewActionRequest(ActionRequest{"promote", "", "r2"}, status));  // the same action again
}

TEST(Actions, PatchRoundTripsThroughTheParser) {
  const ActionRequest req{"promote", "treatment", "2026-11-25T10:00:00Z-ab12"};
  const json patch = actionRequestPatch(req);
  EXPECT_EQ(patch["metadata"]["annotations"]["modelops.dev/action"], "promote:treatment");
  EXPECT_EQ(parseActionRequest(patch["metadata"]), req);
}

}  // namespace
}  // namespace modelops::api
