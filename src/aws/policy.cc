// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/aws/policy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentscale/status_macros.h"
#include "agentscale/time_bounds.h"
#include "nlohmann/json.hpp"

namespace agentscale::aws {
namespace {

int64_t MinuteOf(absl::Time t) {
  const int64_t s = absl::ToUnixSeconds(t);  // rounds toward the past
  return s >= 0 ? s / 60 : -((-s + 59) / 60);
}

// "HH:MM" of a minute since the epoch, in UTC, without allocating.
void AppendHourMinute(std::string* out, int64_t minute) {
  const int64_t of_day = ((minute % 1440) + 1440) % 1440;
  const char text[5] = {static_cast<char>('0' + of_day / 600), static_cast<char>('0' + of_day / 60 % 10),
                        ':', static_cast<char>('0' + of_day % 60 / 10),
                        static_cast<char>('0' + of_day % 10)};
  out->append(text, 5);
}

// Whole values print as integers ("70", not "70.000000").
void AppendValue(std::string* out, double v) {
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    absl::StrAppend(out, static_cast<int64_t>(v));
  } else {
    absl::StrAppend(out, v);
  }
}

void AppendSeconds(std::string* out, absl::Duration d) {
  absl::StrAppend(out, absl::ToInt64Seconds(d), " s");
}

int32_t Clamp(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}

const char* ComparisonSymbol(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold: return ">=";
    case ComparisonOperator::kGreaterThanThreshold: return ">";
    case ComparisonOperator::kLessThanThreshold: return "<";
    case ComparisonOperator::kLessThanOrEqualToThreshold: return "<=";
  }
  return ">";
}

std::string TimeJson(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

absl::Status StateError(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("aws policy state: ", field, ": ", why));
}

absl::StatusOr<std::optional<absl::Time>> TimeFromJson(const nlohmann::json& j,
                                                       const std::string& key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<absl::Time>();
  if (!it->is_string()) return StateError(key, "expected an RFC 3339 time");
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, it->get<std::string>(), &t, &err)) {
    return StateError(key, err);
  }
  AGENTSCALE_RETURN_IF_ERROR(CheckTime(t, absl::StrCat("aws policy state: ", key)));
  return std::optional<absl::Time>(t);
}

}  // namespace

void DatapointRing::Put(int64_t m, double v) {
  const size_t slot = static_cast<size_t>(((m % kDatapointRing) + kDatapointRing) % kDatapointRing);
  minute[slot] = m;
  value[slot] = v;
}

bool DatapointRing::Get(int64_t m, double* v) const {
  const size_t slot = static_cast<size_t>(((m % kDatapointRing) + kDatapointRing) % kDatapointRing);
  if (minute[slot] != m) return false;
  *v = value[slot];
  return true;
}

ScalableTargetPolicy::ScalableTargetPolicy(ScalableTargetSpec spec) : spec_(std::move(spec)) {}

absl::StatusOr<std::unique_ptr<ScalableTargetPolicy>> ScalableTargetPolicy::Create(
    ScalableTargetSpec spec) {
  AGENTSCALE_RETURN_IF_ERROR(Validate(spec));
  std::unique_ptr<ScalableTargetPolicy> p(new ScalableTargetPolicy(std::move(spec)));
  AGENTSCALE_RETURN_IF_ERROR(p->Init());
  return p;
}

absl::Status ScalableTargetPolicy::Init() {
  min_capacity_ = spec_.min_capacity;
  max_capacity_ = spec_.max_capacity;
  // One metric per name: policies that read the same metric share its
  // datapoints; the first to name it sets the target a driver sees.
  auto add = [&](const MetricSource& m, double target) -> absl::StatusOr<int> {
    for (size_t j = 0; j < metric_sources_.size(); ++j) {
      if (metric_specs_[j].name != m.spec.name) continue;
      if (metric_sources_[j].spec.type != m.spec.type ||
          metric_sources_[j].statistic != m.statistic) {
        return absl::InvalidArgumentError(absl::StrCat(
            "metric \"", m.label, "\" is read twice with different types or statistics"));
      }
      return static_cast<int>(j);
    }
    MetricSource src = m;
    hpa::MetricSpec spec = m.spec;
    switch (spec.target.type) {
      case hpa::MetricTargetType::kUtilization:
        spec.target.average_utilization = static_cast<int32_t>(std::lround(target));
        break;
      case hpa::MetricTargetType::kAverageValue:
        spec.target.average_value_milli = static_cast<int64_t>(std::llround(target * 1000));
        break;
      case hpa::MetricTargetType::kValue:
        spec.target.value_milli = static_cast<int64_t>(std::llround(target * 1000));
        break;
    }
    metric_sources_.push_back(std::move(src));
    metric_specs_.push_back(std::move(spec));
    return static_cast<int>(metric_specs_.size() - 1);
  };
  for (const TargetTrackingPolicy& p : spec_.target_tracking) {
    AGENTSCALE_ASSIGN_OR_RETURN(int j, add(p.metric, p.target_value));
    tt_metric_.push_back(j);
  }
  for (const StepScalingPolicy& p : spec_.step_scaling) {
    AGENTSCALE_ASSIGN_OR_RETURN(int j, add(p.alarm.metric, std::fabs(p.alarm.threshold)));
    step_metric_.push_back(j);
  }
  for (const ScheduledAction& a : spec_.scheduled_actions) {
    AGENTSCALE_ASSIGN_OR_RETURN(ScheduleExpression s,
                                ScheduleExpression::Parse(a.schedule, a.timezone));
    schedules_.push_back(std::move(s));
  }
  auto dspec = std::make_shared<hpa::AutoscalerSpec>();
  dspec->name = spec_.resource_id;
  dspec->min_replicas = spec_.min_capacity;
  dspec->max_replicas = spec_.max_capacity;
  dspec->metrics = metric_specs_;
  decision_spec_ = std::move(dspec);
  const size_t n = metric_specs_.size();
  buckets_.assign(n, MinuteBucket{});
  rings_.assign(n, DatapointRing{});
  next_fire_.assign(schedules_.size(), std::nullopt);
  anchor_.assign(schedules_.size(), std::nullopt);
  obs_index_.assign(n, -1);
  reading_.assign(n, 0);
  has_reading_.assign(n, 0);
  return absl::OkStatus();
}

