// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The parser follows robfig/cron v3 parser.go (getField, getRange,
// parseIntOrName) rule for rule, and Next follows spec.go's SpecSchedule.Next
// step for step, with Go's time.Date resolution of wall-clock times
// reproduced by GoDate below.

#include "agentscale/schedule/cron.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace agentscale::schedule {

namespace {

constexpr uint64_t kStarBit = uint64_t{1} << 63;

struct Bounds {
  int64_t min, max;
  const char* const* names;  // names[i] is value min_name + i
  int64_t first_named;
  int name_count;
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDowNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr Bounds kSeconds{0, 59, nullptr, 0, 0};
constexpr Bounds kMinutes{0, 59, nullptr, 0, 0};
constexpr Bounds kHours{0, 23, nullptr, 0, 0};
constexpr Bounds kDom{1, 31, nullptr, 0, 0};
constexpr Bounds kMonths{1, 12, kMonthNames, 1, 12};
constexpr Bounds kDow{0, 6, kDowNames, 0, 7};

uint64_t Bits(uint32_t lo, uint32_t hi, uint32_t step) {
  uint64_t bits = 0;
  for (uint32_t i = lo; i <= hi; i += step) bits |= uint64_t{1} << i;
  return bits;
}

// Go's strconv.Atoi followed by robfig's "negative number not allowed".
absl::StatusOr<int64_t> ParseInt(absl::string_view expr) {
  absl::string_view digits = expr;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError(absl::StrCat("failed to parse int from ", expr));
  }
  int64_t v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  if (negative && v != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative number (-", v, ") not allowed: ", expr));
  }
  return v;
}

absl::StatusOr<int64_t> ParseIntOrName(absl::string_view expr, const Bounds& r) {
  if (r.names != nullptr) {
    const std::string lower = absl::AsciiStrToLower(expr);
    for (int i = 0; i < r.name_count; ++i) {
      if (lower == r.names[i]) return int64_t{r.first_named} + i;
    }
  }
  return ParseInt(expr);
}

// number | number "-" number [ "/" number ] | "*" or "?" [ "/" number ]
absl::StatusOr<uint64_t> ParseRange(absl::string_view expr, const Bounds& r) {
  const std::vector<absl::string_view> range_and_step = absl::StrSplit(expr, '/');
  const std::vector<absl::string_view> low_and_high = absl::StrSplit(range_and_step[0], '-');
  const bool single = low_and_high.size() == 1;
  int64_t start = 0, end = 0, step = 1;
  uint64_t extra = 0;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    // robfig ignores anything after the star's hyphen ("*-5" is "*").
    start = r.min;
    end = r.max;
    extra = kStarBit;
  } else {
    absl::StatusOr<int64_t> s = ParseIntOrName(low_and_high[0], r);
    if (!s.ok()) return s.status();
    start = *s;
    if (low_and_high.size() == 1) {
      end = start;
    } else if (low_and_high.size() == 2) {
      absl::StatusOr<int64_t> e = ParseIntOrName(low_and_high[1], r);
      if (!e.ok()) return e.status();
      end = *e;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("too many hyphens: ", expr));
    }
  }
  if (range_and_step.size() == 2) {
    absl::StatusOr<int64_t> s = ParseInt(range_and_step[1]);
    if (!s.ok()) return s.status();
    step = *s;
    if (single) end = r.max;  // "N/step" is "N-max/step"
    if (step > 1) extra = 0;
  } else if (range_and_step.size() > 2) {
    return absl::InvalidArgumentError(absl::StrCat("too many slashes: ", expr));
  }
  if (start < r.min) {
    return absl::InvalidArgumentError(absl::StrCat("beginning of range (", start,
                                                   ") below minimum (", r.min, "): ", expr));
  }
  if (end > r.max) {
    return absl::InvalidArgumentError(
        absl::StrCat("end of range (", end, ") above maximum (", r.max, "): ", expr));
  }
  if (start > end) {
    return absl::InvalidArgumentError(absl::StrCat("beginning of range (", start,
                                                   ") beyond end of range (", end, "): ", expr));
  }
  if (step == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("step of range should be a positive number: ", expr));
  }
  return Bits(static_cast<uint32_t>(start), static_cast<uint32_t>(end),
              static_cast<uint32_t>(std::min<int64_t>(step, 64))) |
         extra;
}

