// FlagSet implementation; see include/modelops/common/flags.h.
#include "modelops/common/flags.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "modelops/common/time.h"

namespace modelops {
namespace {

Error badValue(const std::string& name, const std::string& value, const std::string& expected) {
  return Error{"InvalidFlag", "invalid value \"" + value + "\" for flag --" + name + ": " + expected};
}

std::string doubleText(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::add(Flag flag) { flags_.push_back(std::move(flag)); }

void FlagSet::addString(const std::string& name, std::string* target, const std::string& help,
                        const std::string& valueName) {
  add({name, help, valueName, target->empty() ? "" : "\"" + *target + "\"",
       [target](const std::string& v) -> Status {
         *target = v;
         return {};
       },
       false});
}

void FlagSet::addInt(const std::string& name, std::int64_t* target, const std::string& help) {
  add({name, help, "INT", std::to_string(*target),
       [name, target](const std::string& v) -> Status {
         char* end = nullptr;
         errno = 0;
         long long parsed = std::strtoll(v.c_str(), &end, 10);
         if (v.empty() || *end != '\0' || errno == ERANGE) return badValue(name, v, "expected an integer");
         *target = parsed;
         return {};
       },
       false});
}

void FlagSet::addDouble(const std::string& name, double* target, const std::string& help) {
  add({name, help, "NUMBER", doubleText(*target),
       [name, target](const std::string& v) -> Status {
         char* end = nullptr;
         double parsed = std::strtod(v.c_str(), &end);
         if (v.empty() || *end != '\0' || !std::isfinite(parsed)) return badValue(name, v, "expected a number");
         *target = parsed;
         return {};
       },
       false});
}

void FlagSet::addBool(const std::string& name, bool* target, const std::string& help) {
  add({name, help, "", *target ? "true" : "false",
       [name, target](const std::string& v) -> Status {
         if (v == "true" || v == "1") *target = true;
         else if (v == "false" || v == "0") *target = false;
         else return badValue(name, v, "expected true or false");
         return {};
       },
       true});
}

void FlagSet::addDuration(const std::string& name, std::chrono::milliseconds* target, const std::string& help) {
  add({name, help, "DURATION", formatDuration(*target),
       [name, target](const std::string& v) -> Status {
         auto parsed = parseDuration(v);
         if (!parsed || parsed->count() < 0)
           return badValue(name, v, "expected a non-negative duration such as 500ms, 15s or 2m");
         *target = *parsed;
         return {};
       },
       false});
}

void FlagSet::addStringList(const std::string& name, std::vector<std::string>* target, const std::string& help,
                            const std::string& valueName) {
  add({name, help + " (repeatable)", valueName, "",
       [target](const std::string& v) -> Status {
         target->push_back(v);
         return {};
       },
       false});
}

void FlagSet::addAlias(char shortName, const std::string& name) { aliases_.emplace_back(shortName, name); }

FlagSet::Flag* FlagSet::find(const std::string& name) {
  for (auto& f : flags_)
    if (f.name == name) return &f;
  return nullptr;
}

Status FlagSet::parse(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse(args);
}

Status FlagSet::parse(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--") {
      positional_.insert(positional_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      continue;
    }
    std::string name;
    std::string value;
    bool hasValue = false;
    if (arg.rfind("--", 0) == 0) {
      name = arg.substr(2);
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        hasValue = true;
      }
    } else if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-' && !std::isdigit(static_cast<unsigned char>(arg[1]))) {
      bool found = false;
      for (auto& [shortName, longName] : aliases_)
        if (arg[1] == shortName) {
          name = longName;
          found = true;
        }
      if (!found) return Error{"InvalidFlag", "unknown flag " + arg.substr(0, 2) + " (see --help)"};
      if (arg.size() > 2) {
        value = arg.substr(arg[2] == '=' ? 3 : 2);
        hasValue = true;
      }
    } else {
      positional_.push_back(arg);
      continue;
    }
    Flag* flag = find(name);
    if (!flag) return Error{"InvalidFlag", "unknown flag --" + name + " (see --help)"};
    if (!hasValue) {
      if (flag->isBool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Error{"InvalidFlag", "flag --" + name + " needs a value"};
      }
    }
    if (auto st = flag->set(value); !st) return st;
  }
  return {};
}

std::string FlagSet::usage() const {
  std::ostringstream out;
  out << "Usage: " << program_ << " [flags]\n\n" << summary_ << "\n\nFlags:\n";
  for (const auto& f : flags_) {
    std::string head = "  ";
    for (auto& [shortName, longName] : aliases_)
      if (longName == f.name) head += std::string("-") + shortName + ", ";
    head += "--" + f.name;
    if (!f.valueName.empty()) head += " " + f.valueName;
    out << head << "\n      " << f.help;
    if (!f.defaultText.empty()) out << " (default " << f.defaultText << ")";
    out << "\n";
  }
  out << "  -h, --help\n      Show this help.\n";
  return out.str();
}

}  // namespace modelops
