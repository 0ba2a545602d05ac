// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Prometheus rule files (the `rule_files` of prometheus.yml, what `promtool
// check rules` reads): groups of alerting and recording rules. Loaded so
// that lint (config/lint.h, LintPrometheusRules) can judge each expression
// and point at the character in the file where a problem starts, since an
// alert expression is usually one line among many.
//
//   absl::StatusOr<config::PrometheusRuleFile> rules =
//       config::LoadPrometheusRulesFile("alerts.yml");
//   if (!rules.ok()) {
//     // e.g. "alerts.yml:7:9: groups[0].rules[0].expr: is required"
//   }
//   for (const config::PrometheusRule& r : rules->rules) use(r.alert, r.expr);
//
// Decoding is strict, as Prometheus' own (yaml.UnmarshalStrict): an unknown
// field, a rule with both or neither of `alert` and `record`, or a missing
// `expr` is an error `<file>:<line>:<col>: <field path>: <problem>`. The
// expressions are not parsed here; lint scans them.
#ifndef AGENTSCALE_CONFIG_ALERT_RULES_H_
#define AGENTSCALE_CONFIG_ALERT_RULES_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace agentscale::config {

struct PrometheusRule {
  std::string group;   // the group's name
  std::string alert;   // an alerting rule's name, else empty
  std::string record;  // a recording rule's name, else empty
  std::string expr;
  std::string path;    // "groups[0].rules[1]", for messages
  // Where the expression's value starts (1-based line and column).
  int line = 0;
  int column = 0;
  // Where each line of `expr` starts in the file (1-based), when the file
  // holds the text verbatim there: a plain or quoted one-line scalar, or a
  // literal block (|). Empty when it does not (a folded or escaped scalar):
  // positions inside the expression are then unknown.
  std::vector<std::pair<int, int>> expr_lines;

  // "<line>:<col>" of the character at `offset` in `expr`; the expression's
  // start when that position is not known.
  std::pair<int, int> PositionOf(size_t offset) const;
};

struct PrometheusRuleFile {
  std::string source;  // the file name used in messages
  std::vector<PrometheusRule> rules;  // in file order, group by group
};

// Whether `yaml` looks like a rule file: its first document is a mapping
// with a top-level `groups` key. Text that is not YAML gives false (the
// caller's loader then reports the syntax error).
bool IsPrometheusRuleFile(const std::string& yaml);

// Loads a rule file from text; `source_name` stands in for the file name.
absl::StatusOr<PrometheusRuleFile> LoadPrometheusRulesString(
    const std::string& yaml, const std::string& source_name = "<string>");

// Loads the rule file at `path` (NotFound when missing).
absl::StatusOr<PrometheusRuleFile> LoadPrometheusRulesFile(const std::string& path);

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_ALERT_RULES_H_
