// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The regular expressions of the metrics layer (not installed): RE2, the
// syntax of Go's regexp package, which Prometheus (label matchers =~ and !~)
// and prometheus-adapter (name.matches, name.as) use; Go's "(?<name>...)"
// (Go 1.22) is read as RE2's "(?P<name>...)". RE2 matches in time
// linear in the input and compiles within a memory budget, so neither a
// pattern nor a label value from outside can exhaust the stack or hang a
// query. RE2 is a private dependency of agentscale::metrics: the public
// headers name these types only as incomplete types behind shared_ptr.
#ifndef AGENTSCALE_SRC_METRICS_REGEX_H_
#define AGENTSCALE_SRC_METRICS_REGEX_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace agentscale::metrics::internal {

// A PromQL label matcher's regular expression, as Prometheus 3 compiles it
// (labels.NewFastRegexMatcher: "^(?s:" + re + ")$"): the whole value must
// match, and `.` matches a newline too. The pattern is compiled alone and
// matched anchored at both ends (RE2::FullMatch), so a pattern such as
// `a)|(b` is an error rather than a way out of the anchors.
class LabelRegex {
 public:
  // Errors: longer than kMaxRegexBytes, invalid RE2 syntax, or over the
  // memory budget kRegexMaxMemoryBytes.
  static absl::StatusOr<std::shared_ptr<const LabelRegex>> Compile(
      const std::string& pattern);
  bool FullMatch(absl::string_view value) const;

 private:
  explicit LabelRegex(std::unique_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::unique_ptr<const re2::RE2> re_;
};

// prometheus-adapter's name rule (pkg/naming/metric_namer.go): `matches` is
// compiled as Go's regexp.Compile does, unanchored (the rule's own ^ and $
// anchor it), "" standing for ".*"; a series name maps to `as` expanded
// with the leftmost match's groups (Go's FindStringSubmatchIndex, then
// Regexp.ExpandString). An empty `as` is "$0" when `matches` has no capture
// group and "$1" when it has one; with more it is an error.
//
// `as` follows Go's template rules: $name or ${name}, where a name is the
// longest run of letters, digits and '_' (so "$1x" is the group named
// "1x", and "${1}x" is group 1 then "x"); a name of digits is a group
// number (no leading zeros); a group that does not exist, or did not take
// part in the match, expands to ""; "$$" is "$"; a '$' not followed by a
// name (or "${" without its '}') is kept as written.
class NameRule {
 public:
  // The start of the error for a missing `as` (the rest: "N capture
  // groups"); any other error is about `matches`.
  static constexpr char kAsRequired[] = "required when name.matches has ";
  static absl::StatusOr<std::shared_ptr<const NameRule>> Create(
      const std::string& matches, const std::string& as);
  // False when `metric` does not match; else *out is the expansion of `as`.
  bool Expose(absl::string_view metric, std::string* out) const;

 private:
  struct Piece {
    std::string literal;  // when group < 0
    int group = -1;
  };
  NameRule() = default;
  std::unique_ptr<const re2::RE2> re_;
  std::vector<Piece> pieces_;
  int submatches_ = 1;  // group 0 and every group `as` refers to
};

}  // namespace agentscale::metrics::internal

#endif  // AGENTSCALE_SRC_METRICS_REGEX_H_