// A comma-separated list of ranges; empty items are skipped, as Go's
// strings.FieldsFunc skips them (so "," names nothing).
absl::StatusOr<uint64_t> ParseField(absl::string_view field, const Bounds& r) {
  uint64_t bits = 0;
  for (absl::string_view expr : absl::StrSplit(field, ',', absl::SkipEmpty())) {
    absl::StatusOr<uint64_t> b = ParseRange(expr, r);
    if (!b.ok()) return b.status();
    bits |= *b;
  }
  return bits;
}

// ---- Go's time arithmetic in a zone --------------------------------------

int64_t OffsetAt(const absl::TimeZone& zone, int64_t unix_seconds) {
  return zone.At(absl::FromUnixSeconds(unix_seconds)).offset;
}

// Go's time.Date(y, mo, d, h, mi, s, 0, zone): the fields normalized as a
// civil time, then the offset found by Go's rule (time.go: look up the
// offset at the local seconds read as UTC, then at the instant that gives,
// and use that one). For a wall time in a gap this picks one side the way
// Go does; for a repeated wall time, the same.
absl::Time GoDate(const absl::TimeZone& zone, int64_t y, int64_t mo, int64_t d, int64_t h,
                  int64_t mi, int64_t s) {
  const absl::CivilSecond local(y, mo, d, h, mi, s);
  const int64_t local_seconds = local - absl::CivilSecond(1970, 1, 1, 0, 0, 0);
  const int64_t offset = OffsetAt(zone, local_seconds - OffsetAt(zone, local_seconds));
  return absl::FromUnixSeconds(local_seconds - offset);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

absl::Time TruncateTo(absl::Time t, int64_t seconds) {
  const int64_t u = absl::ToUnixSeconds(t);
  return absl::FromUnixSeconds(FloorDiv(u, seconds) * seconds);
}

int Weekday(const absl::CivilDay& d) {
  switch (absl::GetWeekday(d)) {
    case absl::Weekday::sunday:
      return 0;
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
  }
  return 0;
}

bool Has(uint64_t bits, int64_t v) { return (bits >> v) & 1; }

}  // namespace

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name) {
  if (name.empty() || name == "UTC" || name == "Local") return absl::UTCTimeZone();
  // Go refuses names that would leave the zone directory.
  if (name.front() == '/' || name.find("..") != absl::string_view::npos ||
      name.find('\\') != absl::string_view::npos || name.size() > 255) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone \"", name, "\""));
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown time zone \"", name,
        "\" (not in the system's zone database; is the tzdata package installed?)"));
  }
  return zone;
}

absl::StatusOr<CronSchedule> CronSchedule::Parse(absl::string_view spec_in,
                                                 CronParseOptions options) {
  if (spec_in.empty()) return absl::InvalidArgumentError("empty spec string");
  CronSchedule s;
  s.spec_ = std::string(spec_in);
  absl::string_view spec = spec_in;
  if (absl::StartsWith(spec, "TZ=") || absl::StartsWith(spec, "CRON_TZ=")) {
    const size_t space = spec.find(' ');
    const size_t eq = spec.find('=');
    if (space == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("a time zone prefix needs a schedule after it: ", spec));
    }
    absl::StatusOr<absl::TimeZone> zone = LoadZone(spec.substr(eq + 1, space - eq - 1));
    if (!zone.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("provided bad location ",
                                                     spec.substr(eq + 1, space - eq - 1), ": ",
                                                     zone.status().message()));
    }
    s.own_zone_ = *zone;
    spec = absl::StripAsciiWhitespace(spec.substr(space));
  }
  if (absl::StartsWith(spec, "@")) {
    if (!options.descriptors) {
      return absl::InvalidArgumentError(
          absl::StrCat("parser does not accept descriptors: ", spec));
    }
    const uint64_t all_dom = Bits(1, 31, 1) | kStarBit;
    const uint64_t all_month = Bits(1, 12, 1) | kStarBit;
    const uint64_t all_dow = Bits(0, 6, 1) | kStarBit;
    const uint64_t all_hour = Bits(0, 23, 1) | kStarBit;
    s.second_ = 1;
    s.minute_ = 1;
    if (spec == "@yearly" || spec == "@annually") {
      s.hour_ = 1, s.dom_ = 2, s.month_ = 2, s.dow_ = all_dow;
    } else if (spec == "@monthly") {
      s.hour_ = 1, s.dom_ = 2, s.month_ = all_month, s.dow_ = all_dow;
    } else if (spec == "@weekly") {
      s.hour_ = 1, s.dom_ = all_dom, s.month_ = all_month, s.dow_ = 1;
    } else if (spec == "@daily" || spec == "@midnight") {
      s.hour_ = 1, s.dom_ = all_dom, s.month_ = all_month, s.dow_ = all_dow;
    } else if (spec == "@hourly") {
      s.hour_ = all_hour, s.dom_ = all_dom, s.month_ = all_month, s.dow_ = all_dow;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unrecognized descriptor: ", spec));
    }
    return s;
  }
  std::vector<absl::string_view> fields;
  for (absl::string_view f : absl::StrSplit(spec, absl::ByAnyChar(" \t\n\r\v\f"), absl::SkipEmpty())) {
    fields.push_back(f);
  }
  const size_t want = options.seconds ? 6 : 5;
  if (fields.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat("expected exactly ", want, " fields, found ",
                                                   fields.size(), ": [",
                                                   absl::StrJoin(fields, " "), "]"));
  }
  size_t i = 0;
  absl::string_view second = "0";
  if (options.seconds) second = fields[i++];
  struct {
    absl::string_view text;
    const Bounds* bounds;
    uint64_t* out;
  } const parts[] = {{second, &kSeconds, &s.second_},      {fields[i], &kMinutes, &s.minute_},
                     {fields[i + 1], &kHours, &s.hour_},   {fields[i + 2], &kDom, &s.dom_},
                     {fields[i + 3], &kMonths, &s.month_}, {fields[i + 4], &kDow, &s.dow_}};
  for (const auto& p : parts) {
    absl::StatusOr<uint64_t> bits = ParseField(p.text, *p.bounds);
    if (!bits.ok()) return bits.status();
    *p.out = *bits;
  }
  return s;
}