std::unique_ptr<Policy> ScalableTargetPolicy::Clone() const {
  return std::unique_ptr<Policy>(new ScalableTargetPolicy(*this));
}

std::optional<double> ScalableTargetPolicy::Datapoint(int metric, int64_t minute) const {
  if (metric < 0 || metric >= static_cast<int>(rings_.size())) return std::nullopt;
  double v;
  if (!rings_[metric].Get(minute, &v)) return std::nullopt;
  return v;
}

bool ScalableTargetPolicy::ReadMetric(int j, const Observation& obs, int k,
                                      double* value) const {
  if (k < 0) return false;
  const MetricObservation& mo = obs.metrics[k];
  if (!mo.error.ok()) return false;
  const MetricSource& src = metric_sources_[j];
  switch (src.spec.type) {
    case hpa::MetricSourceType::kResource:
    case hpa::MetricSourceType::kContainerResource: {
      // The service's average utilization: all usage over all requests of
      // the tasks that report usage (as ECS computes CPUUtilization).
      const bool cpu = src.spec.name != "memory";
      double usage = 0, request = 0;
      auto request_of = [&](const std::string& pod, size_t hint) -> double {
        const hpa::Pod* p = nullptr;
        if (hint < obs.pods.size() && obs.pods[hint].name == pod) {
          p = &obs.pods[hint];
        } else {
          for (const hpa::Pod& q : obs.pods) {
            if (q.name == pod) {
              p = &q;
              break;
            }
          }
        }
        if (p == nullptr) return 0;
        if (p->pod_requests) {
          const std::optional<int64_t>& r =
              cpu ? p->pod_requests->cpu_milli : p->pod_requests->memory_milli;
          if (r) return static_cast<double>(*r);
        }
        double sum = 0;
        for (const hpa::Container& c : p->containers) {
          const std::optional<int64_t>& r = cpu ? c.requests.cpu_milli : c.requests.memory_milli;
          if (r) sum += static_cast<double>(*r);
        }
        return sum;
      };
      if (!mo.pod_samples.empty()) {
        for (size_t i = 0; i < mo.pod_samples.size(); ++i) {
          usage += static_cast<double>(mo.pod_samples[i].value_milli);
          request += request_of(mo.pod_samples[i].pod, i);
        }
      } else {
        for (size_t i = 0; i < mo.resource_samples.size(); ++i) {
          for (const hpa::ContainerUsage& c : mo.resource_samples[i].containers) {
            const std::optional<int64_t>& u = cpu ? c.usage.cpu_milli : c.usage.memory_milli;
            if (u) usage += static_cast<double>(*u);
          }
          request += request_of(mo.resource_samples[i].pod, i);
        }
      }
      if (!(request > 0)) return false;
      *value = 100.0 * usage / request;
      return true;
    }
    case hpa::MetricSourceType::kPods: {
      if (mo.pod_samples.empty()) return false;
      double sum = 0;
      for (const hpa::PodSample& s : mo.pod_samples) sum += static_cast<double>(s.value_milli);
      *value = sum / 1000.0 / static_cast<double>(mo.pod_samples.size());
      return true;
    }
    case hpa::MetricSourceType::kExternal: {
      const std::vector<int64_t>& v = mo.external_values_milli;
      if (v.empty()) {
        if (!mo.object_value_milli) return false;
        *value = static_cast<double>(*mo.object_value_milli) / 1000.0;
        return true;
      }
      double sum = 0, lo = static_cast<double>(v[0]), hi = lo;
      for (int64_t x : v) {
        const double d = static_cast<double>(x);
        sum += d;
        lo = std::min(lo, d);
        hi = std::max(hi, d);
      }
      switch (src.statistic) {
        case Statistic::kSum: *value = sum / 1000.0; break;
        case Statistic::kMinimum: *value = lo / 1000.0; break;
        case Statistic::kMaximum: *value = hi / 1000.0; break;
        case Statistic::kSampleCount: *value = static_cast<double>(v.size()); break;
        case Statistic::kAverage:
          *value = sum / 1000.0 / static_cast<double>(v.size());
          break;
      }
      return true;
    }
    default:
      return false;
  }
}

