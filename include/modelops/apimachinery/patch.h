// The three Kubernetes patch formats applied to JSON documents:
// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch (built-in kinds), plus
// createMergePatch to compute a minimal merge patch between two documents.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::apimachinery {

// RFC 7386: objects merge recursively, null deletes a key, anything else replaces.
// Fails only when the patch is not valid JSON merge patch input (never for a JSON value, in practice).
Result<nlohmann::json> applyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// RFC 6902 operations array: add, remove, replace, move, copy, test; JSON pointers with ~0 ~1 escapes,
// "-" appends to arrays. Errors (code "InvalidPatch", or "TestFailed" for a failing test operation) say
// which operation failed, e.g. `operation 2 (replace "/spec/x"): path not found`.
Result<nlohmann::json> applyJsonPatch(const nlohmann::json& target, const nlohmann::json& operations);

// Strategic merge patch for built-in kinds ("Deployment", "Service", "ConfigMap", "Pod", ...).
// Lists merge by their patchMergeKey (containers by name, ports by containerPort or Service port, env by
// name, volumes by name, volumeMounts by mountPath, conditions by type, ownerReferences by uid, ...),
// finalizers merge as a set, other lists are replaced. Directives: `$patch: delete|replace|merge`,
// `$retainKeys`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`; null deletes a key.
// Unknown kinds behave like a merge patch with the directives still honoured.
Result<nlohmann::json> applyStrategicMergePatch(const nlohmann::json& target, const nlohmann::json& patch,
                                                const std::string& kind);

// The smallest RFC 7386 patch p with applyMergePatch(from, p) == to (arrays are replaced wholesale).
// An empty object when the two documents are equal.
nlohmann::json createMergePatch(const nlohmann::json& from, const nlohmann::json& to);

// Evaluates an RFC 6901 JSON pointer ("/spec/containers/0/name"); nullptr result when absent.
const nlohmann::json* resolveJsonPointer(const nlohmann::json& document, std::string_view pointer);

}  // namespace modelops::apimachinery
