// Fuzz target bodies; see targets.h. Properties checked here are the documented contracts of the code
// under test (never throw, canonical forms parse back, chunking does not change lines), so a failed
// fuzzCheck is a bug in that code, not in the input.
#include "targets.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/analysis/prometheus_provider.h"
#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"
#include "modelops/apimachinery/label_selector.h"
#include "modelops/gateway/feedback/feedback_service.h"
#include "modelops/gateway/feedback/prediction_id.h"
#include "modelops/kube/config.h"
#include "modelops/kube/watch_lines.h"
#include "modelops/yaml/yaml.h"

namespace modelops::fuzz {
namespace {

using nlohmann::json;

void fuzzCheck(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// JSON from untrusted text without exceptions; null when it is not JSON.
json parseJson(std::string_view s) {
  auto parsed = json::parse(s, nullptr, false);
  return parsed.is_discarded() ? json() : parsed;
}

// dump() throws on invalid UTF-8: the loaders promise to reject it, so every value they return must dump.
bool dumps(const json& value) {
  try {
    (void)value.dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

// The kubeconfig keys that name files; removed so that fuzzing never reads /dev/* or other local files.
void dropFileReferences(json& merged) {
  static const char* const kFileKeys[] = {"certificate-authority", "client-certificate", "client-key", "tokenFile"};
  for (const char* list : {"clusters", "users"}) {
    auto it = merged.find(list);
    if (it == merged.end() || !it->is_array()) continue;
    for (auto& entry : *it) {
      if (!entry.is_object()) continue;
      for (const char* inner : {"cluster", "user"}) {
        auto body = entry.find(inner);
        if (body == entry.end() || !body->is_object()) continue;
        for (const char* key : kFileKeys) body->erase(key);
      }
    }
  }
}

}  // namespace

void yamlLoader(const std::uint8_t* data, std::size_t size) {
  auto docs = yaml::loadYamlDocuments(text(data, size), "fuzz.yaml");
  if (!docs) {
    fuzzCheck(docs.error().code == "InvalidYaml", "yaml errors have code InvalidYaml");
    return;
  }
  for (const auto& doc : *docs) fuzzCheck(dumps(doc), "every loaded YAML document is valid UTF-8 JSON");
}

void apiDecode(const std::uint8_t* data, std::size_t size) {
  json doc = parseJson(text(data, size));
  if (doc.is_null()) return;
  (void)api::parseModelDeployment(doc);
  auto decoded = api::decodeModelDeployment(doc);
  if (!decoded) {
    fuzzCheck(!decoded.error().empty(), "a failed decode names at least one field");
    return;
  }
  // What encode writes must decode again (the operator re-reads what it wrote).
  json encoded = api::encodeModelDeployment(*decoded);
  auto again = api::decodeModelDeployment(encoded);
  fuzzCheck(static_cast<bool>(again), "encode(decode(doc)) decodes");
  fuzzCheck(api::encodeModelDeployment(*again) == encoded, "encode is stable after one round trip");
  api::ModelDeployment md = std::move(*decoded);
  api::applyDefaults(md);
  api::ModelDeployment twice = md;
  api::applyDefaults(twice);
  fuzzCheck(api::encodeModelDeployment(twice) == api::encodeModelDeployment(md), "applyDefaults is idempotent");
  auto errors = api::validate(md);
  // The message goes into status and Events: it must stay valid UTF-8 and bounded.
  std::string message = api::formatFieldErrors(errors);
  fuzzCheck(dumps(json(message)), "the InvalidSpec message is valid UTF-8");
  fuzzCheck(message.size() < 16 * 1024, "the InvalidSpec message is bounded");
}

void kubeconfig(const std::uint8_t* data, std::size_t size) {
  std::string input(text(data, size));
  (void)kube::decodeBase64(input);
  auto file = kube::parseKubeconfig(input, "/nonexistent/fuzz/kubeconfig");
  if (!file) return;
  json merged = kube::mergeKubeconfigs({*file, *file});
  dropFileReferences(merged);
  (void)kube::configFromKubeconfig(merged, "", "fuzz kubeconfig");
}

void watchLines(const std::uint8_t* data, std::size_t size) {
  // The first byte sets the chunk size (1..64) and the next the line limit, so chunk boundaries and
  // overflow land everywhere; the rest is the stream.
  if (size < 2) return;
  std::size_t chunk = static_cast<std::size_t>(data[0] % 64) + 1;
  std::size_t limit = static_cast<std::size_t>(data[1]) * 16 + 1;
  std::string_view stream = text(data + 2, size - 2);

  std::vector<std::string> whole;
  kube::LineSplitter one(limit);
  bool oneOk = one.feed(stream, [&](std::string_view line) {
    whole.emplace_back(line);
    return true;
  });

  std::vector<std::string> pieces;
  kube::LineSplitter many(limit);
  bool manyOk = true;
  for (std::size_t at = 0; at < stream.size() && manyOk; at += chunk) {
    manyOk = many.feed(stream.substr(at, chunk), [&](std::string_view line) {
      fuzzCheck(!line.empty() && line.size() <= limit, "lines are non-empty and within the limit");
      pieces.emplace_back(line);
      return true;
    });
  }
  if (oneOk && manyOk) {
    fuzzCheck(whole == pieces, "chunking does not change the lines");
    fuzzCheck(one.pending() == many.pending(), "chunking does not change the pending bytes");
  }
  for (const auto& line : pieces) {
    auto event = kube::parseWatchEvent(line);
    if (event) fuzzCheck(event->object.is_object(), "a parsed watch event carries an object");
    else fuzzCheck(event.error().reason == "BadResponse", "watch line errors are BadResponse");
  }
}

void prometheusResponse(const std::uint8_t* data, std::size_t size) {
  // The first byte picks the HTTP status the body came with.
  static const int kStatuses[] = {200, 400, 422, 500, 503, 404, 302, 0};
  if (size < 1) return;
  int status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  std::string body(text(data + 1, size - 1));
  auto parsed = analysis::parsePrometheusResponse(status, body, "sum(up)");
  if (!parsed.ok()) return;
  // The same body read as the answer to a combined query of three parts (PrometheusProvider::queryTogether).
  const std::size_t total = parsed->samples.size();
  auto parts = analysis::PrometheusProvider::splitCombined(std::move(*parsed), {"a", "b", "c"});
  if (!parts.ok()) return;
  fuzzCheck(parts->size() == 3, "a split has one result per query");
  std::size_t kept = 0;
  for (const auto& part : *parts) {
    kept += part.samples.size();
    for (const auto& sample : part.samples) {
      fuzzCheck(sample.labels.count(analysis::PrometheusProvider::kPartLabel) == 0, "the split removes the tag");
    }
  }
  fuzzCheck(kept == total, "a split keeps every series");
}

void labelSelector(const std::uint8_t* data, std::size_t size) {
  std::string_view input = text(data, size);
  static const json kLabels = {{"app", "web"}, {"tier", "api"}, {"modelops.dev/name", "fraud"}};
  if (auto selector = apimachinery::parseLabelSelector(input)) {
    (void)selector->matches(kLabels);
    std::string canonical = selector->toString();
    auto reparsed = apimachinery::parseLabelSelector(canonical);
    fuzzCheck(static_cast<bool>(reparsed), "a label selector's canonical form parses");
    fuzzCheck(reparsed->toString() == canonical, "the canonical form is a fixed point");
  }
  if (auto fields = apimachinery::parseFieldSelector(input)) {
    (void)fields->matches(json{{"metadata", {{"name", "a"}, {"namespace", "b"}}}});
    // No round-trip check: field names are kept raw (as Kubernetes keeps them), so the input
    // l, backslash, tab, = has the field name l-backslash, printed as "l\=", which does not parse back
    // (kept in fuzz/regressions/label_selector/).
    (void)apimachinery::parseFieldSelector(fields->toString());
  }
  json asJson = parseJson(input);
  if (!asJson.is_null()) {
    if (auto selector = apimachinery::labelSelectorFromJson(asJson)) (void)selector->matches(kLabels);
  }
}

namespace {

// Fixed time for the gateway targets: ids made at kFuzzNowMs are valid, "@ID@" ids included.
constexpr std::int64_t kFuzzNowMs = 1'780'000'000'000;

class FixedClock final : public Clock {
 public:
  WallTime now() const override { return WallTime(std::chrono::milliseconds(kFuzzNowMs)); }
  MonoTime monotonic() const override { return MonoTime(); }
};

const gateway::KeyRing& fuzzKeys() {
  static const gateway::KeyRing keys{gateway::signingKey(std::string(32, 'f')), gateway::signingKey(std::string(32, 'p'))};
  return keys;
}

std::string withValidIds(std::string body) {
  static const std::string id = gateway::encodePredictionId(
      gateway::PredictionId{"ns", "model", "v1", "abc", "eu", "7", kFuzzNowMs - 1000, 0, false}, fuzzKeys().current);
  for (std::size_t at = body.find("@ID@"); at != std::string::npos; at = body.find("@ID@", at + id.size())) {
    body.replace(at, 4, id);
  }
  return body;
}

}  // namespace

void feedbackBody(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return;
  static const char* const kTypes[] = {"application/json", "application/x-ndjson", "", "text/plain"};
  const char* contentType = kTypes[data[0] % 4];
  const std::string body = withValidIds(std::string(text(data + 1, size - 1)));
  static const FixedClock clock;
  // One registry for all inputs (a registry per input is wasted work): counters carry no behaviour and the
  // series cap bounds what they keep. The deduper is new per input, so no input affects another's answer.
  static gateway::GatewayMetrics metrics;
  gateway::FeedbackLimits limits;
  limits.maxItems = 50;
  gateway::FeedbackService service(std::make_shared<gateway::KeyRingSource>(fuzzKeys()),
                                   std::make_shared<gateway::WindowDeduper>(), metrics, clock, limits);
  const gateway::FeedbackAnswer answer = service.handle(body, contentType);
  static const int kStatuses[] = {200, 400, 403, 410, 413, 415};
  fuzzCheck(std::find(std::begin(kStatuses), std::end(kStatuses), answer.status) != std::end(kStatuses),
            "feedback answers a documented status");
  const json parsed = parseJson(answer.body);
  fuzzCheck(parsed.is_object(), "the feedback answer is a JSON object");
  if (parsed.contains("results")) {
    const auto& results = parsed["results"];
    fuzzCheck(results.is_array() && results.size() <= limits.maxItems, "a batch answers at most maxItems items");
    fuzzCheck(parsed["accepted"].get<std::size_t>() + parsed["rejected"].get<std::size_t>() == results.size(),
              "accepted + rejected = items");
    for (const auto& item : results) {
      fuzzCheck(item.contains("result") != item.contains("error"), "an item has a result or an error");
    }
  } else if (answer.status != 200) {
    fuzzCheck(parsed.contains("error"), "a refusal names its reason");
  }
}

void predictionId(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = text(data, size);
  if (auto id = gateway::verifyPredictionId(input, fuzzKeys(), kFuzzNowMs, 0)) {
    const gateway::KeyRing& keys = fuzzKeys();
    fuzzCheck(gateway::encodePredictionId(*id, keys.current) == input ||
                  gateway::encodePredictionId(*id, *keys.previous) == input,
              "an accepted id is the canonical encoding of what it carries");
  }
  // The input as fields: every field survives encode -> verify (truncated to kMaxIdFieldBytes).
  gateway::PredictionId fields;
  std::string* const parts[] = {&fields.ns, &fields.model, &fields.version, &fields.revision, &fields.segment,
                                &fields.predictedClass};
  std::size_t part = 0;
  for (char c : input) {
    if (c == '\x1f' && part + 1 < std::size(parts)) ++part;
    else parts[part]->push_back(c);
  }
  fields.issuedAtMs = kFuzzNowMs - std::int64_t(size);
  fields.row = std::uint32_t(size);
  fields.regression = size % 2 == 1;
  fields.nonce = size == 0 ? 0 : (std::uint64_t(data[0]) * 0x0101010101010101ULL) ^ (std::uint64_t(size) << 40);
  const std::string encoded = gateway::encodePredictionId(fields, fuzzKeys().current);
  fuzzCheck(encoded.size() <= gateway::kMaxPredictionIdLength, "an issued id fits the verifier's length bound");
  auto back = gateway::verifyPredictionId(encoded, fuzzKeys(), kFuzzNowMs, 24LL * 3600 * 1000);
  fuzzCheck(back.ok(), "an issued id verifies");
  for (std::size_t i = 0; i < std::size(parts); ++i) {
    const std::string expected = parts[i]->substr(0, gateway::kMaxIdFieldBytes);
    std::string* const got[] = {&back->ns, &back->model, &back->version, &back->revision, &back->segment,
                                &back->predictedClass};
    fuzzCheck(*got[i] == expected, "every field survives the round trip");
  }
  fuzzCheck(back->row == fields.row && back->regression == fields.regression && back->issuedAtMs == fields.issuedAtMs,
            "row, task and time survive the round trip");
  fuzzCheck(back->nonce == fields.nonce, "the nonce survives the round trip");
  // One changed character (position and value from the input) is never accepted.
  if (size >= 2) {
    std::string tampered = encoded;
    const std::size_t at = (std::size_t(data[0]) << 8 | data[1]) % tampered.size();
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    fuzzCheck(!gateway::verifyPredictionId(tampered, fuzzKeys(), kFuzzNowMs, 0).ok(), "a tampered id is rejected");
  }
}

std::span<const Target> allTargets() {
  static const Target kTargets[] = {
      {"yaml_loader", yamlLoader},   {"api_decode", apiDecode},
      {"kubeconfig", kubeconfig},    {"watch_lines", watchLines},
      {"prometheus_response", prometheusResponse}, {"label_selector", labelSelector},
      {"feedback_body", feedbackBody},             {"prediction_id", predictionId},
  };
  return kTargets;
}

}  // namespace modelops::fuzz