void ScalableTargetPolicy::CloseBuckets(int64_t minute) {
  for (size_t j = 0; j < buckets_.size(); ++j) {
    MinuteBucket& b = buckets_[j];
    if (b.minute == INT64_MIN || b.minute >= minute) continue;
    if (b.count > 0) {
      double v = b.sum / b.count;
      if (metric_sources_[j].statistic == Statistic::kMinimum) v = b.min;
      if (metric_sources_[j].statistic == Statistic::kMaximum) v = b.max;
      rings_[j].Put(b.minute, v);
    }
    b = MinuteBucket{};
  }
}

int ScalableTargetPolicy::CountBreaching(int metric, int64_t last, int periods, bool above,
                                         double threshold, bool inclusive) const {
  int n = 0;
  for (int i = 0; i < periods; ++i) {
    double v;
    if (!rings_[metric].Get(last - i, &v)) continue;  // missing: not breaching
    const bool breach = above ? (inclusive ? v >= threshold : v > threshold)
                              : (inclusive ? v <= threshold : v < threshold);
    if (breach) ++n;
  }
  return n;
}

void ScalableTargetPolicy::ApplySchedules(absl::Time now, std::string* note) {
  const size_t n = schedules_.size();
  for (size_t i = 0; i < n; ++i) {
    if (anchor_[i]) continue;
    const ScheduledAction& a = spec_.scheduled_actions[i];
    anchor_[i] = a.start_time ? *a.start_time : now;
    // A schedule's first instant counts from just before the first Decide,
    // so an action due exactly then fires.
    next_fire_[i] = schedules_[i].Next(now - absl::Nanoseconds(1), *anchor_[i]);
  }
  // Due actions fire once each, in the order of their due times (an action
  // that fell due several times since the last Decide has one effect).
  for (;;) {
    int first = -1;
    for (size_t i = 0; i < n; ++i) {
      if (!next_fire_[i] || *next_fire_[i] > now) continue;
      if (first < 0 || *next_fire_[i] < *next_fire_[first]) first = static_cast<int>(i);
    }
    if (first < 0) break;
    const ScheduledAction& a = spec_.scheduled_actions[first];
    const absl::Time due = *next_fire_[first];
    next_fire_[first] = schedules_[first].Next(now, *anchor_[first]);
    if ((a.start_time && due < *a.start_time) || (a.end_time && due > *a.end_time)) continue;
    if (a.min_capacity) {
      min_capacity_ = *a.min_capacity;
      if (max_capacity_ < min_capacity_) max_capacity_ = min_capacity_;
    }
    if (a.max_capacity) {
      max_capacity_ = *a.max_capacity;
      if (min_capacity_ > max_capacity_) min_capacity_ = max_capacity_;
    }
    absl::StrAppend(note, note->empty() ? "" : "; ", "scheduled action ", a.name, " (",
                    a.schedule, ") set capacity range [", min_capacity_, ", ", max_capacity_,
                    "]");
  }
}