bool CronSchedule::DayMatches(const absl::CivilDay& d) const {
  const bool dom = Has(dom_, d.day());
  const bool dow = Has(dow_, Weekday(d));
  if ((dom_ & kStarBit) != 0 || (dow_ & kStarBit) != 0) return dom && dow;
  return dom || dow;
}

bool CronSchedule::MatchesDay(const absl::CivilDay& d) const {
  return Has(month_, d.month()) && DayMatches(d);
}

bool CronSchedule::Matches(const absl::CivilSecond& t) const {
  return Has(month_, t.month()) && DayMatches(absl::CivilDay(t)) && Has(hour_, t.hour()) &&
         Has(minute_, t.minute()) && Has(second_, t.second());
}

std::optional<absl::Time> CronSchedule::Next(absl::Time after,
                                             const absl::TimeZone& zone_in) const {
  const absl::TimeZone& zone = own_zone_.has_value() ? *own_zone_ : zone_in;
  if (after == absl::InfiniteFuture()) return std::nullopt;
  // A field that names nothing ("," is an empty list, as robfig reads it)
  // never matches: the answer is what the five-year search below would
  // find, without walking five years a minute (or a second) at a time.
  const auto none = [](uint64_t bits) { return (bits & ~kStarBit) == 0; };
  // Days: with a star in either day field both must match, else either.
  const bool day_star = ((dom_ | dow_) & kStarBit) != 0;
  const bool no_day = day_star ? none(dom_) || none(dow_) : none(dom_) && none(dow_);
  if (none(second_) || none(minute_) || none(hour_) || none(month_) || no_day) {
    return std::nullopt;
  }
  if (after == absl::InfinitePast()) after = absl::UnixEpoch();
  // The upcoming whole second.
  // (ToUnixSeconds rounds toward the past.)
  absl::Time t = absl::FromUnixSeconds(absl::ToUnixSeconds(after) + 1);
  auto civil = [&](absl::Time x) { return zone.At(x).cs; };
  bool added = false;
  const int64_t year_limit = civil(t).year() + 5;

wrap:
  absl::CivilSecond c = civil(t);
  if (c.year() > year_limit) return std::nullopt;

  while (!Has(month_, c.month())) {
    if (!added) {
      added = true;
      t = GoDate(zone, c.year(), c.month(), 1, 0, 0, 0);
      c = civil(t);
    }
    t = GoDate(zone, c.year(), c.month() + 1, c.day(), c.hour(), c.minute(), c.second());
    c = civil(t);
    if (c.month() == 1) goto wrap;
  }

  while (!DayMatches(absl::CivilDay(c))) {
    if (!added) {
      added = true;
      t = GoDate(zone, c.year(), c.month(), c.day(), 0, 0, 0);
      c = civil(t);
    }
    t = GoDate(zone, c.year(), c.month(), c.day() + 1, c.hour(), c.minute(), c.second());
    c = civil(t);
    // A day that does not start at midnight (a DST change at 00:00).
    if (c.hour() != 0) {
      t += c.hour() > 12 ? absl::Hours(24 - c.hour()) : absl::Hours(-c.hour());
      c = civil(t);
    }
    if (c.day() == 1) goto wrap;
  }

  while (!Has(hour_, c.hour())) {
    if (!added) {
      added = true;
      t = GoDate(zone, c.year(), c.month(), c.day(), c.hour(), 0, 0);
      c = civil(t);
    }
    t += absl::Hours(1);
    c = civil(t);
    if (c.hour() == 0) goto wrap;
  }

  while (!Has(minute_, c.minute())) {
    if (!added) {
      added = true;
      t = TruncateTo(t, 60);
      c = civil(t);
    }
    t += absl::Minutes(1);
    c = civil(t);
    if (c.minute() == 0) goto wrap;
  }

  while (!Has(second_, c.second())) {
    if (!added) {
      added = true;
      t = TruncateTo(t, 1);
      c = civil(t);
    }
    t += absl::Seconds(1);
    c = civil(t);
    if (c.second() == 0) goto wrap;
  }
  return t;
}

