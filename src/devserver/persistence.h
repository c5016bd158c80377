// FileJournal: durable state for the dev server under --data-dir. On open it loads
// snapshot.json, replays journal.jsonl (a torn last line is ignored), writes a fresh snapshot and
// starts an empty journal; afterwards every committed change is appended to the journal and
// fsync'ed before the API answers, so a restart keeps every acknowledged object and the
// resourceVersion counter.
// Thread-safety: append() is called by the ObjectStore under its lock; open/close from one thread.
#pragma once

#include <memory>
#include <string>

#include "modelops/common/result.h"
#include "store.h"

namespace modelops::devserver {

class FileJournal final : public Journal {
 public:
  // Loads dir's state into store and returns the journal to attach with store.setJournal().
  static Result<std::unique_ptr<FileJournal>> open(const std::string& dir, ObjectStore& store);
  ~FileJournal() override;
  // Writes a fresh snapshot of the store and empties the journal (at clean shutdown, so restarts
  // replay little). Call with the journal detached from the store.
  Status checkpoint(const ObjectStore& store);
  void append(const std::string& op, const std::string& storageKey, const std::string& ns, const std::string& name,
              const Json& object, std::uint64_t rv) override;

 private:
  FileJournal(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  std::string dir_;
  int fd_;
};

}  // namespace modelops::devserver
