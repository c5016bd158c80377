// RotatingJsonlFiles: appends lines to DIR/<prefix>-<n>.jsonl, starting a new file (n + 1) before a line would
// take the current one past maxFileBytes, and deleting the oldest files of the prefix beyond maxFiles. A failed
// write is cut back off the file (no half line is left) and closes it; the next append opens a fresh file.
// Internal to the sampling library (the PayloadSampler's writer thread).
// Thread-safety: none; one thread uses an instance.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "modelops/common/result.h"

namespace modelops::gateway::sampling_detail {

class RotatingJsonlFiles {
 public:
  RotatingJsonlFiles(std::string dir, std::string prefix, std::uint64_t maxFileBytes, std::size_t maxFiles);
  ~RotatingJsonlFiles();
  RotatingJsonlFiles(const RotatingJsonlFiles&) = delete;
  RotatingJsonlFiles& operator=(const RotatingJsonlFiles&) = delete;

  // Creates the directory when missing and finds the files of the prefix already there.
  Status open();
  // Appends one line (`line` without its newline; one is added).
  Status append(std::string_view line);
  // Syncs and closes the current file (the next append opens a new one).
  Status close();

  // The number of the file written last (0 before the first).
  std::uint64_t currentNumber() const { return kept_.empty() ? 0 : kept_.back(); }

 private:
  std::string pathOf(std::uint64_t n) const;
  Status openNext();
  void deleteBeyondCap();

  std::string dir_, prefix_;
  std::uint64_t maxFileBytes_;
  std::size_t maxFiles_;
  std::deque<std::uint64_t> kept_;  // file numbers on disk, oldest first
  std::uint64_t lastNumber_ = 0;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace modelops::gateway::sampling_detail
