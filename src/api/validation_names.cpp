// validate(): the names modelops derives from metadata.name and variant names, and service.targetPort
// against the pod template. A real API server refuses a Service name that is not a DNS-1035 label of
// at most 63 characters; a ModelDeployment whose derived names would be refused is rejected here, with
// the field to change and the name that does not fit, instead of failing on every reconcile later.
// Derived names (rollout/retention.cpp, rollout/abtest.cpp, api/names.h):
//   Services    <name>, <name>-stable, <name>-canary (canary), <name>-<variant> (A/B test)
//   Deployments <name>-<revision hash> (10 hex digits; a DNS-1123 subdomain, at most 253)
//   label       modelops.dev/name=<name> (a label value: at most 63)
// Thread-safety: pure functions.
#include <string>
#include <vector>

#include "validation_internal.h"

namespace modelops::api::detail {
namespace {

constexpr std::size_t kDnsLabelMax = 63;       // DNS-1035 / DNS-1123 label, and a label value
constexpr std::size_t kDnsSubdomainMax = 253;  // Deployment names
constexpr std::size_t kRevisionHashLength = 10;
constexpr std::size_t kPortNameMax = 15;        // IANA service name (containerPort name)

bool isDns1035Label(const std::string& s) {
  if (s.empty() || s.size() > kDnsLabelMax || !(s.front() >= 'a' && s.front() <= 'z') || s.back() == '-') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// IANA_SVC_NAME as Kubernetes checks port names: 1-15 of [a-z0-9-], at least one letter, no '-' at
// either end, no "--".
bool isPortName(const std::string& s) {
  if (s.empty() || s.size() > kPortNameMax || s.front() == '-' || s.back() == '-' || s.find("--") != std::string::npos)
    return false;
  bool letter = false;
  for (char c : s) {
    if (c >= 'a' && c <= 'z') letter = true;
    else if (!((c >= '0' && c <= '9') || c == '-')) return false;
  }
  return letter;
}

// Track Services "<name><suffix>" (suffixes of one length) that do not fit: one error on `field`
// (what the user changes) naming them all.
void checkServiceNames(const std::string& field, const std::string& base, const std::vector<std::string>& suffixes,
                       FieldErrors& errs) {
  const std::size_t suffix = suffixes.front().size();
  if (base.size() + suffix <= kDnsLabelMax) return;
  std::string services;
  for (std::size_t i = 0; i < suffixes.size(); ++i)
    services += (i == 0 ? "" : i + 1 == suffixes.size() ? " and " : ", ") + ("\"<name>" + suffixes[i] + "\"");
  errs.push_back({field, "must be no more than " + std::to_string(kDnsLabelMax - suffix) + " characters so that the " +
                             (suffixes.size() == 1 ? "Service " : "Services ") + services + " fit" +
                             (suffixes.size() == 1 ? "s" : "") + " in " + std::to_string(kDnsLabelMax) +
                             " (it would be " + std::to_string(base.size() + suffix) + ")"});
}

// Names of the ports the pod template's containers declare.
std::vector<std::string> containerPortNames(const std::optional<Json>& podTemplate, bool& anyPorts) {
  std::vector<std::string> names;
  anyPorts = false;
  if (!podTemplate || !podTemplate->is_object()) return names;
  const Json* containers = nullptr;
  if (auto spec = podTemplate->find("spec"); spec != podTemplate->end() && spec->is_object())
    if (auto c = spec->find("containers"); c != spec->end() && c->is_array()) containers = &*c;
  if (!containers) return names;
  for (const auto& c : *containers) {
    if (!c.is_object()) continue;
    auto ports = c.find("ports");
    if (ports == c.end() || !ports->is_array()) continue;
    for (const auto& port : *ports) {
      anyPorts = true;
      if (port.is_object())
        if (auto n = port.find("name"); n != port.end() && n->is_string()) names.push_back(n->get<std::string>());
    }
  }
  return names;
}

void validateTargetPort(const ModelDeploymentSpec& s, FieldErrors& errs) {
  if (!s.service || !s.service->targetPort) return;
  const IntOrString& tp = *s.service->targetPort;
  const std::string path = "spec.service.targetPort";
  if (tp.isInt()) {
    if (tp.intValue() < 1 || tp.intValue() > 65535) errs.push_back({path, "must be a port number 1..65535 or a port name"});
    return;
  }
  const std::string name = tp.stringValue();
  if (!isPortName(name)) {
    errs.push_back({path, "\"" + name + "\" is not a port name (1-15 lowercase letters, digits and '-', with a letter)"});
    return;
  }
  bool anyPorts = false;
  auto names = containerPortNames(s.template_, anyPorts);
  // A template that declares no ports gives nothing to check against (docs/reference.md says so).
  if (!anyPorts) return;
  std::string list;
  for (const auto& n : names) {
    if (n == name) return;
    list += (list.empty() ? "\"" : ", \"") + n + "\"";
  }
  errs.push_back({path, "port name \"" + name + "\" is not a port of the pod template's containers (" +
                            (list.empty() ? "they declare only unnamed ports" : "declared: " + list) + ")"});
}

}  // namespace

void validateNames(const ModelDeployment& md, FieldErrors& errs) {
  const std::string name = md.name();
  if (!name.empty()) {
    if (name.size() > kDnsLabelMax) {
      errs.push_back({"metadata.name", "must be no more than " + std::to_string(kDnsLabelMax) +
                                           " characters: it names the Service and is the label modelops.dev/name"});
    } else if (!isDns1035Label(name)) {
      errs.push_back({"metadata.name", "must be a DNS-1035 label (lowercase letters, digits and '-', starting with a "
                                       "letter): it names the Service \"" + name + "\""});
    } else {
      const auto& strategy = md.spec.strategy;
      const bool abTest = strategy && strategy->abTest;
      checkServiceNames("metadata.name", name, abTest ? std::vector<std::string>{"-stable"}
                                                      : std::vector<std::string>{"-stable", "-canary"}, errs);
      if (name.size() + 1 + kRevisionHashLength > kDnsSubdomainMax)
        errs.push_back({"metadata.name", "too long for the Deployment \"<name>-<revision hash>\""});
    }
  }
  const auto& strategy = md.spec.strategy;
  if (strategy && strategy->abTest && !name.empty() && name.size() <= kDnsLabelMax) {
    const auto& variants = strategy->abTest->variants;
    for (std::size_t i = 0; i < variants.size(); ++i) {
      const auto& v = variants[i];
      if (!v.name || v.name->empty()) continue;
      const std::string derived = name + "-" + *v.name;
      if (derived.size() <= kDnsLabelMax) continue;
      errs.push_back({"spec.strategy.abTest.variants[" + std::to_string(i) + "].name",
                      "must be no more than " +
                          std::to_string(name.size() + 1 < kDnsLabelMax ? kDnsLabelMax - name.size() - 1 : 0) +
                          " characters so that the Service \"" + name + "-" + *v.name + "\" fits in " +
                          std::to_string(kDnsLabelMax) + " (it would be " + std::to_string(derived.size()) + ")"});
    }
  }
  validateTargetPort(md.spec, errs);
}

}  // namespace modelops::api::detail
