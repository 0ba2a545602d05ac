// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/schedule/schedule.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "agentscale/schedule/cron.h"

namespace agentscale::schedule {

namespace {

constexpr size_t kMaxWindows = 100000;
constexpr int64_t kLookBackDays = 400;

// A days rule's fields as a cron line ("28-31" -> "0 0 28-31 * *").
std::string DaysLine(const std::string& days) {
  std::vector<std::string> f = absl::StrSplit(days, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (f.size() == 1) return absl::StrCat("0 0 ", f[0], " * *");
  return absl::StrCat("0 0 ", absl::StrJoin(f, " "));
}

std::string RulePath(size_t i) { return absl::StrCat("rules[", i, "]"); }

// Kubernetes' config-key characters (and '+', which joins ConfigMap keys in
// a window rule's name), 1 to 253 of them.
bool IsName(const std::string& s) {
  return !s.empty() && s.size() <= 253 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '+';
  });
}

// The earliest instant after `t` that any of `lines` names.
std::optional<absl::Time> NextOf(const std::vector<CronSchedule>& lines, absl::Time t,
                                 const absl::TimeZone& zone) {
  std::optional<absl::Time> best;
  for (const CronSchedule& s : lines) {
    std::optional<absl::Time> n = s.Next(t, zone);
    if (n.has_value() && (!best.has_value() || *n < *best)) best = n;
  }
  return best;
}

absl::Status TooMany(const std::string& name) {
  return absl::InvalidArgumentError(absl::StrCat(
      "schedule rule ", name, " is in force more than ", kMaxWindows,
      " separate times in the span asked for"));
}

absl::Status ExpandWindow(const ScheduleRule& rule, const absl::TimeZone& zone, absl::Time from,
                          absl::Time to, std::vector<BoundsWindow>* out) {
  std::vector<CronSchedule> starts, ends;
  for (const std::string& line : rule.start) starts.push_back(*CronSchedule::Parse(line));
  for (const std::string& line : rule.end) ends.push_back(*CronSchedule::Parse(line));
  // Scan from far enough back to find a stretch already in force at `from`;
  // the first candidate is the instant one second after the look-back.
  absl::Time t = from - absl::Hours(24 * kLookBackDays) - absl::Seconds(1);
  size_t count = 0;
  while (true) {
    std::optional<absl::Time> s = NextOf(starts, t, zone);
    if (!s.has_value() || *s >= to) break;
    std::optional<absl::Time> e = NextOf(ends, *s, zone);
    const absl::Time end = e.value_or(absl::InfiniteFuture());
    if (end > from) {
      if (++count > kMaxWindows) return TooMany(rule.name);
      out->push_back(BoundsWindow{rule.name, *s, end, rule.min_replicas, rule.max_replicas});
    }
    if (!e.has_value()) break;
    // The next stretch opens at the first start at or after this end.
    t = *e - absl::Seconds(1);
  }
  return absl::OkStatus();
}

absl::Status ExpandDays(const ScheduleRule& rule, const absl::TimeZone& zone, absl::Time from,
                        absl::Time to, std::vector<BoundsWindow>* out) {
  const CronSchedule days = *CronSchedule::Parse(DaysLine(rule.days));
  const absl::CivilDay first = absl::CivilDay(zone.At(from).cs) - 1;
  const absl::CivilDay last = absl::CivilDay(zone.At(to).cs) + 1;
  size_t count = 0;
  std::optional<absl::CivilDay> open;  // the first day of a run of named days
  auto close = [&](absl::CivilDay end_day) -> absl::Status {
    const absl::Time start = absl::FromCivil(absl::CivilSecond(*open), zone);
    const absl::Time end = absl::FromCivil(absl::CivilSecond(end_day), zone);
    open.reset();
    if (end <= from || start >= to) return absl::OkStatus();
    if (++count > kMaxWindows) return TooMany(rule.name);
    out->push_back(BoundsWindow{rule.name, start, end, rule.min_replicas, rule.max_replicas});
    return absl::OkStatus();
  };
  for (absl::CivilDay d = first; d <= last; ++d) {
    const bool named = days.MatchesDay(d);
    if (named && !open.has_value()) open = d;
    if (!named && open.has_value()) {
      if (absl::Status st = close(d); !st.ok()) return st;
    }
  }
  if (open.has_value()) return close(last + 1);
  return absl::OkStatus();
}

}  // namespace

ScheduleRule ScheduleRule::Window(std::string name, std::vector<std::string> start,
                                  std::vector<std::string> end,
                                  std::optional<int32_t> min_replicas,
                                  std::optional<int32_t> max_replicas) {
  ScheduleRule r;
  r.name = std::move(name);
  r.kind = Kind::kWindow;
  r.start = std::move(start);
  r.end = std::move(end);
  r.min_replicas = min_replicas;
  r.max_replicas = max_replicas;
  return r;
}

ScheduleRule ScheduleRule::Days(std::string name, std::string days,
                                std::optional<int32_t> min_replicas,
                                std::optional<int32_t> max_replicas) {
  ScheduleRule r;
  r.name = std::move(name);
  r.kind = Kind::kDays;
  r.days = std::move(days);
  r.min_replicas = min_replicas;
  r.max_replicas = max_replicas;
  return r;
}