absl::Status ScalableTargetPolicy::Decide(absl::Time now, const Observation& obs,
                                          Decision* out) {
  // Refuse what cannot be read before touching any state.
  if (!IsAcceptedTime(now)) {
    return CheckTime(now, absl::StrCat("aws scalable target ", spec_.resource_id, ": now"));
  }
  if (last_decide_ && now < *last_decide_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "aws scalable target ", spec_.resource_id, ": now ", TimeText(now),
        " is before the last decision at ", TimeText(*last_decide_)));
  }
  if (obs.current_replicas < 0) {
    return absl::InvalidArgumentError("current_replicas must not be negative");
  }
  const int n = static_cast<int>(metric_specs_.size());
  std::fill(obs_index_.begin(), obs_index_.end(), -1);
  for (size_t k = 0; k < obs.metrics.size(); ++k) {
    const std::string& name = obs.metrics[k].metric;
    int j = -1;
    if (name.empty()) {
      if (static_cast<int>(k) < n) j = static_cast<int>(k);
    } else {
      for (int i = 0; i < n; ++i) {
        if (metric_specs_[i].name == name) {
          j = i;
          break;
        }
      }
    }
    if (j < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "aws scalable target ", spec_.resource_id, ": observation ", k, " (\"", name,
          "\") is not a metric this target reads"));
    }
    obs_index_[j] = static_cast<int>(k);
  }

  pending_ = false;
  last_decide_ = now;
  const int32_t current = obs.current_replicas;
  out->ResetToHold(now, current, DecisionPath::kFamily);
  out->spec = decision_spec_;
  out->metrics.resize(n);
  for (int j = 0; j < n; ++j) {
    has_reading_[j] = ReadMetric(j, obs, obs_index_[j], &reading_[j]) ? 1 : 0;
    MetricResult& r = out->metrics[j];
    r = MetricResult{};
    r.spec_index = j;
    r.type = metric_specs_[j].type;
    r.valid = has_reading_[j] != 0;
    if (r.valid) r.value_milli = static_cast<int64_t>(std::llround(reading_[j] * 1000.0));
  }

  // The minute periods: close those before now's minute, then evaluate the
  // alarms on the last closed minute, once per minute.
  const int64_t minute = MinuteOf(now);
  CloseBuckets(minute);
  const bool evaluate = minute - 1 > last_closed_minute_;
  if (evaluate) last_closed_minute_ = minute - 1;
  for (int j = 0; j < n; ++j) {
    if (!has_reading_[j]) continue;
    MinuteBucket& b = buckets_[j];
    const double v = reading_[j];
    if (b.minute != minute) {
      b = MinuteBucket{};
      b.minute = minute;
      b.min = b.max = v;
    }
    ++b.count;
    b.sum += v;
    b.min = std::min(b.min, v);
    b.max = std::max(b.max, v);
  }

  std::string& note = out->family_note;
  note = "aws: ";
  const size_t prefix = note.size();
  std::string scheduled;  // empty unless an action fires (rare; may allocate)
  ApplySchedules(now, &scheduled);
  int32_t desired = current;
  pending_starts_cooldown_ = false;
  pending_in_out_cooldown_ = false;
  const int32_t clamped = Clamp(current, min_capacity_, max_capacity_);
  if (!scheduled.empty()) absl::StrAppend(&note, scheduled, "; ");
  if (clamped != current) {
    desired = clamped;
    absl::StrAppend(&note, current < min_capacity_ ? "below MinCapacity " : "above MaxCapacity ",
                    current < min_capacity_ ? min_capacity_ : max_capacity_,
                    ": set to the range at once");
  } else if (evaluate) {
    desired = Evaluate(now, current, &note);
  } else {
    absl::StrAppend(&note, "no alarm evaluation (the minute ");
    AppendHourMinute(&note, minute);
    absl::StrAppend(&note, " UTC is still open)");
  }
  if (note.size() == prefix) note.resize(prefix - 2);
  out->desired_replicas = desired;
  out->status_desired_replicas = desired;
  out->rescale = desired != current;
  if (out->rescale) {
    pending_ = true;
    pending_time_ = now;
    pending_from_ = current;
    pending_to_ = desired;
  }
  return absl::OkStatus();
}

