// Unit tests of query templates: placeholders, validation, rendering and escaping (PromQL, URL, JSON).
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include "modelops/analysis/query_template.h"

namespace modelops::analysis {
namespace {

TemplateVars vars() {
  TemplateVars v;
  v.name = "fraud-detector";
  v.ns = "ml";
  v.model = "fraud";
  v.version = "2.4.0";
  v.revision = "4";
  v.track = "canary";
  v.args = {{"window", "10m"}};
  return v;
}

TEST(TemplatePlaceholders, ListsNamesInOrderTrimmed) {
  EXPECT_EQ(templatePlaceholders("a{{model}}b{{ version }}c{{args.window}}"),
            (std::vector<std::string>{"model", "version", "args.window"}));
  EXPECT_TRUE(templatePlaceholders("no placeholders {here}").empty());
}

TEST(TemplateValidation, AcceptsExactlyTheDocumentedSet) {
  for (const char* p : {"name", "namespace", "model", "version", "revision", "track", "analysis.elapsed", "args.x"}) {
    EXPECT_TRUE(isKnownPlaceholder(p)) << p;
  }
  for (const char* p : {"Model", "args.", "args", "ns", "segment", ""}) EXPECT_FALSE(isKnownPlaceholder(p)) << p;
}

TEST(TemplateValidation, RejectsUnknownUndeclaredArgAndUnterminated) {
  EXPECT_TRUE(validateTemplate("x{{model}}{{args.window}}", {"window"}).ok());
  auto unknown = validateTemplate("x{{modle}}", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "InvalidTemplate");
  EXPECT_NE(unknown.error().message.find("{{modle}}"), std::string::npos);
  auto undeclared = validateTemplate("{{args.window}}", {"other"});
  ASSERT_FALSE(undeclared.ok());
  EXPECT_NE(undeclared.error().message.find("window"), std::string::npos);
  EXPECT_FALSE(validateTemplate("rate(x[{{args.window]", {"window"}).ok());
}

TEST(TemplateRender, SubstitutesEveryPlaceholder) {
  auto r = renderTemplate("{{name}}/{{namespace}}/{{model}}/{{version}}/{{revision}}/{{track}}/{{ args.window }}", vars(),
                          Escaping::None);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "fraud-detector/ml/fraud/2.4.0/4/canary/10m");
}

TEST(TemplateRender, UnknownPlaceholderOrMissingArgIsAnError) {
  EXPECT_FALSE(renderTemplate("{{segment}}", vars(), Escaping::PromQL).ok());
  EXPECT_FALSE(renderTemplate("{{args.missing}}", vars(), Escaping::PromQL).ok());
  EXPECT_FALSE(renderTemplate("{{model", vars(), Escaping::PromQL).ok());
}

TEST(TemplateRender, PromQLValuesCannotLeaveTheStringLiteral) {
  TemplateVars v = vars();
  v.version = "1\"} or vector(1) #\\\n";
  auto r = renderTemplate("m{version=\"{{version}}\"}", v, Escaping::PromQL);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "m{version=\"1\\\"} or vector(1) #\\\\\\n\"}");
  EXPECT_EQ(escapePromQLString("a\tb\rc"), "a\\tb\\rc");
}

TEST(TemplateRender, UrlValuesArePercentEncoded) {
  TemplateVars v = vars();
  v.version = "2.4.0 rc/1&x=y?#";
  auto r = renderTemplate("http://h/acc?model={{model}}&version={{version}}", v, Escaping::Url);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "http://h/acc?model=fraud&version=2.4.0%20rc%2F1%26x%3Dy%3F%23");
  EXPECT_EQ(percentEncode("a-b_c.d~é"), "a-b_c.d~%C3%A9");
}

TEST(TemplateRender, JsonValuesAreEscaped) {
  TemplateVars v = vars();
  v.model = "a\"b\\c\n";
  auto r = renderTemplate("{\"model\":\"{{model}}\"}", v, Escaping::Json);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{\"model\":\"a\\\"b\\\\c\\n\"}");
}

}  // namespace
}  // namespace modelops::analysis
