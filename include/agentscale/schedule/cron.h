// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Cron schedules and time zones: the clock side of scaling. A CronSchedule
// is a crontab line with the meaning KEDA gives it (KEDA parses its cron
// trigger's start and end with github.com/robfig/cron/v3, five fields:
// minute hour day-of-month month day-of-week); CronWindow is KEDA's cron
// scaler rule for "inside [start, end)". docs/cron.md has every rule, with
// the daylight-saving cases.
//
//   absl::StatusOr<agentscale::schedule::CronSchedule> s =
//       agentscale::schedule::CronSchedule::Parse("0 8 * * Mon-Fri");
//   absl::StatusOr<absl::TimeZone> berlin =
//       agentscale::schedule::LoadZone("Europe/Berlin");
//   std::optional<absl::Time> next = s->Next(absl::Now(), *berlin);
//
//   absl::StatusOr<agentscale::schedule::CronWindow> w =
//       agentscale::schedule::CronWindow::Create("0 8 * * 1-5", "0 18 * * 1-5",
//                                                "Europe/Berlin");
//   bool open = w->Contains(absl::Now());
//
// Syntax (robfig/cron v3, parser.go): each field is a comma-separated list
// of `*` or `?` (every value), `N`, `N-M`, each optionally followed by
// `/step` (`N/step` means N to the field's maximum); months and weekdays
// also by their three-letter English names, any case. Day of week is 0-6
// (Sunday 0; 7 is refused). When both day-of-month and day-of-week are
// restricted a day matches if either does; when either is `*` or `?`
// (without a step above 1), both must. A `TZ=Zone ` or `CRON_TZ=Zone `
// prefix pins the schedule to that zone.
//
// Times: Next works at whole seconds, as robfig's does (the instant after
// `after` rounded down to the second, plus one second, is the first
// candidate); wall-clock times that do not exist (a spring-forward gap) are
// skipped and times that occur twice (a fall-back hour) fire twice, with
// robfig's exact stepping (hours and minutes are added as elapsed time,
// days as calendar days, and a day that does not start at midnight is moved
// to the hour nearest midnight).
//
// Thread safety: CronSchedule is an immutable value. CronWindow::Contains
// caches the next start and end it computed, so one CronWindow must not be
// used from two threads at once; copies are independent.
#ifndef AGENTSCALE_SCHEDULE_CRON_H_
#define AGENTSCALE_SCHEDULE_CRON_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace agentscale::schedule {

// A zone by name, as Go's time.LoadLocation reads it: "" and "UTC" are UTC,
// "Local" is UTC (the zone of a KEDA operator container, which sets no TZ:
// an assumption, docs/cron.md), any other name an IANA zone from the
// system's zone database (tzdata; TZDIR overrides its directory). Errors
// name the zone.
absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name);

struct CronParseOptions {
  // A leading seconds field (six fields), as robfig's cron.WithSeconds().
  bool seconds = false;
  // @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly
  // (robfig's Descriptor option; KEDA's cron trigger does not accept them).
  bool descriptors = false;
};

class CronSchedule {
 public:
  // Errors quote the part of the line at fault ("end of range (7) above
  // maximum (6): 1-7").
  static absl::StatusOr<CronSchedule> Parse(absl::string_view spec,
                                            CronParseOptions options = {});

  // The first instant strictly after `after` that the schedule names, read
  // in `zone` (or in the spec's own TZ= zone); nullopt if there is none
  // within five calendar years (robfig's limit: "0 0 30 2 *").
  std::optional<absl::Time> Next(absl::Time after, const absl::TimeZone& zone) const;

  // Whether the schedule names this wall-clock second.
  bool Matches(const absl::CivilSecond& t) const;
  // Whether it names this day (month, day of month and day of week, with
  // cron's either-or rule; the time fields are not looked at).
  bool MatchesDay(const absl::CivilDay& d) const;

  const std::string& spec() const { return spec_; }
  // The zone of a TZ= / CRON_TZ= prefix, if any.
  const std::optional<absl::TimeZone>& own_zone() const { return own_zone_; }

  // The fields as bit sets (bit v: value v matches; bit 63: the field was
  // written as * or ?), for tests and lints.
  uint64_t second_bits() const { return second_; }
  uint64_t minute_bits() const { return minute_; }
  uint64_t hour_bits() const { return hour_; }
  uint64_t dom_bits() const { return dom_; }
  uint64_t month_bits() const { return month_; }
  uint64_t dow_bits() const { return dow_; }

 private:
  CronSchedule() = default;
  bool DayMatches(const absl::CivilDay& d) const;

  std::string spec_;
  uint64_t second_ = 0, minute_ = 0, hour_ = 0, dom_ = 0, month_ = 0, dow_ = 0;
  std::optional<absl::TimeZone> own_zone_;
};

// KEDA's cron scaler window (pkg/scalers/cron_scaler.go): at `now`, take
// the next start and the next end (each strictly after `now`); the window
// is open when the next end comes no later than the next start, i.e. from
// each start (inclusive) to the following end (exclusive), wrapping past
// midnight. A schedule with no next instant counts as the earliest time,
// as Go's zero time does there.
class CronWindow {
 public:
  // start != end as written (KEDA refuses equal strings); the zone by
  // LoadZone.
  static absl::StatusOr<CronWindow> Create(absl::string_view start, absl::string_view end,
                                           absl::string_view zone);
  static CronWindow FromParts(CronSchedule start, CronSchedule end, absl::TimeZone zone);

  // Whether the window is open at `now`. Remembers the next start and end
  // it found, so a clock that moves forward recomputes them only when it
  // passes one of them.
  bool Contains(absl::Time now);
  // The same without the memory (recomputes both; for one-off questions).
  bool ContainsUncached(absl::Time now) const;
  // When Contains' answer may next change: the earlier of the next start
  // and the next end after the last Contains (InfiniteFuture if neither).
  absl::Time next_change() const { return valid_until_; }

  const CronSchedule& start() const { return start_; }
  const CronSchedule& end() const { return end_; }
  const absl::TimeZone& zone() const { return zone_; }

 private:
  CronWindow(CronSchedule start, CronSchedule end, absl::TimeZone zone);

  CronSchedule start_;
  CronSchedule end_;
  absl::TimeZone zone_;
  // Cache: the answer holds for now in [valid_from_, valid_until_).
  absl::Time valid_from_ = absl::InfiniteFuture();
  absl::Time valid_until_ = absl::InfinitePast();
  bool open_ = false;
};

}  // namespace agentscale::schedule

#endif  // AGENTSCALE_SCHEDULE_CRON_H_
