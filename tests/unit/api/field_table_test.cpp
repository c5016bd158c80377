// unit.api: the field tables (modelops/api/fields.h) cover every member of every struct, and the codec
// carries every field in both directions: an object whose every field (recursively) holds a distinct
// value survives encode -> decode unchanged, with nothing falling into `extra`.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modelops/api/change_detection.h"
#include "modelops/api/codec.h"
#include "modelops/api/fields.h"

namespace modelops::api {
// Outside the anonymous namespace: AnyMember's conversion is declared, never defined (unevaluated
// contexts only), which clang refuses for a function with internal linkage.
namespace member_count {

// The number of members of an aggregate: the most initialisers T{...} accepts. Converts to any member
// type, in unevaluated contexts only.
struct AnyMember {
  template <class T>
  operator T&() const&&;  // NOLINT: implicit by design
};
template <class T, class... Args>
concept BraceInitialisable = requires { T{std::declval<Args>()...}; };
template <class T, class... Args>
constexpr std::size_t memberCount() {
  if constexpr (BraceInitialisable<T, Args..., AnyMember>) {
    return memberCount<T, Args..., AnyMember>();
  } else {
    return sizeof...(Args);
  }
}

}  // namespace member_count

namespace {

using member_count::memberCount;
using nlohmann::json;

struct TableEntryCounter {
  std::size_t entries = 0;
  template <class F>
  void operator()(const char*, F&) {
    ++entries;
  }
};

// Gives every field a value no other field has (recursively, two elements per list), marks each
// struct's `extra` with a member of its own, and records each struct whose table does not name all its
// members (the table's entries plus `extra`).
class Populator {
 public:
  std::vector<std::string> uncovered;  // "<path>: N members, M in the table + extra"

  template <HasFieldTable T>
  void fill(T& object, const std::string& path) {
    TableEntryCounter counter;
    visitFields(counter, object);
    if (memberCount<T>() != counter.entries + 1) {
      uncovered.push_back(path + ": " + std::to_string(memberCount<T>()) + " members, " +
                          std::to_string(counter.entries) + " in the table + extra");
    }
    object.extra = json{{"unknownAt_" + path, next()}};
    path_ = path;
    visitFields(*this, object);
  }

  void operator()(const char*, std::optional<std::string>& f) { f = "text-" + std::to_string(next()); }
  void operator()(const char*, std::optional<std::int64_t>& f) { f = next(); }
  void operator()(const char*, std::optional<double>& f) { f = static_cast<double>(next()) + 0.25; }
  void operator()(const char*, std::optional<bool>& f) { f = next() % 2 == 0; }
  void operator()(const char*, std::optional<Duration>& f) { f = Duration::parse(std::to_string(next()) + "s"); }
  void operator()(const char*, std::optional<IntOrString>& f) {
    const auto n = next();
    f = n % 2 == 0 ? IntOrString{n} : IntOrString{"port-" + std::to_string(n)};
  }
  void operator()(const char*, std::optional<json>& f) { f = json{{"verbatim", next()}}; }
  void operator()(const char*, std::map<std::string, std::string>& f) {
    f = {{"k" + std::to_string(next()), "v" + std::to_string(next())}};
  }
  void operator()(const char*, std::string& f) { f = "text-" + std::to_string(next()); }
  void operator()(const char*, json& f) { f = json{{"name", "object-" + std::to_string(next())}}; }
  void operator()(const char*, std::vector<std::string>& f) {
    f = {"a" + std::to_string(next()), "b" + std::to_string(next())};
  }
  template <HasFieldTable T>
  void operator()(const char* key, std::optional<T>& f) {
    f.emplace();
    nested(key, *f);
  }
  template <HasFieldTable T>
  void operator()(const char* key, std::vector<T>& f) {
    f.resize(2);
    for (auto& e : f) nested(key, e);
  }
  template <HasFieldTable T>
  void operator()(const char* key, T& f) {
    nested(key, f);
  }
  template <HasFieldTable T>
  void operator()(const char* key, std::optional<std::map<std::string, T>>& f) {
    f.emplace();
    for (int i = 0; i < 2; ++i) nested(key, (*f)["entry" + std::to_string(next())]);
  }

 private:
  template <class T>
  void nested(const char* key, T& object) {
    const std::string outer = path_;
    fill(object, outer + "." + key);
    path_ = outer;
  }
  std::int64_t next() { return ++counter_; }

