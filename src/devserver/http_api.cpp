// HttpApi request dispatch and resource verbs; watch streaming is in http_watch.cpp, discovery,
// OpenAPI and admin endpoints in http_discovery.cpp. See http_api.h.
// Thread-safety: handlers run concurrently; all shared state is in thread-safe collaborators.
#include "http_api.h"

#include <thread>

#include "modelops/apimachinery/table.h"
#include "modelops/common/time.h"
#include "modelops/yaml/yaml.h"
#include "printers.h"
#include "protobuf_decode.h"

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

static std::string param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : "";
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
  RequestInfo info = parseRequestInfo(req.method, req.path, queryParamBool(req.has_param("watch"), param(req, "watch")));
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
  std::string include = param(req, "includeObject");
  auto mode = include == "Object" ? apimachinery::IncludeObject::Object
              : include == "None" ? apimachinery::IncludeObject::None
                                  : apimachinery::IncludeObject::Metadata;
  return apimachinery::renderTable(objects, columns, rv, continueToken, core_.clock().now(), mode);
}

static std::optional<PatchType> patchTypeOf(const std::string& contentType) {
  std::string ct = contentType.substr(0, contentType.find(';'));
  if (ct == "application/merge-patch+json") return PatchType::Merge;
  if (ct == "application/json-patch+json") return PatchType::Json;
  if (ct == "application/strategic-merge-patch+json") return PatchType::Strategic;
  if (ct == "application/apply-patch+yaml") return PatchType::Apply;
  return std::nullopt;
}

static std::optional<nlohmann::json> parseBody(const std::string& body, bool allowYaml, std::string* error) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded()) return j;
  if (allowYaml) {
    auto docs = yaml::loadYamlDocuments(body, "body");
    if (docs && docs->size() == 1) return docs->front();
    if (!docs) {
      *error = "error decoding YAML: " + docs.error().message;
      return std::nullopt;
    }
  }
  *error = "the request body is not valid JSON";
  return std::nullopt;
}

