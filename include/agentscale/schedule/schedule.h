// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Schedules: rules that raise the replica minimum (or lower the maximum) at
// known times, on top of any reactive policy. docs/schedules.md gives the
// exact meaning, with the seed's ConfigMap read rule by rule.
//
//   agentscale::schedule::ScheduleSpec s;
//   s.timezone = "America/New_York";
//   s.rules.push_back(agentscale::schedule::ScheduleRule::Window(
//       "business-week", {"0 8 * * 1"}, {"0 18 * * 5"}, /*min_replicas=*/6));
//   s.rules.push_back(agentscale::schedule::ScheduleRule::Days(
//       "month_end_surge", "28-31", /*min_replicas=*/8));
//   // The HPA, with the schedule's minimum in force where a rule is:
//   absl::StatusOr<std::unique_ptr<agentscale::Policy>> p =
//       agentscale::schedule::WithSchedule(std::move(hpa), s, trace_start, trace_end);
//
// When a rule is in force:
//   * A window rule from each instant one of its `start` lines names
//     (inclusive) until the first instant one of its `end` lines names after
//     that start (exclusive). A start while the rule is already in force changes
//     nothing; an end with no start before it, neither. Lines are read in
//     the schedule's zone with schedule/cron.h's rules (a start in a
//     daylight-saving gap does not happen that day; one in a repeated hour
//     happens at its first occurrence and the second changes nothing).
//   * A days rule on the whole local days its day fields name (day of
//     month, month, day of week, with cron's rules; "28-31" is the 28th to
//     the 31st, so February has the 28th and, in leap years, the 29th):
//     from the day's first instant to the next day's, whatever its length.
// What rules do: min_replicas raises the minimum (the decision is lifted to
// it), max_replicas lowers the maximum. Where several are in force the
// highest minimum and the lowest maximum apply, and a minimum above a
// maximum wins (policy/combinators.h BoundsOverride, which runs them).
//
// Thread safety: ScheduleSpec is a value; the policies WithSchedule builds
// are Policies (not internally synchronized).
#ifndef AGENTSCALE_SCHEDULE_SCHEDULE_H_
#define AGENTSCALE_SCHEDULE_SCHEDULE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/policy/combinators.h"
#include "agentscale/policy/policy.h"

namespace agentscale::schedule {

struct ScheduleRule {
  enum class Kind { kWindow, kDays };
  std::string name;
  Kind kind = Kind::kWindow;
  // kWindow: five-field cron lines; any start opens, any end closes.
  std::vector<std::string> start;
  std::vector<std::string> end;
  // kDays: the day fields: "28-31" (days of month), or three fields
  // "day-of-month month day-of-week" ("* * 1-5", "1 Jan,Jul *").
  std::string days;
  std::optional<int32_t> min_replicas;
  std::optional<int32_t> max_replicas;

  static ScheduleRule Window(std::string name, std::vector<std::string> start,
                             std::vector<std::string> end,
                             std::optional<int32_t> min_replicas,
                             std::optional<int32_t> max_replicas = std::nullopt);
  static ScheduleRule Days(std::string name, std::string days,
                           std::optional<int32_t> min_replicas,
                           std::optional<int32_t> max_replicas = std::nullopt);

  friend bool operator==(const ScheduleRule& a, const ScheduleRule& b) {
    return a.name == b.name && a.kind == b.kind && a.start == b.start && a.end == b.end &&
           a.days == b.days && a.min_replicas == b.min_replicas &&
           a.max_replicas == b.max_replicas;
  }
};

struct ScheduleSpec {
  std::string name = "schedule";
  std::string timezone = "UTC";  // schedule::LoadZone names
  std::vector<ScheduleRule> rules;
  // "ConfigMap" when read from one (its zone and amounts then came from
  // ConfigMapOptions), else "Schedule". Not part of equality.
  std::string source_kind = "Schedule";

  friend bool operator==(const ScheduleSpec& a, const ScheduleSpec& b) {
    return a.name == b.name && a.timezone == b.timezone && a.rules == b.rules;
  }
};

// Every problem at once, each with its path ("rules[1].start[0]": "end of
// range (7) above maximum (6): 7"): lines that do not parse, a window
// without start or end lines, an unknown zone, a rule with neither bound,
// negative bounds, duplicate names.
std::vector<hpa::FieldError> ValidateSchedule(const ScheduleSpec& spec);

// The stretches of time in [from, to) in which each rule is in force, as
// BoundsWindows named after their rules, ordered by start. A stretch that
// began before `from` (looking back up to 400 days for its start) starts at
// its true start. Errors: an invalid schedule, to <= from, or more than
// 100,000 stretches (a rule that starts every minute for a year).
absl::StatusOr<std::vector<BoundsWindow>> ExpandSchedule(const ScheduleSpec& spec,
                                                        absl::Time from, absl::Time to);

// `inner` with the schedule's bounds in force over [from, to): a
// BoundsOverride over ExpandSchedule's windows (its family is "bounds"; a
// decision the schedule lifts is explained as "bounds: ... by <rule>").
absl::StatusOr<std::unique_ptr<Policy>> WithSchedule(std::unique_ptr<Policy> inner,
                                                     const ScheduleSpec& spec, absl::Time from,
                                                     absl::Time to);

// The seed's predictive ConfigMap (data: {name: value}) as a schedule:
//   <day>_..._scale_up: "H:MM"    a window starts on that day at H:MM
//   <day>_..._scale_down: "H:MM"  a window ends on that day at H:MM
//   <name>: "D-D" (or "D", "D,D")  a days rule on those days of the month
// <day> is a weekday (monday .. sunday, mon .. sun), "weekday(s)" (Monday
// to Friday), "weekend(s)" or "daily". The scale-ups and scale-downs make
// one window rule, named "<up keys>..<down keys>" (each joined with "+"):
// in force from any scale-up until the next scale-down. The ConfigMap says
// when, not how many: every rule gets `min_replicas`. Errors name the key.
struct ConfigMapOptions {
  std::string timezone = "UTC";
  int32_t min_replicas = 1;
};
absl::StatusOr<ScheduleSpec> ScheduleFromConfigMap(const std::string& name,
                                                   const std::map<std::string, std::string>& data,
                                                   const ConfigMapOptions& options);

}  // namespace agentscale::schedule

#endif  // AGENTSCALE_SCHEDULE_SCHEDULE_H_
