// KeyRingSource: the signing keys in use now. The gateway's Secret watch calls update() on rotation; stamping and
// feedback read current() per request. Before the first key arrives current() is null: responses go out without
// ids (counted) and feedback answers 503.
// Thread-safety: all members are safe from any thread (an atomically swapped shared_ptr).
#pragma once

#include <atomic>
#include <memory>

#include "modelops/gateway/feedback/prediction_id.h"

namespace modelops::gateway {

class KeyRingSource {
 public:
  KeyRingSource() = default;
  explicit KeyRingSource(KeyRing keys) { update(std::move(keys)); }

  std::shared_ptr<const KeyRing> current() const { return std::atomic_load(&keys_); }
  void update(KeyRing keys) { std::atomic_store(&keys_, std::shared_ptr<const KeyRing>(std::make_shared<KeyRing>(std::move(keys)))); }
  void clear() { std::atomic_store(&keys_, std::shared_ptr<const KeyRing>()); }

 private:
  std::shared_ptr<const KeyRing> keys_;
};

}  // namespace modelops::gateway
