// HttpApi: the HTTP face of the dev server on cpp-httplib: authentication, fault injection,
// discovery, OpenAPI, resource verbs (one handler per verb, with Table output; the request's options
// parsed once, http_api_options.h), watch streaming, health and admin endpoints, and one audit record
// per request.
// Thread-safety: handlers run concurrently on the server's thread pool; HttpApi holds no
// mutable state of its own besides atomics.
#pragma once

#include <atomic>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api_core.h"
#include "http_api_options.h"
#include "modelops/devserver/audit.h"
#include "modelops/devserver/dev_server.h"
#include "modelops/devserver/faults.h"
#include "request_info.h"

namespace modelops::devserver {

class HttpApi {
 public:
  HttpApi(ApiCore& core, FaultInjector& faults, AuditLog& audit, const DevServerOptions& options);
  void install(httplib::Server& server);
  void setServerAddress(std::string hostPort) { serverAddress_ = std::move(hostPort); }
  // Makes every open and future watch end promptly (server stop).
  void shutdown();

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  // Returns false when the request was answered as a non-resource path.
  bool handleNonResource(const httplib::Request& req, httplib::Response& res, AuditRecord& record);
  void handleResource(const httplib::Request& req, httplib::Response& res, const RequestInfo& info,
                      AuditRecord& record);

  // One resource request on its way through a verb handler (http_api_verbs.cpp).
  struct ResourceCall {
    const httplib::Request& req;
    const RequestInfo& info;
    const ResourceType& type;
    const std::string ns;     // "" for cluster-scoped types
    RequestOptions& options;  // a handler may default the field manager
    AuditRecord& record;
    WriteInfo written;        // what the verb stored, for the audit record
  };
  struct Reply {
    int code = 200;
    nlohmann::json body;
  };
  ApiResult<Reply> dispatch(ResourceCall& call);
  ApiResult<Reply> getVerb(ResourceCall& call);
  ApiResult<Reply> listVerb(ResourceCall& call);
  ApiResult<Reply> writeVerb(ResourceCall& call);  // create, update, patch
  ApiResult<Reply> deleteVerb(ResourceCall& call);
  ApiResult<Reply> deleteCollectionVerb(ResourceCall& call);
  void handleWatch(const httplib::Request& req, httplib::Response& res, const ResourceType& type,
                   const RequestInfo& info);
  ApiResult<nlohmann::json> handleScale(const httplib::Request& req, const ResourceType& type, const std::string& ns,
                                        const std::string& name, const WriteOptions& opts, WriteInfo* info);
  void handleAdmin(const httplib::Request& req, httplib::Response& res);
  void handleOpenApi(const httplib::Request& req, httplib::Response& res);
  nlohmann::json toTable(const ResourceType& type, const std::vector<nlohmann::json>& objects, const std::string& rv,
                         const std::string& continueToken, const httplib::Request& req) const;

  ApiCore& core_;
  FaultInjector& faults_;
  AuditLog& audit_;
  const DevServerOptions& options_;
  std::string serverAddress_;
  std::atomic<bool> stopping_{false};
};

// deletecollection: deletes each listed item and, like kube-apiserver, fails when an item could not be
// deleted (an item already gone does not count). Unlike a silent drop, the error names every item that
// failed (details.causes: one per item, field "<namespace>/<name>", with its reason and message); the code
// and reason are the first failure's. On success: the list as it was before the deletion.
ApiResult<nlohmann::json> deleteCollection(ApiCore& core, const ResourceType& type, const std::string& ns,
                                           const ListOptions& list, const DeleteOptions& remove, WriteInfo* info);

// Shared helpers for the handler files.
void writeJson(httplib::Response& res, int code, const nlohmann::json& body);
void writeStatus(httplib::Response& res, const ApiStatus& status);
bool wantsTable(const httplib::Request& req);

}  // namespace modelops::devserver
