// parseRequestOptions: see http_api_options.h.
// Thread-safety: pure functions.
#include "http_api_options.h"

#include <charconv>
#include <cstdint>

#include "request_info.h"

namespace modelops::devserver {
namespace {

ApiResult<WriteOptions> parseWriteOptions(const httplib::Request& req) {
  WriteOptions w;
  const std::string dryRun = queryParam(req, "dryRun");
  if (!dryRun.empty() && dryRun != "All")
    return badRequest("dryRun parameter unsupported: " + dryRun + ". Must be All");
  w.dryRun = dryRun == "All";
  w.fieldManager = queryParam(req, "fieldManager");
  const std::string fv = queryParam(req, "fieldValidation");
  if (!fv.empty() && fv != "Strict" && fv != "Warn" && fv != "Ignore")
    return badRequest("fieldValidation parameter unsupported: " + fv + ". Must be one of Strict, Warn, Ignore");
  w.fieldValidation = fv.empty() ? "Warn" : fv;
  w.force = queryParamBool(req.has_param("force"), queryParam(req, "force"));
  return w;
}

ApiResult<ListOptions> parseListOptions(const httplib::Request& req) {
  ListOptions l;
  l.labelSelector = queryParam(req, "labelSelector");
  l.fieldSelector = queryParam(req, "fieldSelector");
  l.continueToken = queryParam(req, "continue");
  const std::string limit = queryParam(req, "limit");
  if (!limit.empty()) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), value);
    if (ec != std::errc() || end != limit.data() + limit.size())
      return badRequest("limit parameter must be a non-negative integer, got \"" + limit + "\"");
    l.limit = static_cast<std::size_t>(value);
  }
  return l;
}

DeleteOptions finishDelete(const httplib::Request& req, DeleteOptions d, bool dryRunQuery) {
  if (const std::string policy = queryParam(req, "propagationPolicy"); !policy.empty()) d.propagationPolicy = policy;
  d.dryRun = d.dryRun || dryRunQuery;
  return d;
}

// The DeleteOptions body (optional) and the propagationPolicy query parameter, which wins.
ApiResult<DeleteOptions> parseDeleteOptions(const httplib::Request& req, bool dryRunQuery) {
  DeleteOptions d;
  if (!req.body.empty()) {
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_null()) return finishDelete(req, std::move(d), dryRunQuery);  // "null": no options
    if (body.is_discarded() || !body.is_object()) return badRequest("the DeleteOptions body is not a JSON object");
    if (auto p = body.find("propagationPolicy"); p != body.end() && p->is_string()) d.propagationPolicy = p->get<std::string>();
    if (auto pre = body.find("preconditions"); pre != body.end() && pre->is_object()) {
      d.preconditionUid = pre->value("uid", "");
      d.preconditionResourceVersion = pre->value("resourceVersion", "");
    }
    if (auto dry = body.find("dryRun"); dry != body.end() && dry->is_array() && !dry->empty()) d.dryRun = true;
  }
  return finishDelete(req, std::move(d), dryRunQuery);
}

}  // namespace

std::string queryParam(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : "";
}

ApiResult<RequestOptions> parseRequestOptions(const httplib::Request& req, const std::string& verb) {
  RequestOptions o;
  auto write = parseWriteOptions(req);
  if (!write) return write.error();
  o.write = std::move(write).value();
  auto list = parseListOptions(req);
  if (!list) return list.error();
  o.list = std::move(list).value();
  if (verb == "delete" || verb == "deletecollection") {
    auto remove = parseDeleteOptions(req, o.write.dryRun);
    if (!remove) return remove.error();
    o.remove = std::move(remove).value();
  }
  return o;
}

}  // namespace modelops::devserver