std::vector<hpa::FieldError> ValidateSchedule(const ScheduleSpec& spec) {
  std::vector<hpa::FieldError> errors;
  auto add = [&](std::string path, std::string message) {
    errors.push_back(hpa::FieldError{std::move(path), std::move(message)});
  };
  if (absl::StatusOr<absl::TimeZone> z = LoadZone(spec.timezone); !z.ok()) {
    add("timezone", std::string(z.status().message()));
  }
  if (!IsName(spec.name)) {
    add("name", "must be 1 to 253 letters, digits, '-', '_', '.' or '+'");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < spec.rules.size(); ++i) {
    const ScheduleRule& r = spec.rules[i];
    const std::string path = RulePath(i);
    if (r.name.empty()) {
      add(path + ".name", "is required");
    } else if (!IsName(r.name)) {
      add(path + ".name", "must be 1 to 253 letters, digits, '-', '_', '.' or '+'");
    }
    if (!r.name.empty() && !names.insert(r.name).second) {
      add(path + ".name", absl::StrCat("duplicate rule name \"", r.name, "\""));
    }
    if (r.kind == ScheduleRule::Kind::kWindow) {
      if (r.start.empty()) add(path + ".start", "a window rule needs at least one start line");
      if (r.end.empty()) add(path + ".end", "a window rule needs at least one end line");
      for (const char* which : {"start", "end"}) {
        const std::vector<std::string>& lines = which[0] == 's' ? r.start : r.end;
        for (size_t k = 0; k < lines.size(); ++k) {
          absl::StatusOr<CronSchedule> s = CronSchedule::Parse(lines[k]);
          if (!s.ok()) {
            add(absl::StrCat(path, ".", which, "[", k, "]"), std::string(s.status().message()));
          } else if (s->own_zone().has_value()) {
            add(absl::StrCat(path, ".", which, "[", k, "]"),
                "a TZ= prefix is not allowed here; the schedule's timezone applies");
          }
        }
      }
    } else {
      const size_t fields =
          std::vector<std::string>(absl::StrSplit(r.days, absl::ByAnyChar(" \t"),
                                                  absl::SkipEmpty()))
              .size();
      if (fields != 1 && fields != 3) {
        add(path + ".days",
            absl::StrCat("takes the day of month (\"28-31\") or three fields, day-of-month "
                         "month day-of-week (\"* * 1-5\"); got \"",
                         r.days, "\""));
      } else if (absl::StatusOr<CronSchedule> s = CronSchedule::Parse(DaysLine(r.days));
                 !s.ok()) {
        add(path + ".days", std::string(s.status().message()));
      }
    }
    if (!r.min_replicas.has_value() && !r.max_replicas.has_value()) {
      add(path, "sets neither minReplicas nor maxReplicas");
    }
    if (r.min_replicas.has_value() && *r.min_replicas < 0) {
      add(path + ".minReplicas", absl::StrCat("must not be negative, got ", *r.min_replicas));
    }
    if (r.max_replicas.has_value() && *r.max_replicas < 1) {
      add(path + ".maxReplicas", absl::StrCat("must be at least 1, got ", *r.max_replicas));
    }
  }
  return errors;
}

absl::StatusOr<std::vector<BoundsWindow>> ExpandSchedule(const ScheduleSpec& spec,
                                                        absl::Time from, absl::Time to) {
  std::vector<hpa::FieldError> errors = ValidateSchedule(spec);
  if (!errors.empty()) {
    std::vector<std::string> parts;
    for (const hpa::FieldError& e : errors) parts.push_back(e.path + ": " + e.message);
    return absl::InvalidArgumentError(
        absl::StrCat("schedule ", spec.name, ": ", absl::StrJoin(parts, "; ")));
  }
  if (!(from < to) || from == absl::InfinitePast() || to == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError("a schedule is expanded over a finite span, from < to");
  }
  const absl::TimeZone zone = *LoadZone(spec.timezone);
  std::vector<BoundsWindow> out;
  for (const ScheduleRule& r : spec.rules) {
    absl::Status st = r.kind == ScheduleRule::Kind::kWindow ? ExpandWindow(r, zone, from, to, &out)
                                                            : ExpandDays(r, zone, from, to, &out);
    if (!st.ok()) return st;
  }
  std::stable_sort(out.begin(), out.end(), [](const BoundsWindow& a, const BoundsWindow& b) {
    return a.start < b.start;
  });
  return out;
}

absl::StatusOr<std::unique_ptr<Policy>> WithSchedule(std::unique_ptr<Policy> inner,
                                                     const ScheduleSpec& spec, absl::Time from,
                                                     absl::Time to) {
  absl::StatusOr<std::vector<BoundsWindow>> windows = ExpandSchedule(spec, from, to);
  if (!windows.ok()) return windows.status();
  absl::StatusOr<std::unique_ptr<BoundsOverride>> p =
      BoundsOverride::Create(std::move(inner), std::move(*windows));
  if (!p.ok()) return p.status();
  return std::unique_ptr<Policy>(std::move(*p));
}