CronWindow::CronWindow(CronSchedule start, CronSchedule end, absl::TimeZone zone)
    : start_(std::move(start)), end_(std::move(end)), zone_(std::move(zone)) {}

absl::StatusOr<CronWindow> CronWindow::Create(absl::string_view start, absl::string_view end,
                                              absl::string_view zone) {
  absl::StatusOr<CronSchedule> s = CronSchedule::Parse(start);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("error parsing start schedule: ", s.status().message()));
  }
  absl::StatusOr<CronSchedule> e = CronSchedule::Parse(end);
  if (!e.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("error parsing end schedule: ", e.status().message()));
  }
  if (start == end) {
    return absl::InvalidArgumentError("start and end can not have exactly same time input");
  }
  absl::StatusOr<absl::TimeZone> z = LoadZone(zone);
  if (!z.ok()) return z.status();
  return CronWindow(std::move(*s), std::move(*e), std::move(*z));
}

CronWindow CronWindow::FromParts(CronSchedule start, CronSchedule end, absl::TimeZone zone) {
  return CronWindow(std::move(start), std::move(end), std::move(zone));
}

namespace {

// cron_scaler.go GetMetricsAndActivity, with a missing next time as Go's
// zero time (before every time).
bool OpenBetween(absl::Time now, const std::optional<absl::Time>& next_start,
                 const std::optional<absl::Time>& next_end) {
  const absl::Time s = next_start.value_or(absl::InfinitePast());
  const absl::Time e = next_end.value_or(absl::InfinitePast());
  if (s < e) return now > s && now < e;
  return now > s || now < e;
}

}  // namespace

bool CronWindow::ContainsUncached(absl::Time now) const {
  return OpenBetween(now, start_.Next(now, zone_), end_.Next(now, zone_));
}

bool CronWindow::Contains(absl::Time now) {
  if (now >= valid_from_ && now < valid_until_) return open_;
  const std::optional<absl::Time> s = start_.Next(now, zone_);
  const std::optional<absl::Time> e = end_.Next(now, zone_);
  open_ = OpenBetween(now, s, e);
  valid_from_ = now;
  valid_until_ = absl::InfiniteFuture();
  if (s.has_value()) valid_until_ = std::min(valid_until_, *s);
  if (e.has_value()) valid_until_ = std::min(valid_until_, *e);
  if (!s.has_value() || !e.has_value()) {
    // A schedule with no instant within five years may gain one when the
    // horizon (five years from the year of the first candidate second)
    // moves on: recompute a little before the next new year.
    const int64_t year = zone_.At(absl::FromUnixSeconds(absl::ToUnixSeconds(now) + 1)).cs.year();
    valid_until_ = std::min(valid_until_, absl::FromCivil(absl::CivilYear(year + 1), zone_) -
                                              absl::Seconds(2));
  }
  return open_;
}

}  // namespace agentscale::schedule
