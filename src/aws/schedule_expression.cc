// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/aws/schedule_expression.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agentscale/status_macros.h"
#include "agentscale/time_bounds.h"

namespace agentscale::aws {
namespace {

constexpr int64_t kFirstYear = 1970;
constexpr int64_t kLastYear = 2199;

absl::Status Bad(const std::string& expression, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("\"", expression, "\": ", why));
}

bool ParseInt(absl::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(s, out);
}

// Day of week, AWS (1-7 from Sunday) to crontab (0-6 from Sunday); names
// are left as they are.
absl::StatusOr<std::string> ShiftDayOfWeek(absl::string_view field) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(field, ',')) {
    absl::string_view range = item, step;
    if (size_t slash = item.find('/'); slash != absl::string_view::npos) {
      range = item.substr(0, slash);
      step = item.substr(slash);
    }
    std::vector<std::string> ends;
    for (absl::string_view end : absl::StrSplit(range, '-')) {
      int64_t n;
      if (ParseInt(end, &n)) {
        if (n < 1 || n > 7) {
          return absl::InvalidArgumentError(
              absl::StrCat("day-of-week ", n, " is outside 1-7 (SUN=1)"));
        }
        ends.push_back(absl::StrCat(n - 1));
      } else {
        ends.emplace_back(end);
      }
    }
    items.push_back(absl::StrCat(absl::StrJoin(ends, "-"), step));
  }
  return absl::StrJoin(items, ",");
}