  std::int64_t counter_ = 0;
  std::string path_;
};

ModelDeploymentSpec fullSpec(Populator& p) {
  ModelDeploymentSpec spec;
  p.fill(spec, "spec");
  return spec;
}

ModelDeploymentStatus fullStatus(Populator& p) {
  ModelDeploymentStatus status;
  p.fill(status, "status");
  return status;
}

TEST(FieldTable, NamesEveryMemberOfEveryStruct) {
  Populator p;
  ModelDeployment md;
  p.fill(md, "object");
  EXPECT_TRUE(p.uncovered.empty()) << "structs with members missing from fields.h:\n"
                                   << ::testing::PrintToString(p.uncovered);
}

// encode -> decode gives the same value, and encoding that gives the same JSON.
template <class T, class Encode, class Decode>
void expectRoundTrip(const T& value, Encode encode, Decode decode) {
  const json encoded = encode(value);
  auto decoded = decode(encoded);
  ASSERT_TRUE(decoded.ok()) << formatFieldErrors(decoded.error());
  EXPECT_EQ(decoded.value(), value) << encoded.dump(1);
  EXPECT_EQ(encode(decoded.value()), encoded);
}

TEST(FieldTable, EveryFieldOfTheSpecSurvivesARoundTrip) {
  Populator p;
  expectRoundTrip(fullSpec(p), encodeSpec, decodeSpec);
}

TEST(FieldTable, EveryFieldOfTheStatusSurvivesARoundTrip) {
  Populator p;
  expectRoundTrip(fullStatus(p), encodeStatus, decodeStatus);
}

TEST(FieldTable, EveryFieldOfAWholeObjectSurvivesARoundTrip) {
  Populator p;
  ModelDeployment md;
  p.fill(md, "object");
  expectRoundTrip(md, encodeModelDeployment, decodeModelDeployment);
}

// The field names in the JSON are the tables' (a spot check that the wire names did not drift).
TEST(FieldTable, WritesTheWireNames) {
  Populator p;
  const json spec = encodeSpec(fullSpec(p));
  EXPECT_TRUE(spec.contains("template"));
  EXPECT_TRUE(spec["strategy"]["canary"]["trafficRouting"]["gatewayAPI"].contains("namespace"));
  const json status = encodeStatus(fullStatus(p));
  EXPECT_TRUE(status["analysis"]["progress"]["metrics"][0]["latest"]["vsStable"].contains("stableSamples"));
  EXPECT_EQ(status["analysis"]["progressByVariant"].size(), 2u);
  EXPECT_TRUE(spec["monitoring"].contains("expectedTimeToFalseAlarm"));
  EXPECT_TRUE(spec["analysis"]["metrics"][0]["segments"].contains("expectedSegments"));
  EXPECT_EQ(status["analysis"].value("changeDetection", json::object()).size(), 2u);
}

// A progress of a type this version cannot read does not fail the object: it stays verbatim in extra.
TEST(FieldTable, UnreadableProgressIsKeptVerbatimAndNotAnError) {
  const json status = {{"analysis", {{"failures", 1}, {"progress", {{"metrics", "not a list"}}},
                                     {"progressByVariant", {{"a", {{"timedOut", "yes"}}}}}}}};
  auto decoded = decodeStatus(status);
  ASSERT_TRUE(decoded.ok()) << formatFieldErrors(decoded.error());
  ASSERT_TRUE(decoded->analysis);
  EXPECT_FALSE(decoded->analysis->progress);
  EXPECT_FALSE(decoded->analysis->progressByVariant);
  EXPECT_EQ(decoded->analysis->extra["progress"], status["analysis"]["progress"]);
  EXPECT_EQ(encodeStatus(decoded.value()), status);
}

// status.analysis.changeDetection on the wire as monitoring has written it since issue 15: typed on
// decode, the same JSON on encode, and a reading only when both counts are there.
TEST(FieldTable, ChangeDetectionKeepsItsWireFormat) {
  const json status = {{"analysis", {{"changeDetection",
                                      {{"accuracy", {{"statistic", 2.5}, {"labels", 400}, {"successes", 900},
                                                     {"trials", 1000}}},
                                       {"top5", {{"statistic", 0}, {"labels", 0}}}}}}}};
  auto decoded = decodeStatus(status);
  ASSERT_TRUE(decoded.ok()) << formatFieldErrors(decoded.error());
  ASSERT_TRUE(decoded->analysis && decoded->analysis->changeDetection);
  EXPECT_TRUE(decoded->analysis->extra.empty()) << decoded->analysis->extra.dump();
  auto states = changeDetectionOf(*decoded->analysis);
  EXPECT_EQ(states["accuracy"], (ChangeDetectionState{2.5, true, 900, 1000, 400}));
  EXPECT_EQ(states["top5"], (ChangeDetectionState{}));
  EXPECT_EQ(encodeStatus(decoded.value()), status);
  AnalysisStatus rewritten;
  setChangeDetection(rewritten, states);
  EXPECT_EQ(rewritten, *decoded->analysis);
}

// Detector state of a type this version cannot read restarts the detectors (kept verbatim, not an error),
// and the next write replaces it; an unusable entry (a negative statistic) restarts only its metric.
TEST(FieldTable, UnreadableChangeDetectionIsKeptVerbatimUntilReplaced) {
  const json status = {{"analysis", {{"changeDetection", {{"accuracy", {{"statistic", "high"}}}}}}}};
  auto decoded = decodeStatus(status);
  ASSERT_TRUE(decoded.ok()) << formatFieldErrors(decoded.error());
  ASSERT_TRUE(decoded->analysis);
  EXPECT_FALSE(decoded->analysis->changeDetection);
  EXPECT_TRUE(changeDetectionOf(*decoded->analysis).empty());
  EXPECT_EQ(encodeStatus(decoded.value()), status);
  setChangeDetection(*decoded->analysis, {{"accuracy", ChangeDetectionState{1.0, false, 0, 0, 10}}});
  EXPECT_EQ(encodeStatus(decoded.value())["analysis"]["changeDetection"],
            (json{{"accuracy", {{"statistic", 1.0}, {"labels", 10.0}}}}));
  EXPECT_FALSE(decoded->analysis->extra.contains("changeDetection"));

  AnalysisStatus edited;
  edited.changeDetection = {{"accuracy", {-1.0, std::nullopt, std::nullopt, 5.0, json::object()}},
                            {"top5", {1.0, 9.0, std::nullopt, 5.0, json::object()}}};
  const auto states = changeDetectionOf(edited);
  EXPECT_EQ(states.count("accuracy"), 0u);
  EXPECT_EQ(states.at("top5"), (ChangeDetectionState{1.0, false, 0, 0, 5.0})) << "half a reading is none";
  setChangeDetection(edited, {});
  EXPECT_FALSE(edited.changeDetection);
}

}  // namespace
}  // namespace modelops::api
