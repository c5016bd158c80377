// runtime_bench: informer memory per cached ModelDeployment (an informer filling its cache from the dev
// server; the RSS delta includes the in-process server's work to answer the list) and events per second
// through the work queue (adds, deduplication, two workers).
// Usage: runtime_bench [N=10000].
#include <atomic>
#include <cstdio>
#include <thread>

#include "bench_util.h"
#include "modelops/common/clock.h"
#include "modelops/devserver/dev_server.h"
#include "modelops/kube/factory.h"
#include "modelops/runtime/informer.h"
#include "modelops/runtime/sleeper.h"
#include "modelops/runtime/work_queue.h"
#include "modelops/yaml/yaml.h"

using namespace modelops;
using Steady = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  SystemClock clock;
  runtime::RealSleeper sleeper;
  devserver::DevServerOptions options;
  auto server = devserver::DevServer::start(options);
  if (!server) return 1;
  kube::ClientConfig config;
  config.server = (*server)->url();
  config.qps = 0;
  auto client = kube::makeKubeClient(config, clock);
  auto crd = yaml::loadYamlFile(std::string(MODELOPS_SOURCE_DIR) + "/crds/modelops.dev_modeldeployments.yaml");
  if (!client || !crd || !(*client)->create(kube::resources::customResourceDefinitions(), "", crd->front())) return 1;
  if (!(*client)->create(kube::resources::namespaces(), "",
                         {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}}))
    return 1;
  for (int i = 0; i < n; ++i)
    if (!(*client)->create(kube::resources::modelDeployments(), "bench", bench::modelDeployment("bench", "md-" + std::to_string(i))))
      return 1;

  // The informer's cache: RSS before and after it lists and holds every object.
  long before = bench::rssKiB();
  auto start = Steady::now();
  runtime::Informer informer(**client, kube::resources::modelDeployments(), clock, sleeper, {});
  informer.start();
  if (!informer.waitForSync(std::chrono::minutes(2))) return 1;
  double syncSeconds = bench::secondsSince(start);
  long after = bench::rssKiB();
  std::size_t cached = informer.cache().size();
  std::size_t encoded = informer.cache().encodedBytes();
  informer.stop();

  // Work queue: 200,000 adds over 10,000 keys from one producer, two workers draining.
  runtime::WorkQueue queue(clock, sleeper);
  const int adds = 200000;
  std::atomic<long> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        ++processed;
        queue.done(*key);
      }
    });
  start = Steady::now();
  for (int i = 0; i < adds; ++i) queue.add("bench/md-" + std::to_string(i % 10000));
  queue.waitForIdle(std::chrono::seconds(30));
  double queueSeconds = bench::secondsSince(start);
  queue.shutDown();
  for (auto& w : workers) w.join();

  std::printf("| figure | value |\n| --- | --- |\n");
  std::printf("| ModelDeployments cached by one informer | %zu |\n", cached);
  std::printf("| informer list + sync time | %.2f s |\n", syncSeconds);
  std::printf("| informer memory per cached ModelDeployment (RSS delta / N) | %.2f KiB |\n", double(after - before) / n);
  std::printf("| cached encoding (CBOR) per ModelDeployment, excluding keys and indexes | %.2f KiB |\n",
              double(encoded) / 1024.0 / double(cached ? cached : 1));
  std::printf("| work queue: adds/s (200,000 adds over 10,000 keys, 2 workers) | %.0f |\n", adds / queueSeconds);
  std::printf("| work queue: reconciles handed out (after deduplication) | %ld |\n", processed.load());
  (*server)->stop();
  return 0;
}