// AWS's L (last), W (weekday nearest) and # (nth weekday) forms: a bare L
// or LW, a number followed by L or W, or any #. Month and weekday names
// (JUL, WED) are not.
bool IsAwsExtension(absl::string_view field) {
  const std::string upper = absl::AsciiStrToUpper(field);
  if (upper.find('#') != std::string::npos) return true;
  for (absl::string_view item : absl::StrSplit(upper, ',')) {
    if (item == "L" || item == "LW") return true;
    if (item.size() >= 2 && (item.back() == 'L' || item.back() == 'W') &&
        absl::ascii_isdigit(item[item.size() - 2])) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool ScheduleExpression::YearAllowed(int64_t year) const {
  if (any_year_) return true;
  if (year < kFirstYear || year > kLastYear) return false;
  const int64_t bit = year - kFirstYear;
  return (years_[bit / 64] >> (bit % 64)) & 1;
}

std::optional<int64_t> ScheduleExpression::NextAllowedYear(int64_t from) const {
  for (int64_t y = std::max(from, kFirstYear); y <= kLastYear; ++y) {
    if (YearAllowed(y)) return y;
  }
  return std::nullopt;
}

absl::StatusOr<ScheduleExpression> ScheduleExpression::Parse(const std::string& expression,
                                                             const std::string& timezone) {
  ScheduleExpression out;
  out.expression_ = expression;
  absl::StatusOr<absl::TimeZone> zone =
      schedule::LoadZone(timezone.empty() ? "UTC" : timezone);
  if (!zone.ok()) return Bad(expression, std::string(zone.status().message()));
  out.zone_ = *zone;
  absl::string_view text = absl::StripAsciiWhitespace(expression);
  if (text.size() > 256) return Bad(expression.substr(0, 64) + "...", "longer than 256 bytes");
  auto body_of = [&](absl::string_view prefix, absl::string_view* body) {
    if (!absl::ConsumePrefix(&text, prefix)) return false;
    if (!absl::ConsumeSuffix(&text, ")")) return false;
    *body = absl::StripAsciiWhitespace(text);
    return true;
  };
  absl::string_view body;
  if (body_of("at(", &body)) {
    out.kind_ = Kind::kAt;
    absl::Time t;
    std::string err;
    // The wall-clock time is read as if in UTC, then placed in the zone.
    if (!absl::ParseTime("%Y-%m-%d%ET%H:%M:%S", std::string(body), absl::UTCTimeZone(), &t,
                         &err)) {
      return Bad(expression, "at() needs yyyy-mm-ddThh:mm:ss");
    }
    out.at_ = absl::ToCivilSecond(t, absl::UTCTimeZone());
    if (!IsAcceptedTime(out.zone_.At(out.at_).pre)) {
      return Bad(expression, "at() is outside the accepted times (1677-09-21 .. 2262-04-11)");
    }
    return out;
  }
  if (body_of("rate(", &body)) {
    out.kind_ = Kind::kRate;
    std::vector<absl::string_view> parts =
        absl::StrSplit(body, ' ', absl::SkipEmpty());
    int64_t n = 0;
    if (parts.size() != 2 || !ParseInt(parts[0], &n) || n < 1 || n > 1000000) {
      return Bad(expression, "rate() needs a positive whole number and a unit, e.g. rate(5 minutes)");
    }
    const absl::string_view unit = parts[1];
    if (unit == "minute" || unit == "minutes") {
      out.rate_ = absl::Minutes(n);
    } else if (unit == "hour" || unit == "hours") {
      out.rate_ = absl::Hours(n);
    } else if (unit == "day" || unit == "days") {
      out.rate_ = absl::Hours(24 * n);
    } else {
      return Bad(expression, absl::StrCat("unknown rate unit \"", unit,
                                          "\" (minute(s), hour(s) or day(s))"));
    }
    return out;
  }
  if (body_of("cron(", &body)) {
    out.kind_ = Kind::kCron;
    std::vector<std::string> f = absl::StrSplit(body, ' ', absl::SkipEmpty());
    if (f.size() != 6) {
      return Bad(expression, absl::StrCat("cron() needs 6 fields (minutes hours day-of-month "
                                          "month day-of-week year), got ", f.size()));
    }
    for (const std::string& field : f) {
      if (IsAwsExtension(field)) {
        return Bad(expression, absl::StrCat("the L, W and # forms (\"", field,
                                            "\") are not supported by this model"));
      }
    }
    if (f[2] != "?" && f[4] != "?") {
      return Bad(expression, "one of day-of-month and day-of-week must be ?");
    }
    absl::StatusOr<std::string> dow = ShiftDayOfWeek(f[4]);
    if (!dow.ok()) return Bad(expression, std::string(dow.status().message()));
    out.crontab_ = absl::StrCat(f[0], " ", f[1], " ", f[2], " ", f[3], " ", *dow);
    absl::StatusOr<schedule::CronSchedule> cron = schedule::CronSchedule::Parse(out.crontab_);
    if (!cron.ok()) return Bad(expression, std::string(cron.status().message()));
    out.cron_ = *std::move(cron);
    // The year field: *, N, N-M, N/step, N-M/step, */step, comma lists.
    const std::string& years = f[5];
    if (years == "*" || years == "?") return out;
    out.any_year_ = false;
    for (absl::string_view item : absl::StrSplit(years, ',')) {
      absl::string_view range = item;
      int64_t step = 1;
      if (size_t slash = item.find('/'); slash != absl::string_view::npos) {
        range = item.substr(0, slash);
        if (!ParseInt(item.substr(slash + 1), &step) || step < 1) {
          return Bad(expression, absl::StrCat("bad year step in \"", item, "\""));
        }
      }
      int64_t lo = kFirstYear, hi = kLastYear;
      if (range != "*") {
        std::vector<absl::string_view> ends = absl::StrSplit(range, '-');
        if (ends.size() > 2 || !ParseInt(ends[0], &lo) ||
            (ends.size() == 2 && !ParseInt(ends[1], &hi))) {
          return Bad(expression, absl::StrCat("bad year \"", item, "\""));
        }
        if (ends.size() == 1 && item.find('/') == absl::string_view::npos) hi = lo;
      }
      if (lo < kFirstYear || hi > kLastYear || lo > hi) {
        return Bad(expression, absl::StrCat("year \"", item, "\" is outside ", kFirstYear, "-",
                                            kLastYear, " or reversed"));
      }
      for (int64_t y = lo; y <= hi; y += step) {
        const int64_t bit = y - kFirstYear;
        out.years_[bit / 64] |= uint64_t{1} << (bit % 64);
      }
    }
    return out;
  }
  return Bad(expression, "expected at(...), rate(...) or cron(...)");
}

std::optional<absl::Time> ScheduleExpression::Next(absl::Time after, absl::Time anchor) const {
  // An instant no policy clock can reach (time_bounds.h) is no instant.
  std::optional<absl::Time> t = NextUnbounded(after, anchor);
  if (t && !IsAcceptedTime(*t)) return std::nullopt;
  return t;
}

std::optional<absl::Time> ScheduleExpression::NextUnbounded(absl::Time after,
                                                            absl::Time anchor) const {
  switch (kind_) {
    case Kind::kAt: {
      const absl::Time t = zone_.At(at_).pre;
      if (t > after) return t;
      return std::nullopt;
    }
    case Kind::kRate: {
      if (anchor > after) return anchor;
      absl::Duration rem;
      const int64_t k = absl::IDivDuration(after - anchor, rate_, &rem) + 1;
      return anchor + k * rate_;
    }
    case Kind::kCron: {
      absl::Time from = after;
      // Each round either finds an allowed year or moves `from` to the
      // start of a later allowed year (at most one round per year).
      for (int round = 0; round <= kLastYear - kFirstYear + 1; ++round) {
        const int64_t year = absl::ToCivilYear(from, zone_).year();
        if (!any_year_) {
          std::optional<int64_t> y = NextAllowedYear(year);
          if (!y) return std::nullopt;
          if (*y > year) {
            from = zone_.At(absl::CivilSecond(*y, 1, 1, 0, 0, 0)).pre - absl::Seconds(1);
          }
        }
        std::optional<absl::Time> t = cron_->Next(from, zone_);
        if (!t) {
          if (any_year_) return std::nullopt;
          // Nothing within CronSchedule's five years: try from the next
          // allowed year after those.
          std::optional<int64_t> y = NextAllowedYear(absl::ToCivilYear(from, zone_).year() + 5);
          if (!y) return std::nullopt;
          from = zone_.At(absl::CivilSecond(*y, 1, 1, 0, 0, 0)).pre - absl::Seconds(1);
          continue;
        }
        const int64_t found = absl::ToCivilYear(*t, zone_).year();
        if (YearAllowed(found)) return t;
        std::optional<int64_t> y = NextAllowedYear(found + 1);
        if (!y) return std::nullopt;
        from = zone_.At(absl::CivilSecond(*y, 1, 1, 0, 0, 0)).pre - absl::Seconds(1);
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace agentscale::aws
