// Non-resource endpoints: /version, legacy discovery (/api, /api/v1, /apis, /apis/G, /apis/G/V),
// OpenAPI v3 (index and per group/version documents), health, and the admin endpoints
// (/admin/audit, /admin/faults, /admin/compact, /admin/watches).
// Thread-safety: handlers run concurrently; state lives in thread-safe collaborators.
#include <set>

#include "http_api.h"
#include "modelops/apimachinery/openapi.h"

namespace modelops::devserver {

namespace {
ApiStatus pageNotFound() {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = "the server could not find the requested resource";
  return s;
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

// /openapi/v2 as a document without definitions. kubectl validates objects whose kind the OpenAPI v3
// documents do not declare (an unknown kind, a CRD not yet installed) against /openapi/v2, and skips
// kinds that document does not define; a 404 there made kubectl print "the server could not find the
// requested resource" instead of reaching its RESTMapper and its usual "no matches for kind ... ensure
// CRDs are installed first". The built-in kinds are validated by the server itself, as with v3.
void writeOpenApiV2WithoutDefinitions(const httplib::Request& req, httplib::Response& res) {
  res.status = 200;
  if (req.get_header_value("Accept").find("protobuf") != std::string::npos) {
    // gnostic openapi_v2.Document{swagger: "2.0"} (field 1, length-delimited, 3 bytes), with the media type
    // kube-openapi answers (the requested one has an "@", which Go's mime parser refuses).
    res.set_content(std::string("\x0a\x03" "2.0", 5), "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    return;
  }
  nlohmann::json doc = {{"swagger", "2.0"},
                        {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                        {"paths", nlohmann::json::object()},
                        {"definitions", nlohmann::json::object()}};
  res.set_content(doc.dump(), "application/json");
}
}  // namespace

bool HttpApi::handleNonResource(const httplib::Request& req, httplib::Response& res, AuditRecord&) {
  const std::string& p = req.path;
  if (p == "/healthz" || p == "/livez" || p == "/readyz") {
    res.status = 200;
    res.set_content("ok", "text/plain");
    return true;
  }
  if (p.rfind("/admin/", 0) == 0 && options_.admin) {
    handleAdmin(req, res);
    return true;
  }
  if (faults_.inOutage()) {
    ApiStatus s = serviceUnavailable("the server is currently unable to handle the request (injected outage)");
    s.retryAfterSeconds = 1;
    writeStatus(res, s);
    return true;
  }
  if (req.method != "GET") {
    writeStatus(res, methodNotAllowed("the server does not allow this method on the requested resource"));
    return true;
  }
  if (p == "/version") {
    writeJson(res, 200,
              {{"major", "1"}, {"minor", "32"}, {"gitVersion", "v1.32.0"}, {"gitCommit", "modelops-devserver"},
               {"gitTreeState", "clean"}, {"buildDate", "2026-01-01T00:00:00Z"}, {"goVersion", "go1.23.0"},
               {"compiler", "gc"}, {"platform", "linux/amd64"}});
    return true;
  }
  if (p.rfind("/openapi/", 0) == 0) {
    handleOpenApi(req, res);
    return true;
  }
  auto parts = split(p);
  auto& reg = core_.registry();
  if (parts.size() == 1 && parts[0] == "api") {
    writeJson(res, 200, reg.coreVersions(serverAddress_));
    return true;
  }
  if (parts.size() == 2 && parts[0] == "api") {
    auto list = reg.resourceList("", parts[1]);
    if (list) writeJson(res, 200, *list);
    else writeStatus(res, pageNotFound());
    return true;
  }
  if (parts.size() == 1 && parts[0] == "apis") {
    writeJson(res, 200, reg.groupList());
    return true;
  }
  if (parts.size() == 2 && parts[0] == "apis") {
    auto g = reg.group(parts[1]);
    if (g) writeJson(res, 200, *g);
    else writeStatus(res, pageNotFound());
    return true;
  }
  if (parts.size() == 3 && parts[0] == "apis") {
    auto list = reg.resourceList(parts[1], parts[2]);
    if (list) writeJson(res, 200, *list);
    else writeStatus(res, pageNotFound());
    return true;
  }
  writeStatus(res, pageNotFound());
  return true;
}

void HttpApi::handleOpenApi(const httplib::Request& req, httplib::Response& res) {
  if (req.path == "/openapi/v2") {
    writeOpenApiV2WithoutDefinitions(req, res);
    return;
  }
  // Group the served resources by group/version.
  std::map<std::pair<std::string, std::string>, std::vector<apimachinery::ResourceDescription>> byGv;
  for (const auto& t : core_.registry().all()) {
    apimachinery::ResourceDescription d;
    d.group = t->group;
    d.version = t->version;
    d.kind = t->kind;
    d.plural = t->plural;
    d.namespaced = t->namespaced;
    d.statusSubresource = t->hasStatus;
    d.scaleSubresource = t->hasScale;
    d.schema = t->schema;
    byGv[{t->group, t->version}].push_back(std::move(d));
  }
  auto docFor = [&](const std::string& group, const std::string& version) {
    apimachinery::GroupVersion gv{group, version, ""};
    return apimachinery::openApiV3GroupVersionDoc(gv, byGv[{group, version}]);
  };
  if (req.path == "/openapi/v3" || req.path == "/openapi/v3/") {
    std::vector<apimachinery::GroupVersion> gvs;
    for (const auto& [gv, list] : byGv)
      gvs.push_back({gv.first, gv.second, apimachinery::openApiV3DocHash(docFor(gv.first, gv.second))});
    writeJson(res, 200, apimachinery::openApiV3Index(gvs));
    return;
  }
  auto parts = split(req.path);  // openapi v3 api v1 | openapi v3 apis G V
  if (parts.size() == 4 && parts[1] == "v3" && parts[2] == "api" && byGv.count({"", parts[3]})) {
    writeJson(res, 200, docFor("", parts[3]));
    return;
  }
  if (parts.size() == 5 && parts[1] == "v3" && parts[2] == "apis" && byGv.count({parts[3], parts[4]})) {
    writeJson(res, 200, docFor(parts[3], parts[4]));
    return;
  }
  writeStatus(res, pageNotFound());
}

void HttpApi::handleAdmin(const httplib::Request& req, httplib::Response& res) {
  const std::string& p = req.path;
  if (p == "/admin/audit") {
    if (req.method == "DELETE") {
      audit_.clear();
      writeJson(res, 200, {{"cleared", true}});
    } else {
      writeJson(res, 200, audit_.toJson());
    }
    return;
  }
  if (p == "/admin/faults") {
    if (req.method == "GET") {
      writeJson(res, 200, faults_.describe());
      return;
    }
    if (req.method == "DELETE") {
      faults_.reset();
      writeJson(res, 200, faults_.describe());
      return;
    }
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
      writeStatus(res, badRequest("fault configuration: the body is not valid JSON"));
      return;
    }
    if (auto err = faults_.configure(body)) {
      writeStatus(res, badRequest("fault configuration: " + *err));
      return;
    }
    writeJson(res, 200, faults_.describe());
    return;
  }
  if (p == "/admin/compact" && req.method == "POST") {
    faults_.forceCompaction();
    writeJson(res, 200, {{"oldestResourceVersion", std::to_string(core_.store().oldestWatchableRv())}});
    return;
  }
  if (p == "/admin/watches") {
    writeJson(res, 200, {{"open", core_.store().watcherCount()}});
    return;
  }
  writeStatus(res, pageNotFound());
}

}  // namespace modelops::devserver
