// The files `docker build .` sends as its build context: the source tree minus what .dockerignore excludes,
// copied into a directory so that the builder stage's CMake configure can be tried on exactly those files
// (dockerfile_test.cpp). Matching follows Docker's rules for the patterns the repository uses: a pattern is
// matched against the path relative to the root (and excludes a directory's whole contents), `**/` matches any
// number of leading directories, `!` re-includes, and the last matching line wins.
// Thread-safety: pure functions over the file system; one test at a time.
#pragma once

#include <fnmatch.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace modelops::testing {

struct IgnoreRule {
  std::string pattern;
  bool include = false;  // a "!" line
};

inline std::vector<IgnoreRule> parseDockerignore(const std::string& text) {
  std::vector<IgnoreRule> rules;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    IgnoreRule rule;
    if (line[0] == '!') {
      rule.include = true;
      line.erase(0, 1);
    }
    while (line.rfind("./", 0) == 0 || line.rfind('/', 0) == 0) line.erase(0, line[0] == '.' ? 2 : 1);
    rule.pattern = line;
    rules.push_back(rule);
  }
  return rules;
}

// Whether pattern matches relative path `path` itself or one of its parent directories.
inline bool dockerPatternMatches(const std::string& pattern, const std::string& path) {
  std::vector<std::string> prefixes;  // "a", "a/b", "a/b/c"
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
    prefixes.push_back(path.substr(0, slash));
  prefixes.push_back(path);
  const bool anyDepth = pattern.rfind("**/", 0) == 0;
  const std::string rest = anyDepth ? pattern.substr(3) : pattern;
  for (const auto& prefix : prefixes) {
    if (fnmatch(rest.c_str(), prefix.c_str(), FNM_PATHNAME) == 0) return true;
    if (!anyDepth) continue;
    for (auto slash = prefix.find('/'); slash != std::string::npos; slash = prefix.find('/', slash + 1))
      if (fnmatch(rest.c_str(), prefix.substr(slash + 1).c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

inline bool dockerExcludes(const std::vector<IgnoreRule>& rules, const std::string& path) {
  bool excluded = false;
  for (const auto& rule : rules)
    if (dockerPatternMatches(rule.pattern, path)) excluded = !rule.include;
  return excluded;
}

// Copies the build context of source into target (created; emptied first). Directories are always walked,
// since a "!" rule may re-include a file below an excluded one; skip (e.g. the build directory) is left out.
inline void copyDockerContext(const std::filesystem::path& source, const std::vector<IgnoreRule>& rules,
                              const std::filesystem::path& target, const std::filesystem::path& skip) {
  namespace fs = std::filesystem;
  fs::remove_all(target);
  fs::create_directories(target);
  const auto skipped = fs::weakly_canonical(skip);
  for (auto it = fs::recursive_directory_iterator(source); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && (fs::weakly_canonical(it->path()) == skipped || it->path().filename() == ".git")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string relative = fs::relative(it->path(), source).generic_string();
    if (dockerExcludes(rules, relative)) continue;
    fs::create_directories((target / relative).parent_path());
    fs::copy_file(it->path(), target / relative);
  }
}

}  // namespace modelops::testing
