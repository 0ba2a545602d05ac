// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The schedule of an Application Auto Scaling scheduled action
// (PutScheduledAction's Schedule and Timezone), in its three forms:
//
//   at(2026-12-24T18:00:00)      once, at that wall-clock time in the zone
//   rate(5 minutes)              every 5 minutes (minute(s), hour(s), day(s))
//                                from the action's StartTime, or from the
//                                instant the policy first runs
//   cron(0 8 ? * MON-FRI *)      AWS cron: six fields, minutes hours
//                                day-of-month month day-of-week year
//
//   absl::StatusOr<agentscale::aws::ScheduleExpression> s =
//       agentscale::aws::ScheduleExpression::Parse("cron(0 8 ? * MON-FRI *)",
//                                                  "Europe/Berlin");
//   std::optional<absl::Time> next = s->Next(now, /*anchor=*/now);
//
// AWS cron differs from the crontab CronSchedule (schedule/cron.h) reads:
// day-of-week counts 1-7 from Sunday (SUN-SAT by name), one of
// day-of-month and day-of-week must be `?`, and a sixth field names years.
// The minute .. day-of-week fields are rewritten into CronSchedule's
// syntax (day-of-week numbers shifted down by one) and the year field is
// checked here. AWS's `L`, `W` and `#` forms are refused with an error
// that says so (not supported here). Time zones come from
// schedule::LoadZone; wall-clock times inside a daylight-saving gap are
// skipped and repeated ones fire twice, as CronSchedule does.
#ifndef AGENTSCALE_AWS_SCHEDULE_EXPRESSION_H_
#define AGENTSCALE_AWS_SCHEDULE_EXPRESSION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "agentscale/schedule/cron.h"

namespace agentscale::aws {

class ScheduleExpression {
 public:
  enum class Kind { kAt, kRate, kCron };

  // Errors quote the expression and say which part is wrong.
  static absl::StatusOr<ScheduleExpression> Parse(const std::string& expression,
                                                  const std::string& timezone);

  // The first instant strictly after `after` the schedule names; nullopt
  // if none (an at() in the past, a cron whose years are over, an instant
  // past the accepted times of time_bounds.h). `anchor` is where a rate()
  // counts from.
  std::optional<absl::Time> Next(absl::Time after, absl::Time anchor) const;

  Kind kind() const { return kind_; }
  const std::string& expression() const { return expression_; }
  const absl::TimeZone& zone() const { return zone_; }
  absl::Duration rate() const { return rate_; }
  // The crontab line the cron() form was rewritten to.
  const std::string& crontab() const { return crontab_; }

 private:
  ScheduleExpression() = default;
  std::optional<absl::Time> NextUnbounded(absl::Time after, absl::Time anchor) const;

  Kind kind_ = Kind::kAt;
  std::string expression_;
  absl::TimeZone zone_;
  absl::CivilSecond at_;
  absl::Duration rate_ = absl::ZeroDuration();
  std::string crontab_;
  std::optional<schedule::CronSchedule> cron_;
  // Years the cron() form allows: bit (year - 1970) for 1970..2199; all
  // when the field is `*`.
  bool any_year_ = true;
  uint64_t years_[4] = {0, 0, 0, 0};
  bool YearAllowed(int64_t year) const;
  std::optional<int64_t> NextAllowedYear(int64_t from) const;
};

}  // namespace agentscale::aws

#endif  // AGENTSCALE_AWS_SCHEDULE_EXPRESSION_H_
