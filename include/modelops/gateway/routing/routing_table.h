// The gateway's routing table: which ModelDeployment serves a request path, and the Services (with the
// weights the operator decided) that carry its traffic. Built from the ModelDeployments the gateway's
// informer holds, as a whole, each time they change; a built table is immutable.
//
// What is routed: a ModelDeployment whose strategy (canary or abTest) declares `trafficRouting.gateway`,
// in one of the namespaces served, whose spec decodes and validates, and whose status names the tracks
// and their weights. Anything else is skipped with a reason (RoutingTable::skipped) and never fails the
// build: one bad object must not take the other models' routes down.
//   - Backends (from status, never from replicas): canary strategy: `canary` (status.canary, Service
//     `<md>-canary`) first, then `stable` (status.stable, `<md>-stable`); abTest: `stable` when status
//     holds one beside the variants (`<md>-stable`), then status.variants[] in order (`<md>-<variant>`).
//     A track without a weight in status is a bad status: the ModelDeployment is skipped. Weights are
//     integers (parts of 100); a backend of weight 0 is kept (it may be a pin or shadow target).
//   - Address of a backend: RoutingOptions::serviceAddresses["<ns>/<service>"] ("host:port") when set,
//     else `<service>.<ns>.svc.<clusterDomain>` and spec.service.port (default 80).
//   - Paths: `/v1/models/<spec.model.name>:predict` (KServe v1), `/v2/models/<spec.model.name>/infer`
//     (Open Inference Protocol v2), both whatever the declared protocol, and every path under
//     `trafficRouting.gateway.pathPrefix` when declared (a prefix covers "<prefix>" and "<prefix>/...", not
//     "<prefix>x"; the longest matching prefix wins; validation keeps prefixes away from /v1 and /v2, so a
//     prefix never shadows a model path). Two ModelDeployments claiming one model path or one prefix: the
//     first by "<ns>/<name>" keeps it, the other is skipped for that path (a reason says which).
// Thread-safety: build() is a pure function; a built table is immutable and safe to share between threads
// (the proxy swaps whole tables through a shared_ptr).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/gateway/feedback/prediction_config.h"

namespace modelops::gateway {

struct Backend {
  std::string track;     // "stable", "canary" or the A/B variant's name
  std::string service;   // <md>-stable, <md>-canary, <md>-<variant>
  std::string host;      // DNS name or the override's host
  std::uint16_t port = 0;
  std::string version;   // status: the track's model version ("" when status has none)
  std::string revision;  // status: the track's revision number, as text (what {{revision}} renders in analysis queries)
  std::int64_t weight = 0;  // parts of 100, from status
};

// An A/B pin (abTest.variants[].match): a request carrying header (or cookie) `name` equal to `value`
// goes to backends[backend], while that backend has weight > 0.
struct MatchPin {
  enum class Source { Header, Cookie };
  Source source = Source::Header;
  std::string name;
  std::string value;
  std::size_t backend = 0;  // index into ModelRoute::backends
};

// Sticky assignment (trafficRouting.gateway.sticky): the key is this header's or cookie's value.
struct StickyKey {
  MatchPin::Source source = MatchPin::Source::Header;
  std::string name;
};

struct ModelRoute {
  std::string ns;     // the ModelDeployment's namespace
  std::string name;   // the ModelDeployment
  std::string model;  // spec.model.name
  std::string strategy;  // "canary" or "abTest"
  std::vector<Backend> backends;  // in the order above (the order sticky keys are mapped in)
  std::vector<MatchPin> pins;     // in declaration order; the first that matches wins
  std::optional<StickyKey> sticky;
  std::int64_t shadowPercent = 0;            // canary only: share of requests copied to the canary
  std::optional<std::size_t> shadowBackend;  // index of the canary backend, when status has a canary
  std::string pathPrefix;                    // "" when none is declared
  PredictionConfig prediction;               // protocol, class path, task, segment, id field
};

struct RoutingOptions {
  std::set<std::string> namespaces;  // served namespaces; empty: every namespace
  std::string clusterDomain = "cluster.local";
  // "ns/service" -> "host:port": where a Service really is (tests and the demo: no cluster DNS).
  std::map<std::string, std::string> serviceAddresses;
};

// A ModelDeployment (or one of its paths) the table does not route, and why (for logs and /readyz detail).
struct SkippedModel {
  std::string ns;
  std::string name;
  std::string reason;
};

// The matched route and the path to send upstream: the request path unchanged for the model paths; under a
// prefix, the rest after the prefix ("/x" for "<prefix>/x"), or the protocol's model path when nothing
// (or "/") follows the prefix.
struct RouteMatch {
  const ModelRoute* route = nullptr;
  std::string upstreamPath;
};

class RoutingTable {
 public:
  static RoutingTable build(const std::vector<nlohmann::json>& modelDeployments, const RoutingOptions& options);

  // The route serving `path` (query string ignored), or nullptr.
  const ModelRoute* match(std::string_view path) const;
  // The same, with the path to send upstream.
  std::optional<RouteMatch> resolve(std::string_view path) const;

  const std::vector<ModelRoute>& routes() const { return routes_; }
  const std::vector<SkippedModel>& skipped() const { return skipped_; }

 private:
  std::vector<ModelRoute> routes_;
  std::vector<SkippedModel> skipped_;
  std::map<std::string, std::size_t, std::less<>> exactPaths_;  // model path -> routes_ index
  std::vector<std::pair<std::string, std::size_t>> prefixes_;   // longest first
};

// "/v1/models/<model>:predict" or "/v2/models/<model>/infer" for protocol "KServeV1" / "OpenInferenceV2".
std::string modelPath(std::string_view protocol, std::string_view model);

}  // namespace modelops::gateway
