// Snapshot + append-only journal persistence; see persistence.h.
// Thread-safety: append() runs under the ObjectStore's lock (one writer at a time).
#include "persistence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "modelops/common/logging.h"

namespace modelops::devserver {

namespace {
bool writeAll(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

Status writeFileDurably(const std::string& dir, const std::string& name, const std::string& data) {
  std::string tmp = dir + "/" + name + ".tmp", final = dir + "/" + name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"IoError", tmp + ": " + std::strerror(errno)};
  bool ok = writeAll(fd, data) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), final.c_str()) != 0) return Error{"IoError", final + ": " + std::strerror(errno)};
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Status writeSnapshot(const std::string& dir, const std::map<std::string, std::map<std::string, Json>>& objects,
                     std::uint64_t rv) {
  Json snapObjects = Json::object();
  for (const auto& [k, items] : objects)
    for (const auto& [item, obj] : items) snapObjects[k][item] = obj;
  return writeFileDurably(dir, "snapshot.json", Json{{"rv", rv}, {"objects", snapObjects}}.dump());
}
}  // namespace

Status FileJournal::checkpoint(const ObjectStore& store) {
  auto [objects, rv] = store.snapshot();
  if (auto st = writeSnapshot(dir_, objects, rv); !st) return st;
  if (::ftruncate(fd_, 0) != 0 || ::fsync(fd_) != 0) return Error{"IoError", dir_ + "/journal.jsonl: cannot truncate"};
  return {};
}

Result<std::unique_ptr<FileJournal>> FileJournal::open(const std::string& dir, ObjectStore& store) {
  ::mkdir(dir.c_str(), 0700);
  std::map<std::string, std::map<std::string, Json>> objects;
  std::uint64_t rv = 0;
  {
    std::ifstream in(dir + "/snapshot.json");
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      Json snap = Json::parse(ss.str(), nullptr, false);
      if (snap.is_discarded() || !snap.is_object() || !snap.contains("objects") || !snap["objects"].is_object())
        return Error{"CorruptState", dir + "/snapshot.json: not a dev server snapshot"};
      rv = snap.value("rv", std::uint64_t{0});
      for (auto k = snap["objects"].begin(); k != snap["objects"].end(); ++k)
        for (auto o = k->begin(); o != k->end(); ++o) objects[k.key()][o.key()] = o.value();
    }
  }
  {
    std::ifstream in(dir + "/journal.jsonl");
    std::string line;
    std::size_t lineNo = 0;
    while (in && std::getline(in, line)) {
      ++lineNo;
      Json rec = Json::parse(line, nullptr, false);
      if (rec.is_discarded() || !rec.is_object()) {
        logWarn("devserver journal: ignoring unreadable record (torn write?)", {{"line", lineNo}});
        break;
      }
      std::string key = rec.value("key", ""), item = ObjectStore::itemKey(rec.value("ns", ""), rec.value("name", ""));
      if (rec.value("op", "") == "put") objects[key][item] = rec["object"];
      else objects[key].erase(item);
      rv = std::max(rv, rec.value("rv", std::uint64_t{0}));
    }
  }
  store.restore(objects, rv);
  if (auto st = writeSnapshot(dir, objects, rv); !st) return st.error();
  std::string journalPath = dir + "/journal.jsonl";
  int fd = ::open(journalPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"IoError", journalPath + ": " + std::strerror(errno)};
  return std::unique_ptr<FileJournal>(new FileJournal(dir, fd));
}

FileJournal::~FileJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void FileJournal::append(const std::string& op, const std::string& storageKey, const std::string& ns,
                         const std::string& name, const Json& object, std::uint64_t rv) {
  Json rec = {{"op", op}, {"key", storageKey}, {"ns", ns}, {"name", name}, {"rv", rv}};
  if (op == "put") rec["object"] = object;
  std::string line = rec.dump() + "\n";
  if (!writeAll(fd_, line) || ::fdatasync(fd_) != 0)
    logError("devserver journal: write failed; state may not survive a restart", {{"error", std::strerror(errno)}});
}

}  // namespace modelops::devserver
