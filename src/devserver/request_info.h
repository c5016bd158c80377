// RequestInfo: what a Kubernetes API path means (group, version, namespace, resource, name,
// subresource, verb), parsed the way kube-apiserver's RequestInfoFactory does it, including the
// namespaces/<name>/status special case and the legacy /watch/ prefix; boolean query parameters.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

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

// path without the query string; watchParam: the watch query parameter is true (see queryParamBool).
RequestInfo parseRequestInfo(const std::string& method, const std::string& path, bool watchParam);

// A boolean query parameter (watch, allowWatchBookmarks, force, ...) as kube-apiserver decodes it
// (runtime.Convert_Slice_string_To_bool): absent is false; "0" and "false" in any letter case are
// false; any other value, the empty string included, is true (so the Python client's watch=True is a
// watch). Never an error: the apiserver does not use strconv.ParseBool here.
bool queryParamBool(bool present, std::string_view value);

}  // namespace modelops::devserver
