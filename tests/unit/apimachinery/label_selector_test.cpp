// Tests of label and field selector parsing and matching (label_selector.h), table-driven with the
// apiserver's grammar: =, ==, !=, in, notin, exists, !exists; metav1.LabelSelector JSON; field selectors.
// Thread-safety: single-threaded tests.
#include "modelops/apimachinery/label_selector.h"

#include <gtest/gtest.h>

namespace modelops::apimachinery {
namespace {

using nlohmann::json;

const json kLabels = {{"app", "web"}, {"tier", "frontend"}, {"env", "prod"}, {"example.com/team", "ml"}};

struct MatchCase {
  std::string selector;
  bool matches;
};

class LabelSelectorMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(LabelSelectorMatch, AgainstFixedLabels) {
  auto s = parseLabelSelector(GetParam().selector);
  ASSERT_TRUE(s.ok()) << GetParam().selector << ": " << s.error().message;
  EXPECT_EQ(s->matches(kLabels), GetParam().matches) << GetParam().selector;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, LabelSelectorMatch,
    ::testing::Values(MatchCase{"", true}, MatchCase{"   ", true}, MatchCase{"app=web", true},
                      MatchCase{"app==web", true}, MatchCase{"app=api", false}, MatchCase{"app!=api", true},
                      MatchCase{"app!=web", false}, MatchCase{"missing!=x", true},  // absent key satisfies !=
                      MatchCase{"tier in (frontend,backend)", true}, MatchCase{"tier in (backend)", false},
                      MatchCase{"tier notin (backend)", true}, MatchCase{"tier notin (frontend, backend)", false},
                      MatchCase{"missing notin (a)", true}, MatchCase{"app", true}, MatchCase{"missing", false},
                      MatchCase{"!missing", true}, MatchCase{"!app", false},
                      MatchCase{"app=web,tier=frontend", true}, MatchCase{"app=web,tier=backend", false},
                      MatchCase{" app = web , env in ( prod , staging ) ", true},
                      MatchCase{"example.com/team=ml", true}, MatchCase{"app in (web),!legacy,env", true}));

TEST(LabelSelector, EmptyValueSelectsEmptyLabel) {
  auto s = parseLabelSelector("note=");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->matches(json{{"note", ""}}));
  EXPECT_FALSE(s->matches(json{{"note", "x"}}));
  EXPECT_FALSE(s->matches(json::object()));
}

TEST(LabelSelector, NullOrMissingLabelsMatchOnlyNegativeRequirements) {
  auto s = parseLabelSelector("!a,b!=c,d notin (e)");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->matches(nullptr));
  auto positive = parseLabelSelector("a");
  ASSERT_TRUE(positive.ok());
  EXPECT_FALSE(positive->matches(nullptr));
}

struct ErrorCase {
  std::string selector;
  std::string messagePart;
};

class LabelSelectorErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(LabelSelectorErrors, NameTheProblem) {
  auto s = parseLabelSelector(GetParam().selector);
  ASSERT_FALSE(s.ok()) << GetParam().selector;
  EXPECT_EQ(s.error().code, "InvalidInput");
  EXPECT_NE(s.error().message.find(GetParam().messagePart), std::string::npos) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, LabelSelectorErrors,
    ::testing::Values(ErrorCase{"a=b,", "identifier after ','"}, ErrorCase{"=b", "expected: !, identifier"},
                      ErrorCase{"a in b", "expected: '('"}, ErrorCase{"a in (b", "expected: ',' or ')'"},
                      ErrorCase{"a in ()", "values set can't be empty"},
                      ErrorCase{"-bad=x", "Invalid value: \"-bad\": name part must consist of alphanumeric"},
                      ErrorCase{"a=b c", "found 'c', expected: ',' or 'end of string'"},
                      ErrorCase{"a=-x", "Invalid value: \"-x\": a valid label must be an empty string"},
                      ErrorCase{"a/b/c=x", "a qualified name must consist of"},
                      ErrorCase{"Bad_Prefix/x=y", "prefix part a lowercase RFC 1123 subdomain"},
                      ErrorCase{"a>1", "operator '>' is not supported"},
                      ErrorCase{std::string(64, 'k') + "=v", "name part must be no more than 63 characters"}));

TEST(LabelSelector, ToStringIsCanonical) {
  auto s = parseLabelSelector("b in (y, x),a==1,!c,d");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->toString(), "b in (x,y),a=1,!c,d");
}

