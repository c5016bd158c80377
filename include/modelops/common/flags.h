// FlagSet: command-line flags for the modelops programs (--name=value, --name value, --bool,
// --bool=false, short aliases like -n). Every flag has a help line; usage() prints them all with
// their defaults. Parse errors name the flag. Values are written into caller-owned variables.
// Thread-safety: use from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "modelops/common/result.h"

namespace modelops {

class FlagSet {
 public:
  FlagSet(std::string program, std::string summary);

  void addString(const std::string& name, std::string* target, const std::string& help,
                 const std::string& valueName = "STRING");
  void addInt(const std::string& name, std::int64_t* target, const std::string& help);
  void addDouble(const std::string& name, double* target, const std::string& help);
  void addBool(const std::string& name, bool* target, const std::string& help);
  void addDuration(const std::string& name, std::chrono::milliseconds* target, const std::string& help);
  // A repeatable flag: each occurrence appends.
  void addStringList(const std::string& name, std::vector<std::string>* target, const std::string& help,
                     const std::string& valueName = "STRING");
  // -n for --namespace, etc.
  void addAlias(char shortName, const std::string& name);

  // Parses argv[1..]. Arguments that are not flags are collected in positional(); "--" ends flags.
  Status parse(int argc, const char* const* argv);
  Status parse(const std::vector<std::string>& args);

  bool helpRequested() const { return help_; }
  const std::vector<std::string>& positional() const { return positional_; }
  std::string usage() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string valueName;  // empty for booleans
    std::string defaultText;
    std::function<Status(const std::string&)> set;
    bool isBool = false;
  };
  Flag* find(const std::string& name);
  void add(Flag flag);

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
  std::vector<std::pair<char, std::string>> aliases_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace modelops
