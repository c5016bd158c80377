// Query templates: metric queries and provider URLs are written with placeholders
//   {{name}} {{namespace}} {{model}} {{version}} {{revision}} {{track}} {{analysis.elapsed}} {{args.<key>}}
// {{analysis.elapsed}} is the time since the analysis' counts start as a PromQL duration in whole seconds
// ("754s"), for counts since the start that survive restarts and counter resets:
// increase(x[{{analysis.elapsed}}]) (docs/reference.md, "Counts since the analysis started").
// (spaces inside the braces are allowed: "{{ model }}"). This is the single accepted set; API
// validation (src/api) must accept exactly the same names (isKnownPlaceholder()).
// Values are escaped for the context they are inserted into:
//   - Escaping::PromQL: for a PromQL string literal ("..."): backslash, double quote, newline,
//     carriage return and tab are backslash-escaped, so a value cannot end the literal;
//   - Escaping::Url: percent-encoding of everything but RFC 3986 unreserved characters;
//   - Escaping::Json: for a JSON string literal (body of a web POST);
//   - Escaping::None: verbatim (JSONPath queries of the web provider).
// An unknown placeholder or an unterminated "{{" at render time is an error (validation should have
// rejected it already).
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "modelops/common/result.h"

namespace modelops::analysis {

// The values a template is rendered with, for one revision of one ModelDeployment.
struct TemplateVars {
  std::string name;       // metadata.name of the ModelDeployment
  std::string ns;         // metadata.namespace
  std::string model;      // spec.model.name
  std::string version;    // the revision's model version
  std::string revision;   // the revision number, as text
  std::string track;      // stable | canary | variant name
  std::map<std::string, std::string> args;  // the metric's declared args
  std::string analysisElapsed = "60s";  // {{analysis.elapsed}}: analysisElapsedText() of the time since the start
};

enum class Escaping { None, PromQL, Url, Json };

// The text of {{analysis.elapsed}}: whole seconds, at least kMinAnalysisElapsed (so that the first look's
// range holds two scrapes: increase() needs two samples), e.g. "754s".
inline constexpr std::chrono::seconds kMinAnalysisElapsed{60};
std::string analysisElapsedText(std::chrono::milliseconds sinceStart);

// The placeholder names in order of appearance, trimmed, e.g. {"model", "args.window"}.
// Malformed text ("{{" without "}}") is reported by validateTemplate, not here.
std::vector<std::string> templatePlaceholders(std::string_view text);

// name, namespace, model, version, revision, track, analysis.elapsed, or args.<key> with a non-empty key.
bool isKnownPlaceholder(std::string_view placeholder);

// Ok when every placeholder is known and, for args.<key>, key is among declaredArgs.
// Error code "InvalidTemplate", message naming the first offending placeholder.
Status validateTemplate(std::string_view text, const std::vector<std::string>& declaredArgs);

Result<std::string> renderTemplate(std::string_view text, const TemplateVars& vars, Escaping escaping);

std::string escapePromQLString(std::string_view value);
std::string percentEncode(std::string_view value);
std::string escapeJsonString(std::string_view value);

}  // namespace modelops::analysis
