// DevServer wiring: store (+ persistence), registry, ApiCore, controllers, fault injector, audit
// log and the cpp-httplib listener (HTTP or HTTPS). See include/modelops/devserver/dev_server.h.
// Thread-safety: start/stop from one thread; accessors are safe while running.
#include "modelops/devserver/dev_server.h"

#include <openssl/pem.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "admission.h"
#include "api_core.h"
#include "controllers.h"
#include "http_api.h"
#include "jobs.h"
#include "modelops/common/logging.h"
#include "modelops/yaml/yaml.h"
#include "persistence.h"
#include "tls.h"

namespace modelops::devserver {

struct DevServer::Impl {
  explicit Impl(const DevServerOptions& o)
      : options(o),
        clock(o.clock ? *o.clock : systemClock),
        store(o.watchHistory),
        core(registry, store, clock, o.seed),
        faults(clock, o.seed),
        http(core, faults, audit, options),
        gc(core),
        sim(core, o.readyDelay),
        jobs(core) {}

  DevServerOptions options;
  SystemClock systemClock;
  const Clock& clock;
  Registry registry;
  ObjectStore store;
  std::unique_ptr<FileJournal> journal;
  ApiCore core;
  FaultInjector faults;
  AuditLog audit;
  HttpApi http;
  GarbageCollector gc;
  WorkloadSimulator sim;
  JobSimulator jobs;
  std::unique_ptr<ValidatingWebhooks> webhooks;
  std::unique_ptr<httplib::Server> server;
  std::thread listener;
  int port = 0;
  std::string caPem;
  bool stopped = false;
};

DevServer::DevServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DevServer::~DevServer() { stop(); }

static Result<std::unique_ptr<httplib::Server>> makeServer(const DevServerOptions& o, std::string* caPem) {
  if (!o.tls) return std::make_unique<httplib::Server>();
  if (!o.certFile.empty() || !o.keyFile.empty()) {
    if (o.certFile.empty() || o.keyFile.empty()) return Error{"InvalidInput", "--cert and --key go together"};
    auto s = std::make_unique<httplib::SSLServer>(o.certFile.c_str(), o.keyFile.c_str());
    if (!s->is_valid()) return Error{"TLSError", "cannot load " + o.certFile + " / " + o.keyFile};
    FILE* f = std::fopen(o.certFile.c_str(), "r");
    if (f) {
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) caPem->append(buf, n);
      std::fclose(f);
    }
    return std::unique_ptr<httplib::Server>(std::move(s));
  }
  auto material = generateTlsMaterial({o.bindAddress});
  if (!material) return material.error();
  *caPem = material->caCertPem;
  BIO* cb = BIO_new_mem_buf(material->certPem.data(), static_cast<int>(material->certPem.size()));
  BIO* kb = BIO_new_mem_buf(material->keyPem.data(), static_cast<int>(material->keyPem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO_free(kb);
  if (!cert || !key) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return Error{"TLSError", "cannot load the generated certificate"};
  }
  auto s = std::make_unique<httplib::SSLServer>(cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!s->is_valid()) return Error{"TLSError", "cannot configure TLS"};
  return std::unique_ptr<httplib::Server>(std::move(s));
}

static Result<Json> applyObject(DevServer::Impl& s, const Json& object);

// Expands preload paths: files as given, directories as their *.yaml/*.yml/*.json files in name order.
static Result<std::vector<Json>> loadPreload(const std::vector<std::string>& paths) {
  std::vector<Json> out;
  for (const auto& p : paths) {
    std::vector<std::string> files;
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
        auto ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(e.path().string());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(p);
    }
    for (const auto& f : files) {
      auto docs = yaml::loadYamlFile(f);
      if (!docs) return docs.error();
      for (auto& d : *docs) {
        if (d.is_object() && d.value("kind", "").size() > 4 && d["kind"].get<std::string>().ends_with("List") && d.contains("items"))
          for (auto& item : d["items"]) out.push_back(item);
        else
          out.push_back(std::move(d));
      }
    }
  }
  return out;
}

