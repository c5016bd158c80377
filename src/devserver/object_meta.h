// Helpers for object metadata and JSON shapes shared by the dev server's API layer: reading
// metadata fields defensively, random uids and generateName suffixes, and the simplified field
// ownership sets used for managedFields and server-side apply (see docs/devserver.md).
// Thread-safety: pure functions, except the random generators which take a caller-owned engine.
#pragma once

#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::devserver {

using Json = nlohmann::json;

std::string metaString(const Json& obj, const char* field);
Json metaField(const Json& obj, const char* field);  // null when absent
bool hasDeletionTimestamp(const Json& obj);
std::vector<std::string> finalizers(const Json& obj);

std::string randomUid(std::mt19937_64& rng);
std::string randomNameSuffix(std::mt19937_64& rng);  // 5 chars from the apiserver's alphabet

// obj without the fields that never count as a spec change: metadata and (optionally) status.
Json withoutMetaAndStatus(const Json& obj, bool dropStatus);

// A field path as a list of object keys ("spec", "replicas"); lists are atomic leaves.
using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

// Leaf paths of an applied configuration: every key of nested objects down to non-object values
// (or empty objects). At the root apiVersion and kind are skipped; under metadata only labels,
// annotations, finalizers and ownerReferences count.
FieldSet leafFields(const Json& obj);
// Paths whose value differs between before and after (added, removed or changed), using the leaves of both.
FieldSet changedFields(const Json& before, const Json& after);
// ".spec.replicas" as kube prints conflicting fields.
std::string formatFieldPath(const FieldPath& p);
// fieldsV1 tree {"f:spec": {"f:replicas": {}}} and back.
Json toFieldsV1(const FieldSet& set);
FieldSet fromFieldsV1(const Json& tree);
// The value at p, or nullptr.
const Json* valueAt(const Json& obj, const FieldPath& p);
void eraseAt(Json& obj, const FieldPath& p);

// Deep merge for apply: objects merge key by key, everything else (lists included) replaces.
void mergeApplied(Json& target, const Json& applied);

}  // namespace modelops::devserver