TEST(LabelSelector, ASetOfOnlyTheEmptyValuePrintsSoItParsesAgain) {
  // Found by fuzzing: "(,)" is the set {""}, but it printed as "()", the empty set, which is an error.
  auto s = parseLabelSelector("nb in( ,)");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->matches(json{{"nb", ""}}));
  EXPECT_FALSE(s->matches(json{{"nb", "x"}}));
  EXPECT_EQ(s->toString(), "nb in (,)");
  auto again = parseLabelSelector(s->toString());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->toString(), "nb in (,)");
  EXPECT_FALSE(parseLabelSelector("nb in ()").ok()) << "() stays the empty set, an error";
}

TEST(LabelSelectorJson, MatchLabelsAndExpressions) {
  json sel = {{"matchLabels", {{"app", "web"}}},
              {"matchExpressions",
               json::array({{{"key", "env"}, {"operator", "In"}, {"values", {"prod", "staging"}}},
                            {{"key", "legacy"}, {"operator", "DoesNotExist"}}})}};
  auto s = labelSelectorFromJson(sel);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->matches(kLabels));
  EXPECT_FALSE(s->matches(json{{"app", "web"}, {"env", "dev"}}));
  EXPECT_FALSE(s->matches(json{{"app", "web"}, {"env", "prod"}, {"legacy", "true"}}));
}

TEST(LabelSelectorJson, NullSelectsNothingAndEmptySelectsEverything) {
  auto none = labelSelectorFromJson(nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->matches(kLabels));
  EXPECT_FALSE(none->empty());
  auto all = labelSelectorFromJson(json::object());
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->matches(kLabels));
  EXPECT_TRUE(all->empty());
}

TEST(LabelSelectorJson, InvalidExpressionsAreErrors) {
  struct Case {
    json selector;
    std::string part;
  };
  std::vector<Case> cases = {
      {{{"matchExpressions", json::array({{{"key", "a"}, {"operator", "In"}}})}}, "matchExpressions[0].values: Required value"},
      {{{"matchExpressions", json::array({{{"key", "a"}, {"operator", "Exists"}, {"values", {"x"}}}})}}, "Forbidden"},
      {{{"matchExpressions", json::array({{{"key", "a"}, {"operator", "Gt"}, {"values", {"1"}}}})}}, "not a valid selector operator"},
      {{{"matchLabels", {{"a", 1}}}}, "must be a string"},
  };
  for (const auto& c : cases) {
    auto s = labelSelectorFromJson(c.selector);
    ASSERT_FALSE(s.ok()) << c.selector.dump();
    EXPECT_NE(s.error().message.find(c.part), std::string::npos) << s.error().message;
  }
}

const json kPod = {{"metadata", {{"name", "web-1"}, {"namespace", "prod"}}},
                   {"spec", {{"replicas", 3}, {"paused", false}}},
                   {"status", {{"phase", "Running"}}}};

TEST(FieldSelector, MatchesDottedPaths) {
  struct Case {
    std::string selector;
    bool matches;
  };
  std::vector<Case> cases = {{"", true},
                             {"metadata.name=web-1", true},
                             {"metadata.name==web-1", true},
                             {"metadata.name!=web-1", false},
                             {"metadata.namespace=prod,status.phase=Running", true},
                             {"metadata.namespace=prod,status.phase!=Running", false},
                             {"status.phase=Pending", false},
                             {"spec.replicas=3", true},
                             {"spec.paused=false", true},
                             {"spec.missing=", true},  // absent compares as ""
                             {"spec.missing!=x", true}};
  for (const auto& c : cases) {
    auto s = parseFieldSelector(c.selector);
    ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
    EXPECT_EQ(s->matches(kPod), c.matches) << c.selector;
  }
}

TEST(FieldSelector, EscapesAndErrors) {
  auto s = parseFieldSelector("metadata.name=a\\,b\\=c");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->requirements().size(), 1u);
  EXPECT_EQ(s->requirements()[0].value, "a,b=c");
  EXPECT_TRUE(s->matches(json{{"metadata", {{"name", "a,b=c"}}}}));
  EXPECT_EQ(s->toString(), "metadata.name=a\\,b\\=c");

  for (std::string bad : {"metadata.name", "=x", "metadata.name=a=b", "metadata.name=a\\q"}) {
    auto r = parseFieldSelector(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "InvalidInput");
    }
  }
}

}  // namespace
}  // namespace modelops::apimachinery