Result<std::unique_ptr<DevServer>> DevServer::start(const DevServerOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);  // a client that goes away mid-response must not kill the server
  auto impl = std::make_unique<Impl>(options);
  Impl& s = *impl;
  if (!options.dataDir.empty()) {
    auto journal = FileJournal::open(options.dataDir, s.store);
    if (!journal) return journal.error();
    s.journal = std::move(journal).value();
    s.store.setJournal(s.journal.get());
  }
  for (const auto& crd : s.store.all("apiextensions.k8s.io/customresourcedefinitions")) {
    auto types = Registry::typesFromCrd(crd, nullptr);
    if (types) s.registry.setCustom(metaString(crd, "name"), *types);
  }
  auto nsType = s.registry.find("", "v1", "namespaces");
  for (const char* ns : {"default", "kube-system", "kube-public"})
    if (!s.store.get(nsType->storageKey(), "", ns)) {
      auto r = s.core.create(*nsType, "", Json{{"metadata", {{"name", ns}}}}, WriteOptions{});
      if (!r) return Error{"Internal", "creating namespace " + std::string(ns) + ": " + r.error().message};
    }
  auto preload = loadPreload(options.preload);
  if (!preload) return preload.error();
  for (const auto& obj : *preload)
    if (auto r = applyObject(s, obj); !r) return r.error();
  s.faults.setCompactionHandler([&store = s.store] { store.compact(); });
  s.core.setOnDelete([&gc = s.gc] { gc.poke(); });
  std::map<std::string, std::string> webhookServices;
  for (const auto& entry : options.webhookServices)
    if (auto err = parseServiceAddress(entry, webhookServices)) return Error{"InvalidInput", *err};
  s.webhooks = std::make_unique<ValidatingWebhooks>(s.store, std::move(webhookServices));
  s.core.setValidatingAdmission([&hooks = *s.webhooks](auto&&... args) { return hooks.admitWrite(args...); });

  auto server = makeServer(options, &s.caPem);
  if (!server) return server.error();
  s.server = std::move(server).value();
  std::size_t threads = std::max<std::size_t>(options.threads, 8);
  s.server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.server->set_keep_alive_timeout(2);
  s.server->set_keep_alive_max_count(10000);
  s.server->set_read_timeout(30, 0);
  s.server->set_write_timeout(30, 0);
  s.server->set_payload_max_length(64 * 1024 * 1024);
  s.http.install(*s.server);
  if (options.port == 0) {
    s.port = s.server->bind_to_any_port(options.bindAddress);
  } else {
    s.port = s.server->bind_to_port(options.bindAddress, options.port) ? options.port : -1;
  }
  if (s.port <= 0)
    return Error{"BindFailed", "cannot listen on " + options.bindAddress + ":" + std::to_string(options.port)};
  s.http.setServerAddress(options.bindAddress + ":" + std::to_string(s.port));
  // The socket is bound and listening: connections queue in the backlog until the accept loop runs.
  s.listener = std::thread([srv = s.server.get()] { srv->listen_after_bind(); });
  auto tick = std::clamp(options.readyDelay / 2, std::chrono::milliseconds(5), std::chrono::milliseconds(100));
  s.sim.start(tick);
  s.jobs.start(tick);
  s.gc.start(std::chrono::seconds(2));  // deletions poke it at once; the period catches the rest
  logInfo("devserver listening", {{"url", (options.tls ? "https://" : "http://") + options.bindAddress + ":" +
                                               std::to_string(s.port)}});
  return std::unique_ptr<DevServer>(new DevServer(std::move(impl)));
}

int DevServer::port() const { return impl_->port; }

std::string DevServer::url() const {
  std::string host = impl_->options.bindAddress == "0.0.0.0" ? "127.0.0.1" : impl_->options.bindAddress;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (impl_->options.tls ? "https://" : "http://") + host + ":" + std::to_string(impl_->port);
}

std::string DevServer::caCertificatePem() const { return impl_->caPem; }

Result<std::string> DevServer::writeKubeconfig(const std::string& path) const {
  auto st = writeKubeconfigFile(path, url(), impl_->caPem, impl_->options.token);
  if (!st) return st.error();
  return path;
}

static Result<Json> applyObject(DevServer::Impl& s, const Json& object) {
  if (!object.is_object()) return Error{"InvalidInput", "an object must be a JSON object"};
  std::string apiVersion = object.value("apiVersion", ""), kind = object.value("kind", "");
  auto type = s.registry.findByKind(apiVersion, kind);
  if (!type) return Error{"NotFound", "no resource serves " + apiVersion + ", Kind=" + kind};
  std::string ns = type->namespaced ? metaString(object, "namespace") : "";
  if (type->namespaced && ns.empty()) ns = "default";
  WriteOptions opts;
  opts.fieldManager = "devserver";
  opts.force = true;
  auto r = s.core.patch(*type, ns, metaString(object, "name"), PatchType::Apply, object, "", opts);
  if (!r) return Error{r.error().reason, r.error().message};
  return std::move(r).value();
}

Result<nlohmann::json> DevServer::apply(const nlohmann::json& object) { return applyObject(*impl_, object); }

FaultInjector& DevServer::faults() { return impl_->faults; }
AuditLog& DevServer::audit() { return impl_->audit; }
std::size_t DevServer::openWatches() const { return impl_->store.watcherCount(); }

void DevServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->sim.stop();
  impl_->jobs.stop();
  impl_->gc.stop();
  impl_->http.shutdown();
  impl_->server->stop();
  if (impl_->listener.joinable()) impl_->listener.join();
  impl_->store.closeAllWatchers();
  impl_->store.setJournal(nullptr);
  if (impl_->journal)
    if (auto st = impl_->journal->checkpoint(impl_->store); !st) logWarn("devserver checkpoint failed", {{"error", st.error().message}});
}

}  // namespace modelops::devserver
