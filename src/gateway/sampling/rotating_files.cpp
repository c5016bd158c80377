// RotatingJsonlFiles; see rotating_files.h.
#include "rotating_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "modelops/common/logging.h"

namespace modelops::gateway::sampling_detail {
namespace {

Error diskError(const std::string& what, const std::string& path, int err) {
  return Error{"DiskError", what + " " + path + ": " + std::strerror(err)};
}

// The n of "<prefix>-<n>.jsonl", or 0 when the name is not one of ours.
std::uint64_t fileNumber(const std::string& name, const std::string& prefix) {
  const std::string_view suffix = ".jsonl";
  if (name.size() <= prefix.size() + 1 + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name[prefix.size()] != '-' || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  auto digits = std::string_view(name).substr(prefix.size() + 1, name.size() - prefix.size() - 1 - suffix.size());
  if (digits.empty() || digits.size() > 18) return 0;
  std::uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

RotatingJsonlFiles::RotatingJsonlFiles(std::string dir, std::string prefix, std::uint64_t maxFileBytes, std::size_t maxFiles)
    : dir_(std::move(dir)), prefix_(std::move(prefix)), maxFileBytes_(maxFileBytes), maxFiles_(maxFiles) {}

RotatingJsonlFiles::~RotatingJsonlFiles() { (void)close(); }

std::string RotatingJsonlFiles::pathOf(std::uint64_t n) const {
  return (std::filesystem::path(dir_) / (prefix_ + "-" + std::to_string(n) + ".jsonl")).string();
}

Status RotatingJsonlFiles::open() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Error{"DiskError", "cannot create " + dir_ + ": " + ec.message()};
  std::vector<std::uint64_t> found;
  for (auto it = std::filesystem::directory_iterator(dir_, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    if (auto n = fileNumber(it->path().filename().string(), prefix_); n > 0) found.push_back(n);
  }
  if (ec) return Error{"DiskError", "cannot list " + dir_ + ": " + ec.message()};
  std::sort(found.begin(), found.end());
  kept_.assign(found.begin(), found.end());
  lastNumber_ = found.empty() ? 0 : found.back();
  return {};
}

Status RotatingJsonlFiles::openNext() {
  auto n = lastNumber_ + 1;
  auto path = pathOf(n);
  // A new file per start and per rotation: a restart never appends to a file another process may have cut.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return diskError("cannot open", path, errno);
  fd_ = fd;
  size_ = 0;
  lastNumber_ = n;
  kept_.push_back(n);
  deleteBeyondCap();
  return {};
}

void RotatingJsonlFiles::deleteBeyondCap() {
  while (kept_.size() > maxFiles_) {
    auto path = pathOf(kept_.front());
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      logWarn("payload sampling: cannot delete an old file", {{"path", path}, {"err", std::strerror(errno)}});
    kept_.pop_front();
  }
}

Status RotatingJsonlFiles::append(std::string_view line) {
  const std::uint64_t bytes = line.size() + 1;
  if (fd_ >= 0 && size_ > 0 && size_ + bytes > maxFileBytes_) {
    if (auto st = close(); !st) return st;
  }
  if (fd_ < 0) {
    if (auto st = openNext(); !st) return st;
  }
  std::string buffer;
  buffer.reserve(bytes);
  buffer.append(line).push_back('\n');
  std::size_t done = 0;
  while (done < buffer.size()) {
    auto n = ::write(fd_, buffer.data() + done, buffer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      // No half line for a reader: cut the file back to its last whole line, then start afresh.
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) { /* the error reported is the write's */ }
      ::close(fd_);
      fd_ = -1;
      return diskError("cannot write", pathOf(lastNumber_), err);
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes;
  return {};
}

Status RotatingJsonlFiles::close() {
  if (fd_ < 0) return {};
  int fd = fd_;
  fd_ = -1;
  int syncErr = ::fdatasync(fd) == 0 ? 0 : errno;
  int closeErr = ::close(fd) == 0 ? 0 : errno;
  if (syncErr != 0 && syncErr != EINVAL) return diskError("cannot sync", pathOf(lastNumber_), syncErr);
  if (closeErr != 0) return diskError("cannot close", pathOf(lastNumber_), closeErr);
  return {};
}

}  // namespace modelops::gateway::sampling_detail
