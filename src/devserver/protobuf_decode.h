// Decoding of Kubernetes protobuf request bodies ("k8s\0" + runtime.Unknown) for the few simple
// kinds kubectl's typed commands send that way (`kubectl create namespace|configmap|secret`):
// Namespace, ConfigMap and Secret, with the ObjectMeta fields a client sets on create (name,
// generateName, namespace, labels, annotations, ownerReferences, finalizers). Other kinds are
// refused by the caller with 415, as by a server without protobuf support.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace modelops::devserver {

// The object as JSON, or nullopt with *error set (malformed input or an unsupported kind).
std::optional<nlohmann::json> decodeKubernetesProtobuf(const std::string& body, std::string* error);

}  // namespace modelops::devserver