int32_t ScalableTargetPolicy::Evaluate(absl::Time now, int32_t current, std::string* note) {
  const int64_t last = last_closed_minute_;
  // The best scale-out and scale-in, and the first alarm a cooldown held.
  int32_t out_cap = -1, in_cap = -1;
  bool out_in_cooldown = false;
  size_t out_note_begin = 0, out_note_end = 0, in_note_begin = 0, in_note_end = 0;
  size_t held_begin = 0, held_end = 0;
  std::string& w = *note;
  const size_t base_len = w.size();
  auto in_out_cooldown = [&](absl::Duration d) { return last_out_ && now < *last_out_ + d; };
  auto in_in_cooldown = [&](absl::Duration d) { return last_in_ && now < *last_in_ + d; };

  // Each candidate explanation is written at the end of `w`; the winners'
  // ranges are kept and the text is compacted at the end.
  int tt_enabled = 0, tt_in = 0;
  int32_t tt_in_cap = -1;
  size_t tt_in_begin = 0, tt_in_end = 0;
  bool tt_in_blocked = false;
  absl::Duration tt_block_left;
  const char* tt_block_what = "";
  for (size_t i = 0; i < spec_.target_tracking.size(); ++i) {
    const TargetTrackingPolicy& p = spec_.target_tracking[i];
    const int j = tt_metric_[i];
    double latest = 0;
    const bool has_latest = rings_[j].Get(last, &latest);
    if (!p.disable_scale_in) ++tt_enabled;
    if (!has_latest) continue;
    const int high = CountBreaching(j, last, kHighAlarmPeriods, true, p.target_value, false);
    if (high == kHighAlarmPeriods) {
      const bool cd = in_out_cooldown(p.scale_out_cooldown);
      const int32_t base = cd ? out_base_ : current;
      const int32_t cap =
          base == 0 ? 1 : TargetTrackingScaleOut(base, latest, p.target_value);
      const size_t begin = w.size();
      absl::StrAppend(&w, p.name, " AlarmHigh ", high, "/", kHighAlarmPeriods, " datapoints ",
                      p.metric.label, " > ");
      AppendValue(&w, p.target_value);
      absl::StrAppend(&w, " (latest ");
      AppendValue(&w, latest);
      absl::StrAppend(&w, "): ceil(", base, " x ");
      AppendValue(&w, latest);
      absl::StrAppend(&w, " / ");
      AppendValue(&w, p.target_value);
      absl::StrAppend(&w, ") = ", cap);
      if (cd) {
        absl::StrAppend(&w, " from the capacity before the last scale-out (scale-out cooldown ");
        AppendSeconds(&w, p.scale_out_cooldown);
        absl::StrAppend(&w, ")");
      }
      if (cap > current && cap > out_cap) {
        out_cap = cap;
        out_in_cooldown = cd;
        out_note_begin = begin;
        out_note_end = w.size();
      } else if (cap <= current && held_end == 0) {
        absl::StrAppend(&w, ", not above the current ", current, ", held by the scale-out cooldown");
        held_begin = begin;
        held_end = w.size();
      }
      continue;
    }
    if (p.disable_scale_in) continue;
    const double low_threshold = kLowAlarmFraction * p.target_value;
    const int low = CountBreaching(j, last, kLowAlarmPeriods, false, low_threshold, false);
    if (low != kLowAlarmPeriods) continue;
    ++tt_in;
    const int32_t cap = TargetTrackingScaleIn(current, latest, p.target_value);
    if (in_out_cooldown(p.scale_out_cooldown)) {
      tt_in_blocked = true;
      tt_block_what = "scale-out cooldown";
      tt_block_left = *last_out_ + p.scale_out_cooldown - now;
    } else if (in_in_cooldown(p.scale_in_cooldown)) {
      tt_in_blocked = true;
      tt_block_what = "scale-in cooldown";
      tt_block_left = *last_in_ + p.scale_in_cooldown - now;
    }
    if (cap > tt_in_cap) {
      tt_in_cap = cap;
      tt_in_begin = w.size();
      absl::StrAppend(&w, p.name, " AlarmLow ", low, "/", kLowAlarmPeriods, " datapoints ",
                      p.metric.label, " < ");
      AppendValue(&w, low_threshold);
      absl::StrAppend(&w, " (latest ");
      AppendValue(&w, latest);
      absl::StrAppend(&w, "): floor(", current, " x ");
      AppendValue(&w, latest);
      absl::StrAppend(&w, " / ");
      AppendValue(&w, p.target_value);
      absl::StrAppend(&w, ") = ", cap);
      tt_in_end = w.size();
    }
  }
  // Scale-in by target tracking only when every policy that may scale in
  // says so; the largest of their capacities.
  if (tt_enabled > 0 && tt_in == tt_enabled && tt_in_cap < current) {
    if (tt_in_blocked) {
      if (held_end == 0) {
        held_begin = w.size();
        w.append(w, tt_in_begin, tt_in_end - tt_in_begin);
        absl::StrAppend(&w, ", held by the ", tt_block_what, " (");
        AppendSeconds(&w, tt_block_left);
        absl::StrAppend(&w, " left)");
        held_end = w.size();
      }
    } else {
      in_cap = tt_in_cap;
      in_note_begin = tt_in_begin;
      in_note_end = tt_in_end;
    }
  }

  for (size_t i = 0; i < spec_.step_scaling.size(); ++i) {
    const StepScalingPolicy& p = spec_.step_scaling[i];
    const StepAlarm& a = p.alarm;
    const int j = step_metric_[i];
    const bool above = a.comparison == ComparisonOperator::kGreaterThanThreshold ||
                       a.comparison == ComparisonOperator::kGreaterThanOrEqualToThreshold;
    const bool inclusive = a.comparison == ComparisonOperator::kGreaterThanOrEqualToThreshold ||
                           a.comparison == ComparisonOperator::kLessThanOrEqualToThreshold;
    const int count = CountBreaching(j, last, a.evaluation_periods, above, a.threshold, inclusive);
    if (count < a.datapoints_to_alarm) continue;
    // The aggregation over the alarm's datapoints.
    double agg = 0;
    int present = 0;
    for (int k = 0; k < a.evaluation_periods; ++k) {
      double v;
      if (!rings_[j].Get(last - k, &v)) continue;
      if (present == 0) {
        agg = v;
      } else if (p.aggregation == Statistic::kMinimum) {
        agg = std::min(agg, v);
      } else if (p.aggregation == Statistic::kMaximum) {
        agg = std::max(agg, v);
      } else {
        agg += v;
      }
      ++present;
    }
    if (p.aggregation == Statistic::kAverage && present > 0) agg /= present;
    const int step = FindStep(p.steps, agg - a.threshold);
    const size_t begin = w.size();
    absl::StrAppend(&w, p.name, " alarm ", a.name.empty() ? "" : a.name,
                    a.name.empty() ? "" : " ", count, "/", a.evaluation_periods, " datapoints ",
                    a.metric.label, " ", ComparisonSymbol(a.comparison), " ");
    AppendValue(&w, a.threshold);
    absl::StrAppend(&w, " (", StatisticName(p.aggregation), " ");
    AppendValue(&w, agg);
    absl::StrAppend(&w, ")");
    if (step < 0) {
      absl::StrAppend(&w, ": no step covers ");
      AppendValue(&w, agg - a.threshold);
      if (held_end == 0) {
        held_begin = begin;
        held_end = w.size();
      }
      continue;
    }
    const StepAdjustment& s = p.steps[step];
    const int64_t now_cap =
        StepCapacity(p.adjustment_type, s.scaling_adjustment, p.min_adjustment_magnitude, current);
    absl::StrAppend(&w, ": step ", step, " ", AdjustmentTypeName(p.adjustment_type), " ",
                    s.scaling_adjustment);
    if (now_cap > current) {
      const bool cd = in_out_cooldown(p.cooldown);
      const int64_t cap = cd ? StepCapacity(p.adjustment_type, s.scaling_adjustment,
                                            p.min_adjustment_magnitude, out_base_)
                             : now_cap;
      const int32_t c32 = Clamp(cap, 0, std::numeric_limits<int32_t>::max());
      absl::StrAppend(&w, " -> ", c32);
      if (cd) {
        absl::StrAppend(&w, " from the capacity before the last scale-out (cooldown ");
        AppendSeconds(&w, p.cooldown);
        absl::StrAppend(&w, ")");
      }
      if (c32 > current && c32 > out_cap) {
        out_cap = c32;
        out_in_cooldown = cd;
        out_note_begin = begin;
        out_note_end = w.size();
      } else if (c32 <= current && held_end == 0) {
        absl::StrAppend(&w, ", not above the current ", current, ", held by the cooldown");
        held_begin = begin;
        held_end = w.size();
      }
    } else if (now_cap < current) {
      const int32_t c32 = Clamp(now_cap, 0, std::numeric_limits<int32_t>::max());
      absl::StrAppend(&w, " -> ", c32);
      const char* what = nullptr;
      absl::Duration left;
      if (in_out_cooldown(p.cooldown)) {
        what = "scale-out cooldown";
        left = *last_out_ + p.cooldown - now;
      } else if (in_in_cooldown(p.cooldown)) {
        what = "scale-in cooldown";
        left = *last_in_ + p.cooldown - now;
      }
      if (what != nullptr) {
        if (held_end == 0) {
          absl::StrAppend(&w, ", held by the ", what, " (");
          AppendSeconds(&w, left);
          absl::StrAppend(&w, " left)");
          held_begin = begin;
          held_end = w.size();
        }
      } else if (c32 > in_cap) {
        in_cap = c32;
        in_note_begin = begin;
        in_note_end = w.size();
      }
    }
  }

  int32_t desired = current, raw = current;
  size_t keep_begin = 0, keep_end = 0;
  if (out_cap > current) {
    raw = out_cap;
    desired = Clamp(out_cap, min_capacity_, max_capacity_);
    keep_begin = out_note_begin;
    keep_end = out_note_end;
    pending_starts_cooldown_ = true;
    pending_in_out_cooldown_ = out_in_cooldown;
  } else if (in_cap >= 0 && in_cap < current) {
    raw = in_cap;
    desired = Clamp(in_cap, min_capacity_, max_capacity_);
    keep_begin = in_note_begin;
    keep_end = in_note_end;
    pending_starts_cooldown_ = true;
  } else if (held_end != 0) {
    keep_begin = held_begin;
    keep_end = held_end;
  }
  if (keep_end != 0) {
    // Move the kept explanation to the front, after the prefix.
    std::copy(w.begin() + static_cast<std::ptrdiff_t>(keep_begin),
              w.begin() + static_cast<std::ptrdiff_t>(keep_end),
              w.begin() + static_cast<std::ptrdiff_t>(base_len));
    w.resize(base_len + (keep_end - keep_begin));
    if (raw != desired) {
      absl::StrAppend(&w, ", clamped to [", min_capacity_, ", ", max_capacity_, "]: ", desired);
    }
  } else {
    w.resize(base_len);
    absl::StrAppend(&w, "no alarm in ALARM for the minute ");
    AppendHourMinute(&w, last);
    absl::StrAppend(&w, " UTC");
  }
  if (desired == current) pending_starts_cooldown_ = false;
  return desired;
}

