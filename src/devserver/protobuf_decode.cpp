// Minimal protobuf wire decoding for Kubernetes objects; see protobuf_decode.h. Field numbers are
// those of k8s.io/api/core/v1/generated.proto and apimachinery's meta/v1 and runtime protos.
// Thread-safety: pure functions.
#include "protobuf_decode.h"

#include <cstdint>
#include <functional>
#include <string_view>

#include "tls.h"

namespace modelops::devserver {

namespace {
using nlohmann::json;

struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire = 0;
  std::uint64_t varint = 0;
  std::string_view bytes;
};

// Calls fn for every field of a message; false when malformed.
bool forEachField(std::string_view msg, const std::function<bool(const Field&)>& fn) {
  std::size_t i = 0;
  auto readVarint = [&](std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= msg.size()) return false;
      auto b = static_cast<unsigned char>(msg[i++]);
      out |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  };
  while (i < msg.size()) {
    std::uint64_t key = 0;
    if (!readVarint(key)) return false;
    Field f;
    f.number = static_cast<std::uint32_t>(key >> 3);
    f.wire = static_cast<std::uint32_t>(key & 7);
    if (f.wire == 0) {
      if (!readVarint(f.varint)) return false;
    } else if (f.wire == 2) {
      std::uint64_t len = 0;
      if (!readVarint(len) || len > msg.size() - i) return false;
      f.bytes = msg.substr(i, static_cast<std::size_t>(len));
      i += static_cast<std::size_t>(len);
    } else if (f.wire == 1 || f.wire == 5) {
      std::size_t n = f.wire == 1 ? 8 : 4;
      if (n > msg.size() - i) return false;
      i += n;
    } else {
      return false;
    }
    if (!fn(f)) return false;
  }
  return true;
}

std::string str(const Field& f) { return std::string(f.bytes); }

// map<string, string|bytes> entry: key = 1, value = 2.
bool mapEntry(const Field& f, json& target, bool bytesValue) {
  std::string k, v;
  bool ok = forEachField(f.bytes, [&](const Field& e) {
    if (e.number == 1 && e.wire == 2) k = str(e);
    if (e.number == 2 && e.wire == 2) v = str(e);
    return true;
  });
  if (!ok) return false;
  target[k] = bytesValue ? base64Encode(v) : v;
  return true;
}

bool objectMeta(std::string_view msg, json& meta) {
  return forEachField(msg, [&](const Field& f) {
    if (f.wire != 2) return true;
    switch (f.number) {
      case 1: meta["name"] = str(f); break;
      case 2: meta["generateName"] = str(f); break;
      case 3: meta["namespace"] = str(f); break;
      case 11: return mapEntry(f, meta["labels"], false);
      case 12: return mapEntry(f, meta["annotations"], false);
      case 14: meta["finalizers"].push_back(str(f)); break;
      case 13: {
        json ref = json::object();
        bool ok = forEachField(f.bytes, [&](const Field& r) {
          if (r.number == 1 && r.wire == 2) ref["kind"] = str(r);
          if (r.number == 3 && r.wire == 2) ref["name"] = str(r);
          if (r.number == 4 && r.wire == 2) ref["uid"] = str(r);
          if (r.number == 5 && r.wire == 2) ref["apiVersion"] = str(r);
          if (r.number == 6 && r.wire == 0) ref["controller"] = r.varint != 0;
          if (r.number == 7 && r.wire == 0) ref["blockOwnerDeletion"] = r.varint != 0;
          return true;
        });
        if (!ok) return false;
        meta["ownerReferences"].push_back(ref);
        break;
      }
      default: break;
    }
    return true;
  });
}
}  // namespace

std::optional<json> decodeKubernetesProtobuf(const std::string& body, std::string* error) {
  auto fail = [&](const std::string& m) -> std::optional<json> {
    if (error) *error = m;
    return std::nullopt;
  };
  if (body.size() < 4 || body.compare(0, 4, std::string("k8s\0", 4)) != 0)
    return fail("not a Kubernetes protobuf envelope");
  std::string_view unknown(body.data() + 4, body.size() - 4);
  std::string apiVersion, kind;
  std::string_view raw;
  bool ok = forEachField(unknown, [&](const Field& f) {
    if (f.number == 1 && f.wire == 2)
      return forEachField(f.bytes, [&](const Field& t) {
        if (t.number == 1 && t.wire == 2) apiVersion = str(t);
        if (t.number == 2 && t.wire == 2) kind = str(t);
        return true;
      });
    if (f.number == 2 && f.wire == 2) raw = f.bytes;
    return true;
  });
  if (!ok) return fail("malformed protobuf envelope");
  if (apiVersion != "v1" || (kind != "Namespace" && kind != "ConfigMap" && kind != "Secret"))
    return fail("protobuf is not supported for " + apiVersion + ", Kind=" + kind);
  json obj = {{"apiVersion", apiVersion}, {"kind", kind}, {"metadata", json::object()}};
  ok = forEachField(raw, [&](const Field& f) {
    if (f.number == 1 && f.wire == 2) return objectMeta(f.bytes, obj["metadata"]);
    if (kind == "ConfigMap") {
      if (f.number == 2 && f.wire == 2) return mapEntry(f, obj["data"], false);
      if (f.number == 3 && f.wire == 2) return mapEntry(f, obj["binaryData"], true);
      if (f.number == 4 && f.wire == 0) obj["immutable"] = f.varint != 0;
    } else if (kind == "Secret") {
      if (f.number == 2 && f.wire == 2) return mapEntry(f, obj["data"], true);
      if (f.number == 3 && f.wire == 2) obj["type"] = str(f);
      if (f.number == 4 && f.wire == 2) return mapEntry(f, obj["stringData"], false);
      if (f.number == 5 && f.wire == 0) obj["immutable"] = f.varint != 0;
    } else if (kind == "Namespace" && f.number == 2 && f.wire == 2) {
      return forEachField(f.bytes, [&](const Field& s) {
        if (s.number == 1 && s.wire == 2) obj["spec"]["finalizers"].push_back(str(s));
        return true;
      });
    }
    return true;
  });
  if (!ok) return fail("malformed protobuf " + kind);
  return obj;
}

}  // namespace modelops::devserver