// ---- The seed's ConfigMap --------------------------------------------------

namespace {

// The day-of-week field a key's day word names, or "" if none.
std::string DayField(const std::vector<std::string>& words) {
  static const std::map<std::string, std::string>* kDays = new std::map<std::string, std::string>{
      {"sunday", "0"},   {"sun", "0"},     {"monday", "1"},   {"mon", "1"},
      {"tuesday", "2"},  {"tue", "2"},     {"wednesday", "3"}, {"wed", "3"},
      {"thursday", "4"}, {"thu", "4"},     {"friday", "5"},   {"fri", "5"},
      {"saturday", "6"}, {"sat", "6"},     {"weekday", "1-5"}, {"weekdays", "1-5"},
      {"weekend", "0,6"}, {"weekends", "0,6"}, {"daily", "*"}, {"everyday", "*"}};
  for (const std::string& w : words) {
    auto it = kDays->find(w);
    if (it != kDays->end()) return it->second;
  }
  return "";
}

// "8:00", "08:00", "18:30" -> {hour, minute}.
std::optional<std::pair<int, int>> ClockTime(const std::string& v) {
  const size_t colon = v.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || v.size() - colon != 3) {
    return std::nullopt;
  }
  int h = 0, m = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i != colon && !std::isdigit(static_cast<unsigned char>(v[i]))) return std::nullopt;
  }
  if (!absl::SimpleAtoi(v.substr(0, colon), &h) || !absl::SimpleAtoi(v.substr(colon + 1), &m) ||
      h > 23 || m > 59) {
    return std::nullopt;
  }
  return std::make_pair(h, m);
}

bool IsDaysOfMonth(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == ',';
  });
}

}  // namespace

absl::StatusOr<ScheduleSpec> ScheduleFromConfigMap(
    const std::string& name, const std::map<std::string, std::string>& data,
    const ConfigMapOptions& options) {
  ScheduleSpec spec;
  spec.name = name;
  spec.timezone = options.timezone;
  spec.source_kind = "ConfigMap";
  std::vector<std::string> up_keys, down_keys, up_lines, down_lines;
  for (const auto& [key, raw] : data) {
    // Kubernetes' ValidateConfigMapKey (IsConfigMapKey).
    const bool key_ok = !key.empty() && key.size() <= 253 &&
                        std::all_of(key.begin(), key.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                 c == '_' || c == '.';
                        });
    if (!key_ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data.", key,
          ": a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
    }
    const std::string value(absl::StripAsciiWhitespace(raw));
    const std::string lower = absl::AsciiStrToLower(key);
    std::vector<std::string> words = absl::StrSplit(lower, absl::ByAnyChar("_-."), absl::SkipEmpty());
    const bool up = lower.find("scale_up") != std::string::npos ||
                    lower.find("scaleup") != std::string::npos;
    const bool down = lower.find("scale_down") != std::string::npos ||
                      lower.find("scaledown") != std::string::npos;
    if (IsDaysOfMonth(value)) {
      if (up || down) {
        return absl::InvalidArgumentError(absl::StrCat(
            "data.", key, ": \"", value,
            "\" names days of the month, but the key says scale_up or scale_down, which take a "
            "time of day (\"8:00\")"));
      }
      ScheduleRule r = ScheduleRule::Days(key, value, options.min_replicas);
      spec.rules.push_back(std::move(r));
      continue;
    }
    const std::optional<std::pair<int, int>> at = ClockTime(value);
    if (!at.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data.", key, ": \"", value,
          "\" is neither a time of day (\"8:00\", 24-hour) nor days of the month (\"28-31\")"));
    }
    if (up == down) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data.", key, ": a time of day needs a key that says scale_up or scale_down (got \"",
          key, "\")"));
    }
    const std::string dow = DayField(words);
    if (dow.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data.", key,
          ": the key names no day (monday .. sunday, weekdays, weekends or daily)"));
    }
    const std::string line = absl::StrCat(at->second, " ", at->first, " * * ", dow);
    (up ? up_keys : down_keys).push_back(key);
    (up ? up_lines : down_lines).push_back(line);
  }
  if (!up_keys.empty() && down_keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data.", up_keys.front(),
        ": a scale_up needs a scale_down that ends it (a key like friday_evening_scale_down)"));
  }
  if (up_keys.empty() && !down_keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data.", down_keys.front(), ": a scale_down needs a scale_up that starts the window"));
  }
  if (!up_keys.empty()) {
    spec.rules.insert(spec.rules.begin(),
                      ScheduleRule::Window(absl::StrCat(absl::StrJoin(up_keys, "+"), "..",
                                                        absl::StrJoin(down_keys, "+")),
                                           up_lines, down_lines, options.min_replicas));
  }
  if (spec.rules.empty()) {
    return absl::InvalidArgumentError("the ConfigMap's data holds no schedule");
  }
  std::vector<hpa::FieldError> errors = ValidateSchedule(spec);
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(errors[0].path, ": ", errors[0].message));
  }
  return spec;
}

}  // namespace agentscale::schedule