absl::Status ScalableTargetPolicy::Commit(Decision& decision) {
  if (!pending_ || decision.committed || !decision.rescale || decision.time != pending_time_ ||
      decision.desired_replicas != pending_to_) {
    return absl::FailedPreconditionError(
        "Commit() takes this policy's latest decision that asked for a rescale, once");
  }
  pending_ = false;
  decision.committed = true;
  if (!pending_starts_cooldown_) return absl::OkStatus();
  if (pending_to_ > pending_from_) {
    // A scale-out cancels a scale-in cooldown; one made during a scale-out
    // cooldown keeps counting from the capacity before the first.
    last_in_.reset();
    if (!pending_in_out_cooldown_) out_base_ = pending_from_;
    last_out_ = pending_time_;
  } else {
    last_in_ = pending_time_;
  }
  return absl::OkStatus();
}

absl::Status ScalableTargetPolicy::CommitFailed(Decision& decision, const absl::Status& error) {
  (void)error;
  if (!pending_ || decision.committed || !decision.rescale || decision.time != pending_time_ ||
      decision.desired_replicas != pending_to_) {
    return absl::FailedPreconditionError(
        "CommitFailed() takes this policy's latest decision that asked for a rescale, once");
  }
  pending_ = false;
  decision.committed = true;
  return absl::OkStatus();
}

