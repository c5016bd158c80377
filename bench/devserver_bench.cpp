// devserver_bench: the dev API server holding many ModelDeployments. Prints objects held, memory,
// list latency (paged, as informers list) and watch fan-out latency to 20 watchers.
// Usage: devserver_bench [N=10000]. Runs the server in-process on 127.0.0.1 and talks HTTP to it.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "bench_util.h"
#include "modelops/common/clock.h"
#include "modelops/devserver/dev_server.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/config.h"
#include "modelops/yaml/yaml.h"

using namespace modelops;
using Steady = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int watchers = 20;
  const int updates = 50;
  long rssStart = bench::rssKiB();
  devserver::DevServerOptions options;
  options.watchHistory = static_cast<std::size_t>(n) * 2 + 1000;
  auto server = devserver::DevServer::start(options);
  if (!server) {
    std::fprintf(stderr, "cannot start the dev server: %s\n", server.error().message.c_str());
    return 1;
  }
  SystemClock clock;
  kube::ClientConfig config;
  config.server = (*server)->url();
  config.qps = 0;
  auto client = kube::makeKubeClient(config, clock);
  if (!client) return 1;
  auto crd = yaml::loadYamlFile(std::string(MODELOPS_SOURCE_DIR) + "/crds/modelops.dev_modeldeployments.yaml");
  if (!crd || !(*client)->create(kube::resources::customResourceDefinitions(), "", crd->front())) return 1;
  if (!(*client)->create(kube::resources::namespaces(), "",
                         {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}}))
    return 1;
  long rssEmpty = bench::rssKiB();

  auto start = Steady::now();
  for (int i = 0; i < n; ++i) {
    auto created = (*client)->create(kube::resources::modelDeployments(), "bench",
                                     bench::modelDeployment("bench", "md-" + std::to_string(i)));
    if (!created) {
      std::fprintf(stderr, "create %d: %s\n", i, created.error().describe().c_str());
      return 1;
    }
  }
  double createSeconds = bench::secondsSince(start);
  long rssFull = bench::rssKiB();

  std::vector<double> listMs;
  std::size_t listed = 0;
  for (int round = 0; round < 5; ++round) {
    auto t = Steady::now();
    kube::ListOptions page;
    page.limit = 500;
    listed = 0;
    do {
      auto result = (*client)->list(kube::resources::modelDeployments(), "bench", page);
      if (!result) return 1;
      listed += result->items.size();
      page.continueToken = result->continueToken;
    } while (!page.continueToken.empty());
    listMs.push_back(bench::secondsSince(t) * 1000);
  }

  // Watch fan-out: 20 watchers; each update's arrival time at every watcher.
  kube::ListOptions one;
  one.limit = 1;
  auto rv = (*client)->list(kube::resources::modelDeployments(), "bench", one)->resourceVersion;
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Steady::time_point> sentAt;
  std::vector<double> fanoutMs;
  std::atomic<int> received{0};
  CancelToken stop;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<kube::KubeClient>> watchClients;
  for (int w = 0; w < watchers; ++w) watchClients.push_back(kube::makeKubeClient(config, clock).value());
  for (int w = 0; w < watchers; ++w)
    threads.emplace_back([&, w] {
      kube::WatchOptions wo;
      wo.resourceVersion = rv;
      wo.allowBookmarks = false;
      (void)watchClients[w]->watch(kube::resources::modelDeployments(), "bench", wo, [&](const kube::WatchEvent& e) {
        auto now = Steady::now();
        auto marker = e.object["metadata"].value("labels", nlohmann::json::object()).value("bench-update", "");
        if (marker.empty()) return true;
        std::lock_guard lock(mu);
        if (auto it = sentAt.find(marker); it != sentAt.end())
          fanoutMs.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
        ++received;
        cv.notify_all();
        return true;
      }, stop);
    });
  while ((*server)->openWatches() < static_cast<std::size_t>(watchers)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int u = 0; u < updates; ++u) {
    auto marker = "u" + std::to_string(u);
    {
      std::lock_guard lock(mu);
      sentAt[marker] = Steady::now();
    }
    nlohmann::json patch = {{"metadata", {{"labels", {{"bench-update", marker}}}}}};
    if (!(*client)->patch(kube::resources::modelDeployments(), "bench", "md-0", kube::PatchType::Merge, patch)) return 1;
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return received.load() >= (u + 1) * watchers; });
  }
  stop.cancel();
  for (auto& t : threads) t.join();

  std::printf("| figure | value |\n| --- | --- |\n");
  std::printf("| ModelDeployments held | %zu |\n", listed);
  std::printf("| create rate (one client, sequential) | %.0f objects/s |\n", n / createSeconds);
  std::printf("| process RSS: start / empty server / with objects | %.1f / %.1f / %.1f MiB |\n", rssStart / 1024.0,
              rssEmpty / 1024.0, rssFull / 1024.0);
  std::printf("| memory per ModelDeployment (RSS delta / N) | %.1f KiB |\n", double(rssFull - rssEmpty) / n);
  std::printf("| list all, pages of 500: p50 / max of 5 | %.1f / %.1f ms |\n", bench::percentile(listMs, 0.5),
              bench::percentile(listMs, 1.0));
  std::printf("| watch fan-out to %d watchers: p50 / p99 of %zu deliveries | %.2f / %.2f ms |\n", watchers,
              fanoutMs.size(), bench::percentile(fanoutMs, 0.5), bench::percentile(fanoutMs, 0.99));
  (*server)->stop();
  return 0;
}
