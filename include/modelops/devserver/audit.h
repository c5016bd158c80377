// AuditLog: an in-memory record of every request the dev API server answered, so tests can prove
// what a client did (which verbs on which resources, whether a write changed a spec). Exposed at
// GET /admin/audit and through DevServer::audit().
// Thread-safety: all members are safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::devserver {

struct AuditRecord {
  std::uint64_t seq = 0;
  std::string time;          // RFC 3339
  std::string userAgent;
  std::string method;        // HTTP method
  std::string path;
  std::string verb;          // get, list, watch, create, update, patch, delete, deletecollection, or "" (non-resource)
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
  std::string fieldManager;
  std::string patchType;     // merge, json, strategic, apply
  int code = 0;
  bool dryRun = false;
  bool changed = false;      // something was stored
  bool specChanged = false;  // anything outside metadata and status changed (or object created)
  bool statusChanged = false;

  nlohmann::json toJson() const;
};

class AuditLog {
 public:
  explicit AuditLog(std::size_t capacity = 100000) : capacity_(capacity) {}
  void add(AuditRecord record);
  std::vector<AuditRecord> records() const;
  void clear();
  nlohmann::json toJson() const;

 private:
  mutable std::mutex mu_;
  std::deque<AuditRecord> records_;
  std::size_t capacity_;
  std::uint64_t seq_ = 0;
};

}  // namespace modelops::devserver