PolicyState ScalableTargetPolicy::ExportPolicyState() const {
  nlohmann::json j = nlohmann::json::object();
  if (last_decide_) j["last_decide"] = TimeJson(*last_decide_);
  if (last_out_) j["scale_out"] = {{"time", TimeJson(*last_out_)}, {"base", out_base_}};
  if (last_in_) j["scale_in"] = {{"time", TimeJson(*last_in_)}};
  j["min"] = min_capacity_;
  j["max"] = max_capacity_;
  if (last_closed_minute_ != INT64_MIN) j["last_evaluated_minute"] = last_closed_minute_;
  nlohmann::json metrics = nlohmann::json::array();
  for (size_t m = 0; m < rings_.size(); ++m) {
    nlohmann::json one = nlohmann::json::object();
    one["metric"] = metric_specs_[m].name;
    const MinuteBucket& b = buckets_[m];
    if (b.minute != INT64_MIN) {
      one["bucket"] = {{"minute", b.minute}, {"count", b.count}, {"sum", b.sum},
                       {"min", b.min}, {"max", b.max}};
    }
    // Oldest first.
    std::vector<std::pair<int64_t, double>> points;
    for (int s = 0; s < kDatapointRing; ++s) {
      if (rings_[m].minute[s] != INT64_MIN) {
        points.emplace_back(rings_[m].minute[s], rings_[m].value[s]);
      }
    }
    std::sort(points.begin(), points.end());
    nlohmann::json dp = nlohmann::json::array();
    for (const auto& [minute, value] : points) dp.push_back({minute, value});
    one["datapoints"] = std::move(dp);
    metrics.push_back(std::move(one));
  }
  j["metrics"] = std::move(metrics);
  nlohmann::json scheduled = nlohmann::json::array();
  for (size_t i = 0; i < schedules_.size(); ++i) {
    nlohmann::json one = nlohmann::json::object();
    one["action"] = spec_.scheduled_actions[i].name;
    if (anchor_[i]) {
      one["anchor"] = TimeJson(*anchor_[i]);
      if (next_fire_[i]) one["next"] = TimeJson(*next_fire_[i]);
    }
    scheduled.push_back(std::move(one));
  }
  j["scheduled"] = std::move(scheduled);
  PolicyState s;
  s.family = family();
  s.state_json = j.dump();
  return s;
}

