// RequestInfo: what a Kubernetes API path means (group, version, namespace, resource, name,
// subresource, verb), parsed the way kube-apiserver's RequestInfoFactory does it, including the
// namespaces/<name>/status special case and the legacy /watch/ prefix.
// Thread-safety: pure function.
#pragma once

#include <string>

namespace modelops::devserver {

struct RequestInfo {
  bool isResource = false;
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
  std::string verb;  // get list watch create update patch delete deletecollection
};

// path without the query string; watchParam: ?watch=true|1 was given.
RequestInfo parseRequestInfo(const std::string& method, const std::string& path, bool watchParam);

}  // namespace modelops::devserver
