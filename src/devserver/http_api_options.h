// The options of a resource request, parsed in one place from its query parameters (and, for deletes,
// its DeleteOptions body): dryRun, fieldManager, fieldValidation, force; labelSelector, fieldSelector,
// limit, continue; propagationPolicy and preconditions. A value the API server would reject is a 400
// naming the parameter, before anything is read or written.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <httplib.h>

#include "api_core.h"
#include "api_status.h"

namespace modelops::devserver {

struct RequestOptions {
  WriteOptions write;    // write.warnings is left to the caller
  ListOptions list;      // list and deletecollection
  DeleteOptions remove;  // delete and deletecollection (dryRun also set from the query)
};

// `verb` is the RequestInfo verb: the DeleteOptions body is read only for delete and deletecollection.
ApiResult<RequestOptions> parseRequestOptions(const httplib::Request& req, const std::string& verb);

// A query parameter, "" when absent.
std::string queryParam(const httplib::Request& req, const char* name);

}  // namespace modelops::devserver
