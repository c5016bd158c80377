// OpenAPI v3 documents for kubectl (see openapi.h). kubectl 1.32 reads them for three things:
//  - server-side field validation: a path whose `post` operation carries x-kubernetes-group-version-kind
//    (an object) for the kind and a `fieldValidation` query parameter (cli-runtime query_param_verifier_v3);
//  - apply patch type: the `patch` operation's requestBody content types (strategic merge or not);
//  - `kubectl explain`: components.schemas entries with x-kubernetes-group-version-kind (a list), walking
//    `properties`, `items`, `$ref` and `allOf` for descriptions and types.
// Thread-safety: pure functions.
#include "modelops/apimachinery/openapi.h"

#include <cstdint>
#include <cstdio>

namespace modelops::apimachinery {

using nlohmann::json;

namespace {

constexpr const char* kMetaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";

json schemaRef(const std::string& name) { return json{{"$ref", "#/components/schemas/" + name}}; }

json queryParam(const std::string& name, const std::string& description, const std::string& type = "string") {
  json schema = {{"type", type}};
  if (type == "string") schema["uniqueItems"] = true;
  return json{{"name", name}, {"in", "query"}, {"description", description}, {"schema", schema}};
}

json pathParam(const std::string& name, const std::string& description) {
  return json{{"name", name}, {"in", "path"}, {"description", description}, {"required", true},
              {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

const json& fieldValidationParam() {
  static const json p = queryParam(
      "fieldValidation",
      "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing "
      "unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are "
      "silently dropped from the object, and will ignore all but the last duplicate field that the decoder "
      "encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard "
      "warning response header for each unknown field that is dropped from the object, and for each duplicate "
      "field that is encountered. The request will still succeed if there are no other errors, and will only "
      "persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the "
      "request with a BadRequest error if any unknown fields would be dropped from the object, or if any "
      "duplicate fields are present. The error returned from the server will contain all unknown and duplicate "
      "fields encountered.");
  return p;
}

json writeParams(bool patch) {
  json params = json::array();
  params.push_back(queryParam("dryRun", "When present, indicates that modifications should not be persisted. "
                                        "Valid values are: - All: all dry run stages will be processed"));
  params.push_back(queryParam("fieldManager", "fieldManager is a name associated with the actor or entity that "
                                              "is making these changes."));
  params.push_back(fieldValidationParam());
  if (patch) {
    params.push_back(queryParam("force", "Force is going to \"force\" Apply requests. It means user will re-acquire "
                                         "conflicting fields owned by other people.", "boolean"));
  }
  return params;
}

json listParams() {
  json params = json::array();
  for (auto [name, desc, type] : {std::tuple{"allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean"},
                                  std::tuple{"continue", "The continue option should be set when retrieving more results from the server.", "string"},
                                  std::tuple{"fieldSelector", "A selector to restrict the list of returned objects by their fields. Defaults to everything.", "string"},
                                  std::tuple{"labelSelector", "A selector to restrict the list of returned objects by their labels. Defaults to everything.", "string"},
                                  std::tuple{"limit", "limit is a maximum number of responses to return for a list call.", "integer"},
                                  std::tuple{"resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from.", "string"},
                                  std::tuple{"timeoutSeconds", "Timeout for the list/watch call.", "integer"},
                                  std::tuple{"watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"}}) {
    params.push_back(queryParam(name, desc, type));
  }
  return params;
}

json jsonBody(const std::string& schemaName) {
  return json{{"content", {{"*/*", {{"schema", schemaRef(schemaName)}}}}}, {"required", true}};
}

json responses(const std::string& schemaName, bool created) {
  json content = {{"application/json", {{"schema", schemaRef(schemaName)}}},
                  {"application/yaml", {{"schema", schemaRef(schemaName)}}}};
  json r = {{"200", {{"description", "OK"}, {"content", content}}},
            {"401", {{"description", "Unauthorized"}}}};
  if (created) {
    r["201"] = {{"description", "Created"}, {"content", content}};
    r["202"] = {{"description", "Accepted"}, {"content", content}};
  }
  return r;
}

json gvkObject(const ResourceDescription& r) {
  return json{{"group", r.group}, {"version", r.version}, {"kind", r.kind}};
}

std::string upperFirst(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// operationId as the apiserver builds it, e.g. createModelopsDevV1alpha1NamespacedModelDeployment.
std::string operationId(const std::string& verb, const ResourceDescription& r, bool namespaced, const std::string& suffix = "") {
  std::string group;
  if (r.group.empty()) {
    group = "Core";
  } else {
    std::string part;
    for (char c : r.group + ".") {
      if (c == '.' || c == '-') {
        group += upperFirst(part);
        part.clear();
      } else {
        part += c;
      }
    }
    if (group.size() > 7 && group.substr(group.size() - 7) == "K8sIo") group.resize(group.size() - 5);
  }
  return verb + group + upperFirst(r.version) + (namespaced ? "Namespaced" : "") + r.kind + suffix;
}

json operation(const std::string& verb, const std::string& action, const ResourceDescription& r, bool namespaced,
               const std::string& description, const std::string& schemaName, const std::string& suffix = "") {
  json op = {{"tags", json::array({r.group.empty() ? "core_" + r.version : r.group + "_" + r.version})},
             {"description", description},
             {"operationId", operationId(verb, r, namespaced, suffix)},
             {"responses", responses(schemaName, verb == "create" || verb == "replace" || verb == "patch")},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", gvkObject(r)}};
  return op;
}

json patchBody(const ResourceDescription& r, const std::string& schemaName) {
  (void)schemaName;
  json content = json::object();
  json patchSchema = schemaRef(kMetaPrefix + std::string("Patch"));
  for (const char* t : {"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"}) {
    content[t] = {{"schema", patchSchema}};
  }
  if (r.strategicMergePatch) content["application/strategic-merge-patch+json"] = {{"schema", patchSchema}};
  return json{{"content", content}, {"required", true}};
}

void addPaths(json& paths, const GroupVersion& gv, const ResourceDescription& r) {
  const std::string base = "/" + gv.path();
  const std::string schemaName = openApiSchemaName(r.group, r.version, r.kind);
  const std::string listName = schemaName + "List";
  const std::string collection = r.namespaced ? base + "/namespaces/{namespace}/" + r.plural : base + "/" + r.plural;
  const std::string item = collection + "/{name}";
  json nsParam = pathParam("namespace", "object name and auth scope, such as for teams and projects");
  json nameParam = pathParam("name", "name of the " + r.kind);
  json pretty = queryParam("pretty", "If 'true', then the output is pretty printed.");

  json coll = {{"parameters", json::array({pretty})}};
  if (r.namespaced) coll["parameters"].push_back(nsParam);
  coll["get"] = operation("list", "list", r, r.namespaced, "list or watch objects of kind " + r.kind, listName);
  coll["get"]["parameters"] = listParams();
  coll["post"] = operation("create", "post", r, r.namespaced, "create a " + r.kind, schemaName);
  coll["post"]["parameters"] = writeParams(false);
  coll["post"]["requestBody"] = jsonBody(schemaName);
  coll["delete"] = operation("deletecollection", "deletecollection", r, r.namespaced,
                             "delete collection of " + r.kind, kMetaPrefix + std::string("Status"));
  coll["delete"]["parameters"] = listParams();
  paths[collection] = std::move(coll);

  auto itemPath = [&](const std::string& suffix, const std::string& what) {
    json p = {{"parameters", json::array({nameParam, pretty})}};
    if (r.namespaced) p["parameters"].push_back(nsParam);
    p["get"] = operation("read", "get", r, r.namespaced, "read " + what + " of the specified " + r.kind, schemaName, suffix);
    p["put"] = operation("replace", "put", r, r.namespaced, "replace " + what + " of the specified " + r.kind, schemaName, suffix);
    p["put"]["parameters"] = writeParams(false);
    p["put"]["requestBody"] = jsonBody(schemaName);
    p["patch"] = operation("patch", "patch", r, r.namespaced, "partially update " + what + " of the specified " + r.kind, schemaName, suffix);
    p["patch"]["parameters"] = writeParams(true);
    p["patch"]["requestBody"] = patchBody(r, schemaName);
    return p;
  };
  json one = itemPath("", "the");
  one["delete"] = operation("delete", "delete", r, r.namespaced, "delete a " + r.kind, kMetaPrefix + std::string("Status"));
  one["delete"]["parameters"] = json::array({queryParam("dryRun", "When present, indicates that modifications should not be persisted."),
                                              queryParam("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
                                              queryParam("propagationPolicy", "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'.")});
  paths[item] = std::move(one);
  if (r.statusSubresource) paths[item + "/status"] = itemPath("Status", "status");
  if (r.namespaced) {
    json all = {{"parameters", json::array({pretty})}};
    all["get"] = operation("list", "list", r, false, "list or watch objects of kind " + r.kind, listName, "ForAllNamespaces");
    all["get"]["parameters"] = listParams();
    paths[base + "/" + r.plural] = std::move(all);
  }
}

json objectMetaSchema() {
  auto str = [](const char* d) { return json{{"type", "string"}, {"description", d}}; };
  json strMap = {{"type", "object"}, {"additionalProperties", {{"type", "string"}, {"default", ""}}}};
  json labels = strMap;
  labels["description"] = "Map of string keys and values that can be used to organize and categorize (scope and select) objects.";
  json annotations = strMap;
  annotations["description"] = "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.";
  return json{
      {"description", "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create."},
      {"type", "object"},
      {"properties",
       {{"name", str("Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.")},
        {"generateName", str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.")},
        {"namespace", str("Namespace defines the space within which each name must be unique.")},
        {"uid", str("UID is the unique in time and space value for this object.")},
        {"resourceVersion", str("An opaque value that represents the internal version of this object.")},
        {"generation", {{"type", "integer"}, {"format", "int64"}, {"description", "A sequence number representing a specific generation of the desired state."}}},
        {"creationTimestamp", {{"type", "string"}, {"format", "date-time"}, {"description", "CreationTimestamp is a timestamp representing the server time when this object was created."}}},
        {"deletionTimestamp", {{"type", "string"}, {"format", "date-time"}, {"description", "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted."}}},
        {"labels", labels},
        {"annotations", annotations},
        {"finalizers", {{"type", "array"}, {"items", {{"type", "string"}, {"default", ""}}}, {"x-kubernetes-list-type", "set"}, {"x-kubernetes-patch-strategy", "merge"}, {"description", "Must be empty before the object is deleted from the registry."}}},
        {"ownerReferences", {{"type", "array"}, {"items", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}, {"x-kubernetes-patch-merge-key", "uid"}, {"x-kubernetes-patch-strategy", "merge"}, {"description", "List of objects depended by this object."}}},
        {"managedFields", {{"type", "array"}, {"items", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}, {"description", "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow."}}}}}};
}

json kindSchema(const ResourceDescription& r) {
  json s = r.schema.is_object() && !r.schema.empty() ? r.schema
                                                      : json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  if (!s.contains("description") && !r.description.empty()) s["description"] = r.description;
  if (!s.contains("type")) s["type"] = "object";
  json& props = s["properties"];
  if (!props.is_object()) props = json::object();
  props["apiVersion"] = {{"type", "string"},
                         {"description", "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"}};
  props["kind"] = {{"type", "string"},
                   {"description", "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"}};
  json meta = {{"description", "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"},
               {"allOf", json::array({schemaRef(kMetaPrefix + std::string("ObjectMeta"))})},
               {"default", json::object()}};
  props["metadata"] = meta;
  s["x-kubernetes-group-version-kind"] = json::array({gvkObject(r)});
  return s;
}

json listSchema(const ResourceDescription& r) {
  return json{{"description", r.kind + "List is a list of " + r.kind},
              {"type", "object"},
              {"required", json::array({"items"})},
              {"properties",
               {{"apiVersion", {{"type", "string"}, {"description", "APIVersion defines the versioned schema of this representation of an object."}}},
                {"kind", {{"type", "string"}, {"description", "Kind is a string value representing the REST resource this object represents."}}},
                {"items", {{"type", "array"}, {"description", "List of " + r.plural + "."}, {"items", schemaRef(openApiSchemaName(r.group, r.version, r.kind))}}},
                {"metadata", {{"description", "Standard list metadata."}, {"allOf", json::array({schemaRef(kMetaPrefix + std::string("ListMeta"))})}, {"default", json::object()}}}}},
              {"x-kubernetes-group-version-kind", json::array({json{{"group", r.group}, {"version", r.version}, {"kind", r.kind + "List"}}})}};
}

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(h));
  return buf;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string GroupVersion::path() const { return group.empty() ? "api/" + version : "apis/" + group + "/" + version; }

std::string openApiSchemaName(const std::string& group, const std::string& version, const std::string& kind) {
  if (group.empty()) return "io.k8s.api.core." + version + "." + kind;
  if (group == "apiextensions.k8s.io") return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + version + "." + kind;
  const std::string k8sSuffix = ".k8s.io";
  if (group.size() > k8sSuffix.size() && group.compare(group.size() - k8sSuffix.size(), k8sSuffix.size(), k8sSuffix) == 0) {
    std::string first = group.substr(0, group.find('.'));
    return "io.k8s.api." + first + "." + version + "." + kind;
  }
  if (group.find('.') == std::string::npos) return "io.k8s.api." + group + "." + version + "." + kind;  // apps, batch
  std::string reversed;
  std::size_t end = group.size();
  while (true) {
    std::size_t dot = group.rfind('.', end - 1);
    std::string label = group.substr(dot == std::string::npos ? 0 : dot + 1, end - (dot == std::string::npos ? 0 : dot + 1));
    reversed += (reversed.empty() ? "" : ".") + label;
    if (dot == std::string::npos) break;
    end = dot;
  }
  return reversed + "." + version + "." + kind;
}

std::string openApiV3DocHash(const json& doc) {
  std::string text = doc.dump();
  return hex64(fnv1a(text)) + hex64(fnv1a("modelops/" + text));
}

json openApiV3Index(const std::vector<GroupVersion>& gvs) {
  json paths = json::object();
  for (const auto& gv : gvs) {
    std::string hash = gv.hash.empty() ? openApiV3DocHash(json(gv.path())) : gv.hash;
    paths[gv.path()] = {{"serverRelativeURL", "/openapi/v3/" + gv.path() + "?hash=" + hash}};
  }
  return json{{"paths", paths}};
}

json openApiV3GroupVersionDoc(const GroupVersion& gv, const std::vector<ResourceDescription>& resources) {
  json paths = json::object();
  json schemas = json::object();
  for (const auto& r : resources) {
    addPaths(paths, gv, r);
    schemas[openApiSchemaName(r.group, r.version, r.kind)] = kindSchema(r);
    schemas[openApiSchemaName(r.group, r.version, r.kind) + "List"] = listSchema(r);
  }
  schemas[kMetaPrefix + std::string("ObjectMeta")] = objectMetaSchema();
  schemas[kMetaPrefix + std::string("ListMeta")] = {
      {"description", "ListMeta describes metadata that synthetic resources must have, including lists and various status objects."},
      {"type", "object"},
      {"properties", {{"continue", {{"type", "string"}, {"description", "continue may be set if the user set a limit on the number of items returned."}}},
                      {"remainingItemCount", {{"type", "integer"}, {"format", "int64"}, {"description", "The number of subsequent items in the list which are not included in this list response."}}},
                      {"resourceVersion", {{"type", "string"}, {"description", "String that identifies the server's internal version of this object."}}}}}};
  schemas[kMetaPrefix + std::string("Status")] = {
      {"description", "Status is a return value for calls that don't return other objects."},
      {"type", "object"},
      {"x-kubernetes-preserve-unknown-fields", true},
      {"x-kubernetes-group-version-kind", json::array({json{{"group", ""}, {"version", "v1"}, {"kind", "Status"}}})}};
  schemas[kMetaPrefix + std::string("Patch")] = {
      {"description", "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body."},
      {"type", "object"}};
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
              {"paths", std::move(paths)},
              {"components",
               {{"schemas", std::move(schemas)},
                {"securitySchemes", {{"BearerToken", {{"type", "apiKey"}, {"description", "Bearer Token authentication"}, {"name", "authorization"}, {"in", "header"}}}}}}}};
}

}  // namespace modelops::apimachinery