void HttpApi::handleResource(const httplib::Request& req, httplib::Response& res, const RequestInfo& info,
                             AuditRecord& record) {
  auto type = core_.registry().find(info.group, info.version, info.resource);
  if (!type || (!info.ns.empty() && !type->namespaced) ||
      (!info.subresource.empty() && !(info.subresource == "status" && type->hasStatus) &&
       !(info.subresource == "scale" && type->hasScale))) {
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
  WriteOptions wopts;
  std::vector<std::string> warnings;
  wopts.warnings = &warnings;
  wopts.dryRun = param(req, "dryRun") == "All";
  wopts.fieldManager = param(req, "fieldManager");
  std::string fv = param(req, "fieldValidation");
  wopts.fieldValidation = fv.empty() ? "Warn" : fv;
  wopts.force = queryParamBool(req.has_param("force"), param(req, "force"));
  record.dryRun = wopts.dryRun;
  if (fv != "" && fv != "Strict" && fv != "Warn" && fv != "Ignore") {
    writeStatus(res, badRequest("fieldValidation parameter unsupported: " + fv + ". Must be one of Strict, Warn, Ignore"));
    return;
  }
  WriteInfo winfo;
  ApiResult<nlohmann::json> result = nlohmann::json();
  int successCode = 200;
  std::string parseError;
  const std::string& v = info.verb;
  if (v == "watch") {
    handleWatch(req, res, *type, info);
    return;
  }
  if (info.subresource == "scale" && (v == "get" || v == "update" || v == "patch")) {
    result = handleScale(req, *type, ns, info.name, wopts, &winfo);
  } else if (v == "get") {
    result = core_.get(*type, ns, info.name);
    if (result && wantsTable(req)) {
      writeJson(res, 200, toTable(*type, {result.value()}, "", "", req));
      return;
    }
  } else if (v == "list") {
    ListOptions lo;
    lo.labelSelector = param(req, "labelSelector");
    lo.fieldSelector = param(req, "fieldSelector");
    lo.continueToken = param(req, "continue");
    std::string limit = param(req, "limit");
    if (!limit.empty()) lo.limit = static_cast<std::size_t>(std::strtoull(limit.c_str(), nullptr, 10));
    result = core_.list(*type, ns, lo);
    if (result && wantsTable(req)) {
      const auto& l = result.value();
      std::vector<nlohmann::json> items(l["items"].begin(), l["items"].end());
      writeJson(res, 200, toTable(*type, items, l["metadata"].value("resourceVersion", ""),
                                  l["metadata"].value("continue", ""), req));
      return;
    }
  } else if (v == "create" || v == "update" || v == "patch") {
    if (wopts.fieldManager.empty() && v != "patch") {
      std::string ua = req.get_header_value("User-Agent");
      wopts.fieldManager = ua.substr(0, ua.find('/'));
    }
    std::optional<PatchType> pt;
    if (v == "patch") {
      pt = patchTypeOf(req.get_header_value("Content-Type"));
      if (!pt) {
        writeStatus(res, unsupportedMediaType(req.get_header_value("Content-Type")));
        return;
      }
      static const char* names[] = {"merge", "json", "strategic", "apply"};
      record.patchType = names[static_cast<int>(*pt)];
      if (*pt != PatchType::Apply && wopts.fieldManager.empty()) {
        std::string ua = req.get_header_value("User-Agent");
        wopts.fieldManager = ua.substr(0, ua.find('/'));
      }
    }
    if (wopts.force && pt != PatchType::Apply) {
      writeStatus(res, badRequest("force is only allowed for apply patches"));
      return;
    }
    std::string ct = req.get_header_value("Content-Type");
    ct = ct.substr(0, ct.find(';'));
    bool yamlBody = ct == "application/yaml";
    std::optional<nlohmann::json> protoBody;
    if (v != "patch" && ct == "application/vnd.kubernetes.protobuf")
      protoBody = decodeKubernetesProtobuf(req.body, &parseError);
    if (v != "patch" && !ct.empty() && ct != "application/json" && !yamlBody && ct != "*/*" && !protoBody) {
      ApiStatus s;
      s.code = 415;
      s.reason = "UnsupportedMediaType";
      s.message = "the body of the request was in an unknown format - accepted media types include: "
                  "application/json, application/yaml, application/vnd.kubernetes.protobuf";
      writeStatus(res, s);
      return;
    }
    auto body = protoBody ? protoBody : parseBody(req.body, pt == PatchType::Apply || yamlBody, &parseError);
    if (!body) {
      writeStatus(res, badRequest(parseError));
      return;
    }
    if (v == "create") {
      if (!info.name.empty() || !info.subresource.empty()) {
        writeStatus(res, methodNotAllowed("the server does not allow this method on the requested resource"));
        return;
      }
      result = core_.create(*type, ns, std::move(*body), wopts, &winfo);
      successCode = 201;
    } else if (v == "update") {
      result = core_.update(*type, ns, info.name, std::move(*body), info.subresource, wopts, &winfo);
    } else {
      result = core_.patch(*type, ns, info.name, *pt, *body, info.subresource, wopts, &winfo);
      if (result && winfo.created) successCode = 201;
    }
  } else if (v == "delete" || v == "deletecollection") {
    DeleteOptions dopts;
    auto body = nlohmann::json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_object()) {
      dopts.propagationPolicy = body.value("propagationPolicy", "");
      if (body.contains("preconditions") && body["preconditions"].is_object()) {
        dopts.preconditionUid = body["preconditions"].value("uid", "");
        dopts.preconditionResourceVersion = body["preconditions"].value("resourceVersion", "");
      }
      if (body.contains("dryRun") && body["dryRun"].is_array() && !body["dryRun"].empty()) dopts.dryRun = true;
    }
    if (!param(req, "propagationPolicy").empty()) dopts.propagationPolicy = param(req, "propagationPolicy");
    dopts.dryRun = dopts.dryRun || wopts.dryRun;
    record.dryRun = dopts.dryRun;
    if (v == "delete") {
      result = core_.remove(*type, ns, info.name, dopts, &winfo);
    } else {
      ListOptions lo;
      lo.labelSelector = param(req, "labelSelector");
      lo.fieldSelector = param(req, "fieldSelector");
      result = core_.list(*type, ns, lo);
      if (result) {
        for (const auto& item : result.value()["items"]) {
          WriteInfo one;
          auto r = core_.remove(*type, metaString(item, "namespace"), metaString(item, "name"), dopts, &one);
          winfo.changed = winfo.changed || one.changed;
        }
      }
    }
  } else {
    writeStatus(res, methodNotAllowed("the server does not allow this method on the requested resource"));
    return;
  }
  record.changed = winfo.changed;
  record.specChanged = winfo.specChanged;
  record.statusChanged = winfo.statusChanged;
  record.fieldManager = wopts.fieldManager;
  for (const auto& w : warnings) {
    std::string escaped;
    for (char c : w) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    res.set_header("Warning", "299 - \"" + escaped + "\"");
  }
  if (!result) {
    writeStatus(res, result.error());
    return;
  }
  writeJson(res, successCode, result.value());
}

}  // namespace modelops::devserver
