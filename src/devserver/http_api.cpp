// HttpApi request dispatch: authentication, fault injection, the audit record, and one handler per verb
// (http_api_verbs.cpp) with the request's options parsed once (http_api_options.cpp); watch streaming is
// in http_watch.cpp, discovery, OpenAPI and admin endpoints in http_discovery.cpp. See http_api.h.
// Thread-safety: handlers run concurrently; all shared state is in thread-safe collaborators.
#include "http_api.h"

#include <thread>

#include "modelops/apimachinery/table.h"
#include "modelops/common/time.h"
#include "printers.h"

namespace modelops::devserver {

void writeJson(httplib::Response& res, int code, const nlohmann::json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

void writeStatus(httplib::Response& res, const ApiStatus& status) {
  if (status.retryAfterSeconds > 0) res.set_header("Retry-After", std::to_string(status.retryAfterSeconds));
  writeJson(res, status.code, status.toJson());
}

bool wantsTable(const httplib::Request& req) {
  return req.get_header_value("Accept").find("as=Table") != std::string::npos;
}

HttpApi::HttpApi(ApiCore& core, FaultInjector& faults, AuditLog& audit, const DevServerOptions& options)
    : core_(core), faults_(faults), audit_(audit), options_(options) {}

void HttpApi::install(httplib::Server& server) {
  auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server.Get(".*", h);
  server.Post(".*", h);
  server.Put(".*", h);
  server.Patch(".*", h);
  server.Delete(".*", h);
  // Bodies of the wrong shape can make JSON accessors throw: answer as the apiserver answers bad input.
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const nlohmann::json::exception& e) {
      writeStatus(res, badRequest(std::string("the request body has an unexpected shape: ") + e.what()));
    } catch (const std::exception& e) {
      writeStatus(res, internalError(e.what()));
    } catch (...) {
      writeStatus(res, internalError("unknown error"));
    }
  });
}

void HttpApi::shutdown() {
  stopping_ = true;
  core_.store().closeAllWatchers();
}

void HttpApi::handle(const httplib::Request& req, httplib::Response& res) {
  AuditRecord record;
  record.time = formatRfc3339(core_.clock().now());
  record.userAgent = req.get_header_value("User-Agent");
  record.method = req.method;
  record.path = req.path;
  bool health = req.path == "/healthz" || req.path == "/livez" || req.path == "/readyz";
  if (!options_.token.empty() && !health && req.get_header_value("Authorization") != "Bearer " + options_.token) {
    writeStatus(res, unauthorized());
    record.code = res.status;
    audit_.add(std::move(record));
    return;
  }
  // "watch=True" (the Python client) is a watch, as kube-apiserver decodes booleans.
  RequestInfo info = parseRequestInfo(req.method, req.path, queryParamBool(req.has_param("watch"), queryParam(req, "watch")));
  if (!info.isResource) {
    handleNonResource(req, res, record);
  } else {
    record.verb = info.verb;
    record.group = info.group;
    record.version = info.version;
    record.resource = info.resource;
    record.subresource = info.subresource;
    record.ns = info.ns;
    record.name = info.name;
    FaultDecision fault = faults_.decide(info.verb);
    if (fault.delay.count() > 0) std::this_thread::sleep_for(fault.delay);  // injected latency is the feature
    if (fault.errorCode) {
      ApiStatus s;
      if (*fault.errorCode == 429)
        s = tooManyRequests("Too many requests, please try again later.", fault.retryAfterSeconds);
      else if (*fault.errorCode == 503)
        s = serviceUnavailable(fault.outage ? "the server is currently unable to handle the request (injected outage)"
                                            : "the server is currently unable to handle the request (injected fault)");
      else
        s = internalError("injected fault");
      s.retryAfterSeconds = fault.retryAfterSeconds;
      writeStatus(res, s);
    } else {
      handleResource(req, res, info, record);
    }
  }
  record.code = res.status;
  audit_.add(std::move(record));
}

nlohmann::json HttpApi::toTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                                const std::string& rv, const std::string& continueToken,
                                const httplib::Request& req) const {
  auto columns = printerColumns(type);
  std::string include = queryParam(req, "includeObject");
  auto mode = include == "Object" ? apimachinery::IncludeObject::Object
              : include == "None" ? apimachinery::IncludeObject::None
                                  : apimachinery::IncludeObject::Metadata;
  return apimachinery::renderTable(objects, columns, rv, continueToken, core_.clock().now(), mode);
}

// A type that serves this request (group, version, resource, scope and subresource), or nullptr.
static ResourceTypePtr servedType(const Registry& registry, const RequestInfo& info) {
  auto type = registry.find(info.group, info.version, info.resource);
  if (!type || (!info.ns.empty() && !type->namespaced)) return nullptr;
  if (info.subresource.empty() || (info.subresource == "status" && type->hasStatus) ||
      (info.subresource == "scale" && type->hasScale))
    return type;
  return nullptr;
}

// Warning headers as kube-apiserver writes them: 299 - "<text>" with quotes and backslashes escaped.
static void writeWarnings(httplib::Response& res, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) {
    std::string escaped;
    for (char c : w) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    res.set_header("Warning", "299 - \"" + escaped + "\"");
  }
}

void HttpApi::handleResource(const httplib::Request& req, httplib::Response& res, const RequestInfo& info,
                             AuditRecord& record) {
  auto type = servedType(core_.registry(), info);
  if (!type) {
    ApiStatus s;
    s.code = 404;
    s.reason = "NotFound";
    s.message = "the server could not find the requested resource";
    s.causes.push_back({"UnexpectedServerResponse", "404 page not found", ""});
    writeStatus(res, s);
    return;
  }
  const std::string ns = type->namespaced ? info.ns : "";
  if (type->namespaced && ns.empty() && info.verb != "list" && info.verb != "watch") {
    writeStatus(res, notFound(type->group, type->plural, info.name));
    return;
  }
  auto options = parseRequestOptions(req, info.verb);
  if (!options) {
    writeStatus(res, options.error());
    return;
  }
  if (info.verb == "watch") {
    handleWatch(req, res, *type, info);
    return;
  }
  std::vector<std::string> warnings;
  options->write.warnings = &warnings;
  record.dryRun = options->write.dryRun || options->remove.dryRun;
  ResourceCall call{req, info, *type, ns, options.value(), record, {}};
  ApiResult<Reply> reply = dispatch(call);
  record.changed = call.written.changed;
  record.specChanged = call.written.specChanged;
  record.statusChanged = call.written.statusChanged;
  record.fieldManager = call.options.write.fieldManager;
  writeWarnings(res, warnings);
  if (!reply) {
    writeStatus(res, reply.error());
    return;
  }
  writeJson(res, reply->code, reply->body);
}

ApiResult<HttpApi::Reply> HttpApi::dispatch(ResourceCall& call) {
  const std::string& verb = call.info.verb;
  if (call.info.subresource == "scale" && (verb == "get" || verb == "update" || verb == "patch")) {
    auto scale = handleScale(call.req, call.type, call.ns, call.info.name, call.options.write, &call.written);
    if (!scale) return scale.error();
    return Reply{200, std::move(scale).value()};
  }
  if (verb == "get") return getVerb(call);
  if (verb == "list") return listVerb(call);
  if (verb == "create" || verb == "update" || verb == "patch") return writeVerb(call);
  if (verb == "delete") return deleteVerb(call);
  if (verb == "deletecollection") return deleteCollectionVerb(call);
  return methodNotAllowed("the server does not allow this method on the requested resource");
}

}  // namespace modelops::devserver