absl::Status ScalableTargetPolicy::ImportPolicyState(const PolicyState& state) {
  AGENTSCALE_RETURN_IF_ERROR(CheckPolicyState(state, family(), 0));
  nlohmann::json j = nlohmann::json::parse(state.state_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return StateError("(top)", "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* kKeys[] = {"last_decide", "scale_out", "scale_in", "min", "max",
                                  "last_evaluated_minute", "metrics", "scheduled"};
    if (std::find_if(std::begin(kKeys), std::end(kKeys),
                     [&](const char* k) { return it.key() == k; }) == std::end(kKeys)) {
      return StateError(it.key(), "unknown field");
    }
  }
  // Everything is read into a copy, which replaces this policy's state only
  // when the whole document was good.
  ScalableTargetPolicy next(*this);
  AGENTSCALE_ASSIGN_OR_RETURN(next.last_decide_, TimeFromJson(j, "last_decide"));
  next.last_out_.reset();
  next.out_base_ = 0;
  if (auto it = j.find("scale_out"); it != j.end()) {
    if (!it->is_object()) return StateError("scale_out", "expected an object");
    AGENTSCALE_ASSIGN_OR_RETURN(next.last_out_, TimeFromJson(*it, "time"));
    auto b = it->find("base");
    if (b == it->end() || !b->is_number_integer() || b->get<int64_t>() < 0 ||
        b->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return StateError("scale_out.base", "expected a non-negative integer");
    }
    next.out_base_ = static_cast<int32_t>(b->get<int64_t>());
  }
  next.last_in_.reset();
  if (auto it = j.find("scale_in"); it != j.end()) {
    if (!it->is_object()) return StateError("scale_in", "expected an object");
    AGENTSCALE_ASSIGN_OR_RETURN(next.last_in_, TimeFromJson(*it, "time"));
  }
  for (const char* key : {"min", "max"}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return StateError(key, "expected a non-negative integer");
    }
    (std::string(key) == "min" ? next.min_capacity_ : next.max_capacity_) =
        static_cast<int32_t>(it->get<int64_t>());
  }
  if (next.min_capacity_ > next.max_capacity_) return StateError("min", "above max");
  next.last_closed_minute_ = INT64_MIN;
  if (auto it = j.find("last_evaluated_minute"); it != j.end()) {
    if (!it->is_number_integer()) return StateError("last_evaluated_minute", "expected an integer");
    next.last_closed_minute_ = it->get<int64_t>();
  }
  auto metrics = j.find("metrics");
  if (metrics == j.end() || !metrics->is_array() || metrics->size() != rings_.size()) {
    return StateError("metrics", absl::StrCat("expected ", rings_.size(), " entries"));
  }
  for (size_t m = 0; m < rings_.size(); ++m) {
    const nlohmann::json& one = (*metrics)[m];
    const std::string field = absl::StrCat("metrics[", m, "]");
    if (!one.is_object() || !one.contains("metric") || one["metric"] != metric_specs_[m].name) {
      return StateError(field, absl::StrCat("expected metric \"", metric_specs_[m].name, "\""));
    }
    next.buckets_[m] = MinuteBucket{};
    if (auto b = one.find("bucket"); b != one.end()) {
      if (!b->is_object()) return StateError(field + ".bucket", "expected an object");
      for (const char* k : {"minute", "count"}) {
        if (!b->contains(k) || !(*b)[k].is_number_integer()) {
          return StateError(field + ".bucket." + k, "expected an integer");
        }
      }
      for (const char* k : {"sum", "min", "max"}) {
        if (!b->contains(k) || !(*b)[k].is_number()) {
          return StateError(field + ".bucket." + k, "expected a number");
        }
      }
      MinuteBucket& nb = next.buckets_[m];
      nb.minute = (*b)["minute"].get<int64_t>();
      const int64_t count = (*b)["count"].get<int64_t>();
      if (count < 0 || count > std::numeric_limits<int32_t>::max()) {
        return StateError(field + ".bucket.count", "out of range");
      }
      nb.count = static_cast<int32_t>(count);
      nb.sum = (*b)["sum"].get<double>();
      nb.min = (*b)["min"].get<double>();
      nb.max = (*b)["max"].get<double>();
    }
    next.rings_[m] = DatapointRing{};
    auto dp = one.find("datapoints");
    if (dp == one.end() || !dp->is_array() || dp->size() > kDatapointRing) {
      return StateError(field + ".datapoints",
                        absl::StrCat("expected at most ", kDatapointRing, " [minute, value] pairs"));
    }
    for (size_t k = 0; k < dp->size(); ++k) {
      const nlohmann::json& p = (*dp)[k];
      if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number()) {
        return StateError(absl::StrCat(field, ".datapoints[", k, "]"),
                          "expected [minute, value]");
      }
      next.rings_[m].Put(p[0].get<int64_t>(), p[1].get<double>());
    }
  }
  auto scheduled = j.find("scheduled");
  if (scheduled == j.end() || !scheduled->is_array() ||
      scheduled->size() != schedules_.size()) {
    return StateError("scheduled", absl::StrCat("expected ", schedules_.size(), " entries"));
  }
  for (size_t i = 0; i < schedules_.size(); ++i) {
    const nlohmann::json& one = (*scheduled)[i];
    const std::string field = absl::StrCat("scheduled[", i, "]");
    if (!one.is_object()) return StateError(field, "expected an object");
    AGENTSCALE_ASSIGN_OR_RETURN(next.anchor_[i], TimeFromJson(one, "anchor"));
    AGENTSCALE_ASSIGN_OR_RETURN(next.next_fire_[i], TimeFromJson(one, "next"));
  }
  // Nothing may be later than the last decision (as the HPA's state
  // requires of its last evaluation): a state that says otherwise would
  // hold cooldowns or datapoints from a future the clock has not reached.
  const int64_t last_minute =
      next.last_decide_ ? MinuteOf(*next.last_decide_) : std::numeric_limits<int64_t>::min();
  auto after_last = [&](const std::string& field, absl::Time t) -> absl::Status {
    if (next.last_decide_ && t <= *next.last_decide_) return absl::OkStatus();
    return StateError(field, absl::StrCat(TimeText(t), next.last_decide_ ? " is after last_decide "
                                                                          : " without a last_decide",
                                          next.last_decide_ ? TimeText(*next.last_decide_) : ""));
  };
  if (next.last_out_) AGENTSCALE_RETURN_IF_ERROR(after_last("scale_out.time", *next.last_out_));
  if (next.last_in_) AGENTSCALE_RETURN_IF_ERROR(after_last("scale_in.time", *next.last_in_));
  if (next.last_closed_minute_ != INT64_MIN && next.last_closed_minute_ >= last_minute) {
    return StateError("last_evaluated_minute", "is not before the minute of last_decide");
  }
  for (size_t m = 0; m < next.rings_.size(); ++m) {
    if (next.buckets_[m].minute != INT64_MIN && next.buckets_[m].minute != last_minute) {
      return StateError(absl::StrCat("metrics[", m, "].bucket.minute"),
                        "is not the minute of last_decide");
    }
    for (int s = 0; s < kDatapointRing; ++s) {
      const int64_t dm = next.rings_[m].minute[s];
      if (dm != INT64_MIN && dm >= last_minute) {
        return StateError(absl::StrCat("metrics[", m, "].datapoints"),
                          absl::StrCat("minute ", dm, " is not before the minute of last_decide"));
      }
    }
  }
  next.pending_ = false;
  *this = std::move(next);
  return absl::OkStatus();
}

}  // namespace agentscale::aws
