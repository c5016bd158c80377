// RouteWatch; see route_watch.h.
#include "route_watch.h"

#include "modelops/common/logging.h"

namespace modelops::cmd {

using namespace std::chrono_literals;

RouteWatch::RouteWatch(kube::KubeClient& client, Clock& clock, Sleeper& sleeper, RouteWatchOptions options,
                       gateway::proxy::RouteSource& routes, gateway::KeyRingSource& keys)
    : options_(std::move(options)), routes_(routes), keys_(keys) {
  runtime::EventHandler onModel{[this](const runtime::Json&) { markDirty(); },
                                [this](const runtime::Json&, const runtime::Json&) { markDirty(); },
                                [this](const runtime::Json&) { markDirty(); }};
  for (const auto& ns : options_.namespaces) {
    runtime::InformerOptions o;
    o.ns = ns;
    auto informer = std::make_unique<runtime::Informer>(client, kube::resources::modelDeployments(), clock, sleeper, o);
    informer->addHandler(onModel);
    modelInformers_.push_back(std::move(informer));
  }
  runtime::InformerOptions keyOptions;
  keyOptions.ns = options_.keyNamespace;
  keyOptions.fieldSelector = "metadata.name=" + options_.keySecret;
  keyInformer_ = std::make_unique<runtime::Informer>(client, kube::resources::secrets(), clock, sleeper, keyOptions);
  keyInformer_->addHandler({[this](const runtime::Json& s) { loadKeys(s); },
                            [this](const runtime::Json&, const runtime::Json& s) { loadKeys(s); },
                            [this](const runtime::Json&) {
                              // Predictions already issued must stay verifiable: the last keys stay in use.
                              logWarn("the key Secret was deleted; keeping the keys loaded",
                                      {{"secret", objectRef(options_.keyNamespace, options_.keySecret)}});
                            }});
}

RouteWatch::~RouteWatch() { stop(); }

void RouteWatch::start() {
  rebuilder_ = std::thread([this] { rebuildLoop(); });
  for (auto& informer : modelInformers_) informer->start();
  keyInformer_->start();
}

void RouteWatch::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& informer : modelInformers_) informer->stop();
  if (keyInformer_) keyInformer_->stop();
  if (rebuilder_.joinable()) rebuilder_.join();
}

void RouteWatch::markDirty() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

void RouteWatch::rebuildLoop() {
  // The first table waits for every namespace's list: routing from a partial list would send a model's
  // requests nowhere (404) for a moment after every start.
  for (auto& informer : modelInformers_) {
    while (!informer->waitForSync(200ms)) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
  }
  markDirty();
  bool first = true;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return dirty_ || stopping_; });
      if (stopping_) return;
      dirty_ = false;
    }
    rebuild();
    if (first) builtAfterSync_.store(true);
    first = false;
  }
}

void RouteWatch::rebuild() {
  std::vector<nlohmann::json> objects;
  for (const auto& informer : modelInformers_)
    for (const auto& object : informer->cache().list()) objects.push_back(*object);
  auto table = gateway::RoutingTable::build(objects, options_.routing);
  std::string summary = std::to_string(table.routes().size()) + " routes";
  nlohmann::json routed = nlohmann::json::array(), skipped = nlohmann::json::array();
  for (const auto& route : table.routes()) {
    nlohmann::json backends = nlohmann::json::array();
    for (const auto& b : route.backends) {
      backends.push_back({{"track", b.track}, {"weight", b.weight}, {"version", b.version}});
      summary += " " + route.ns + "/" + route.name + ":" + b.track + "=" + std::to_string(b.weight) + "@" + b.version;
    }
    routed.push_back({{"modelDeployment", objectRef(route.ns, route.name)}, {"backends", backends}});
  }
  for (const auto& s : table.skipped()) {
    skipped.push_back({{"modelDeployment", objectRef(s.ns, s.name)}, {"reason", s.reason}});
    summary += " skip " + s.ns + "/" + s.name + ": " + s.reason;
  }
  routes_.update(std::move(table));
  if (summary == lastSummary_) return;
  lastSummary_ = summary;
  logInfo("routes updated", {{"routes", routed}, {"skipped", skipped}});
}

void RouteWatch::loadKeys(const runtime::Json& secret) {
  auto ref = objectRef(options_.keyNamespace, options_.keySecret);
  auto ring = gateway::keyRingFromSecretData(secret.value("data", nlohmann::json::object()));
  if (!ring) {
    // The previous keys (if any) stay in use; the message names the field, never key bytes.
    logError("the key Secret is unusable; keeping the keys loaded", {{"secret", ref}, {"err", ring.error()}});
    return;
  }
  bool hasPrevious = ring->previous.has_value();
  std::string currentId = ring->current.id;
  keys_.update(std::move(*ring));
  logInfo("signing keys loaded", {{"secret", ref}, {"keyId", currentId}, {"previousAccepted", hasPrevious}});
}

}  // namespace modelops::cmd
