// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "agentscale/aws/policy.h"
#include "agentscale/aws/spec.h"
#include "agentscale/config/aws.h"
#include "agentscale/status_macros.h"
#include "agentscale/time_bounds.h"
#include "json_errors.h"
#include "nlohmann/json.hpp"
#include "yaml_fields.h"

namespace agentscale::config {
namespace {

using json = nlohmann::json;
constexpr int kMaxDepth = 32;
constexpr size_t kMaxRequests = 1000;

// One step of a field path: an object key, or an array index (key empty).
struct Seg {
  std::string key;
  int64_t index = -1;
};
using Path = std::vector<Seg>;

Path Join(Path p, std::string key) {
  p.push_back(Seg{std::move(key), -1});
  return p;
}
Path Join(Path p, size_t index) {
  p.push_back(Seg{"", static_cast<int64_t>(index)});
  return p;
}

std::string PathText(const Path& p) {
  std::string out;
  for (const Seg& s : p) {
    if (s.index >= 0) {
      absl::StrAppend(&out, "[", s.index, "]");
    } else {
      absl::StrAppend(&out, out.empty() ? "" : ".", s.key);
    }
  }
  return out.empty() ? "(top level)" : out;
}

// --- Where a path's value is in the text ----------------------------------
// The text is already known to be valid JSON, so the scanner below only
// steps over it.

size_t SkipWs(const std::string& t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  return i;
}

// At a '"': the decoded string (simple escapes; \u left as written) and
// the position after the closing quote.
size_t ScanString(const std::string& t, size_t i, std::string* out) {
  ++i;
  while (i < t.size() && t[i] != '"') {
    if (t[i] == '\\' && i + 1 < t.size()) {
      const char e = t[i + 1];
      const char* plain = "\"\\/";
      if (e == 'n') {
        out->push_back('\n');
      } else if (e == 't') {
        out->push_back('\t');
      } else if (e == 'r') {
        out->push_back('\r');
      } else if (e == 'b') {
        out->push_back('\b');
      } else if (e == 'f') {
        out->push_back('\f');
      } else if (e == plain[0] || e == plain[1] || e == plain[2]) {
        out->push_back(e);
      } else {
        out->push_back('\\');
        out->push_back(e);
      }
      i += 2;
      continue;
    }
    out->push_back(t[i]);
    ++i;
  }
  return i + 1;
}

size_t SkipValue(const std::string& t, size_t i, int depth = 0) {
  i = SkipWs(t, i);
  if (i >= t.size() || depth > kMaxDepth + 2) return t.size();
  if (t[i] == '"') {
    std::string ignored;
    return ScanString(t, i, &ignored);
  }
  if (t[i] == '{' || t[i] == '[') {
    const char close = t[i] == '{' ? '}' : ']';
    i = SkipWs(t, i + 1);
    if (i < t.size() && t[i] == close) return i + 1;
    while (i < t.size()) {
      if (close == '}') {
        std::string ignored;
        i = SkipWs(t, ScanString(t, SkipWs(t, i), &ignored));
        ++i;  // ':'
      }
      i = SkipWs(t, SkipValue(t, i, depth + 1));
      if (i < t.size() && t[i] == ',') {
        ++i;
        continue;
      }
      return i + 1;
    }
    return t.size();
  }
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' &&
         t[i] != '\n' && t[i] != '\r' && t[i] != '\t') {
    ++i;
  }
  return i;
}

// The offset of the value at `path`, or of the deepest part of it that
// exists.
size_t Locate(const std::string& t, const Path& path) {
  size_t at = SkipWs(t, 0);
  for (const Seg& s : path) {
    if (at >= t.size()) break;
    if (s.index >= 0) {
      if (t[at] != '[') break;
      size_t i = SkipWs(t, at + 1);
      bool found = false;
      for (int64_t k = 0; i < t.size() && t[i] != ']'; ++k) {
        if (k == s.index) {
          found = true;
          break;
        }
        i = SkipWs(t, SkipValue(t, i));
        if (i < t.size() && t[i] == ',') i = SkipWs(t, i + 1);
      }
      if (!found) break;
      at = i;
    } else {
      if (t[at] != '{') break;
      size_t i = SkipWs(t, at + 1);
      bool found = false;
      while (i < t.size() && t[i] == '"') {
        std::string key;
        i = SkipWs(t, ScanString(t, i, &key));
        i = SkipWs(t, i + 1);  // ':'
        if (key == s.key) {
          found = true;
          break;
        }
        i = SkipWs(t, SkipValue(t, i));
        if (i < t.size() && t[i] == ',') i = SkipWs(t, i + 1);
      }
      if (!found) break;
      at = i;
    }
  }
  return at;
}

// --- Reading the requests ---------------------------------------------------

class Reader {
 public:
  Reader(const std::string& text, const std::string& source) : text_(text), source_(source) {}

  absl::Status Fail(const Path& path, const std::string& why) const {
    const auto [line, col] = internal::LineColumn(text_, Locate(text_, path));
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ":", line, ":", col, ": ", PathText(path), ": ", why));
  }

  absl::Status Object(const json& v, const Path& path,
                      std::initializer_list<const char*> allowed) const {
    if (!v.is_object()) return Fail(path, "expected an object");
    for (auto it = v.begin(); it != v.end(); ++it) {
      bool known = false;
      for (const char* k : allowed) known = known || it.key() == k;
      if (!known) {
        return Fail(Join(path, it.key()),
                    absl::StrCat("unknown field (expected one of ",
                                 absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Missing(const Path& path, const char* key) const {
    // The position is the object's; the path names the field.
    const auto [line, col] = internal::LineColumn(text_, Locate(text_, path));
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line, ":", col, ": ",
                                                   PathText(Join(path, key)),
                                                   ": required field is missing"));
  }

  absl::StatusOr<std::optional<std::string>> String(const json& obj, const Path& path,
                                                    const char* key, bool required) const {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) return Missing(path, key);
      return std::optional<std::string>();
    }
    if (!it->is_string()) return Fail(Join(path, key), "expected a string");
    return std::optional<std::string>(it->get<std::string>());
  }

  absl::StatusOr<std::optional<double>> Number(const json& obj, const Path& path, const char* key,
                                               bool required) const {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) return Missing(path, key);
      return std::optional<double>();
    }
    if (!it->is_number()) return Fail(Join(path, key), "expected a number");
    const double v = it->get<double>();
    if (!std::isfinite(v)) return Fail(Join(path, key), "expected a finite number");
    return std::optional<double>(v);
  }

  absl::StatusOr<std::optional<int32_t>> Int(const json& obj, const Path& path, const char* key,
                                             bool required, int64_t lo, int64_t hi) const {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) return Missing(path, key);
      return std::optional<int32_t>();
    }
    if (!it->is_number_integer()) return Fail(Join(path, key), "expected a whole number");
    const bool is_unsigned = it->is_number_unsigned();
    const int64_t v = is_unsigned && it->get<uint64_t>() > uint64_t{INT64_MAX}
                          ? INT64_MAX
                          : it->get<int64_t>();
    if (v < lo || v > hi) {
      return Fail(Join(path, key), absl::StrCat("must be ", lo, " to ", hi, ", got ", it->dump()));
    }
    return std::optional<int32_t>(static_cast<int32_t>(v));
  }

  absl::StatusOr<std::optional<bool>> Bool(const json& obj, const Path& path,
                                           const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end()) return std::optional<bool>();
    if (!it->is_boolean()) return Fail(Join(path, key), "expected true or false");
    return std::optional<bool>(it->get<bool>());
  }

 private:
  const std::string& text_;
  const std::string& source_;
};

// A request body or a list of them.
struct Request {
  const json* body;
  Path path;
};

constexpr int64_t kMaxCapacity = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxCooldownSeconds = 365 * 24 * 3600;

absl::Status CheckSameTarget(const Reader& r, const json& body, const Path& path,
                             const aws::ScalableTargetSpec& spec) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"ServiceNamespace", &spec.service_namespace},
      {"ResourceId", &spec.resource_id},
      {"ScalableDimension", &spec.scalable_dimension}};
  for (const auto& [key, want] : fields) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> v, r.String(body, path, key, false));
    if (v && *v != *want) {
      return r.Fail(Join(path, key), absl::StrCat("\"", *v, "\" is not the registered target's \"",
                                                  *want, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<aws::MetricSource> ReadCustomized(const Reader& r, const json& m,
                                                 const Path& path) {
  AGENTSCALE_RETURN_IF_ERROR(
      r.Object(m, path, {"MetricName", "Namespace", "Dimensions", "Statistic", "Unit", "Metrics"}));
  if (m.contains("Metrics")) {
    return r.Fail(Join(path, "Metrics"),
                  "metric math (Metrics) is not supported by this model; give MetricName, "
                  "Namespace, Dimensions and Statistic");
  }
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> name, r.String(m, path, "MetricName", true));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> ns, r.String(m, path, "Namespace", true));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> stat, r.String(m, path, "Statistic", true));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> unit, r.String(m, path, "Unit", false));
  aws::Statistic statistic;
  if (!aws::StatisticFromName(*stat, &statistic)) {
    return r.Fail(Join(path, "Statistic"),
                  absl::StrCat("\"", *stat, "\" is not Average, Minimum, Maximum, Sum or SampleCount"));
  }
  if (name->empty()) return r.Fail(Join(path, "MetricName"), "must not be empty");
  std::vector<std::pair<std::string, std::string>> dims;
  if (auto d = m.find("Dimensions"); d != m.end()) {
    const Path dpath = Join(path, "Dimensions");
    if (!d->is_array()) return r.Fail(dpath, "expected a list of {Name, Value}");
    for (size_t i = 0; i < d->size(); ++i) {
      const Path ip = Join(dpath, i);
      AGENTSCALE_RETURN_IF_ERROR(r.Object((*d)[i], ip, {"Name", "Value"}));
      AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> n, r.String((*d)[i], ip, "Name", true));
      AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> v, r.String((*d)[i], ip, "Value", true));
      dims.emplace_back(*n, *v);
    }
  }
  absl::StatusOr<aws::MetricSource> out =
      aws::CustomizedMetric(*name, *ns, std::move(dims), statistic, unit.value_or(""));
  if (!out.ok()) return r.Fail(path, std::string(out.status().message()));
  return out;
}

absl::Status ReadRegister(const Reader& r, const json& b, const Path& path,
                          aws::ScalableTargetSpec* spec) {
  AGENTSCALE_RETURN_IF_ERROR(r.Object(b, path, {"ServiceNamespace", "ResourceId",
                                                "ScalableDimension", "MinCapacity", "MaxCapacity",
                                                "RoleARN", "SuspendedState", "Tags"}));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> ns, r.String(b, path, "ServiceNamespace", true));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> id, r.String(b, path, "ResourceId", true));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> dim, r.String(b, path, "ScalableDimension", true));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> min, r.Int(b, path, "MinCapacity", true, 0, kMaxCapacity));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> max, r.Int(b, path, "MaxCapacity", true, 0, kMaxCapacity));
  if (*min > *max) {
    return r.Fail(Join(path, "MinCapacity"),
                  absl::StrCat("MinCapacity ", *min, " is above MaxCapacity ", *max));
  }
  if (id->empty()) return r.Fail(Join(path, "ResourceId"), "must not be empty");
  if (auto s = b.find("SuspendedState"); s != b.end()) {
    const Path sp = Join(path, "SuspendedState");
    AGENTSCALE_RETURN_IF_ERROR(r.Object(*s, sp, {"DynamicScalingInSuspended",
                                                 "DynamicScalingOutSuspended",
                                                 "ScheduledScalingSuspended"}));
    for (const char* k : {"DynamicScalingInSuspended", "DynamicScalingOutSuspended",
                          "ScheduledScalingSuspended"}) {
      AGENTSCALE_ASSIGN_OR_RETURN(std::optional<bool> v, r.Bool(*s, sp, k));
      if (v && *v) return r.Fail(Join(sp, k), "suspended scaling is not supported by this model");
    }
  }
  spec->service_namespace = *ns;
  spec->resource_id = *id;
  spec->scalable_dimension = *dim;
  spec->min_capacity = *min;
  spec->max_capacity = *max;
  return absl::OkStatus();
}

absl::Status ReadPolicy(const Reader& r, const json& b, const Path& path,
                        aws::ScalableTargetSpec* spec, std::vector<Path>* step_paths) {
  AGENTSCALE_RETURN_IF_ERROR(r.Object(
      b, path, {"PolicyName", "ServiceNamespace", "ResourceId", "ScalableDimension", "PolicyType",
                "TargetTrackingScalingPolicyConfiguration", "StepScalingPolicyConfiguration"}));
  AGENTSCALE_RETURN_IF_ERROR(CheckSameTarget(r, b, path, *spec));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> name, r.String(b, path, "PolicyName", true));
  if (name->empty()) return r.Fail(Join(path, "PolicyName"), "must not be empty");
  for (const aws::TargetTrackingPolicy& p : spec->target_tracking) {
    if (p.name == *name) return r.Fail(Join(path, "PolicyName"), absl::StrCat("\"", *name, "\" is put twice"));
  }
  for (const aws::StepScalingPolicy& p : spec->step_scaling) {
    if (p.name == *name) return r.Fail(Join(path, "PolicyName"), absl::StrCat("\"", *name, "\" is put twice"));
  }
  // AWS's default PolicyType is StepScaling.
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> type, r.String(b, path, "PolicyType", false));
  const std::string policy_type = type.value_or("StepScaling");
  if (policy_type == "TargetTrackingScaling") {
    if (b.contains("StepScalingPolicyConfiguration")) {
      return r.Fail(Join(path, "StepScalingPolicyConfiguration"),
                    "given with PolicyType TargetTrackingScaling");
    }
    auto c = b.find("TargetTrackingScalingPolicyConfiguration");
    if (c == b.end()) return r.Missing(path, "TargetTrackingScalingPolicyConfiguration");
    const Path cp = Join(path, "TargetTrackingScalingPolicyConfiguration");
    AGENTSCALE_RETURN_IF_ERROR(r.Object(
        *c, cp, {"TargetValue", "PredefinedMetricSpecification", "CustomizedMetricSpecification",
                 "ScaleOutCooldown", "ScaleInCooldown", "DisableScaleIn"}));
    aws::TargetTrackingPolicy p;
    p.name = *name;
    AGENTSCALE_ASSIGN_OR_RETURN(std::optional<double> target, r.Number(*c, cp, "TargetValue", true));
    // TargetValue's range in the API reference: 8.515920e-109 to 1.174271e+108.
    if (!(*target > 0)) return r.Fail(Join(cp, "TargetValue"), "must be a positive number");
    p.target_value = *target;
    const bool predefined = c->contains("PredefinedMetricSpecification");
    const bool customized = c->contains("CustomizedMetricSpecification");
    if (predefined == customized) {
      return r.Fail(cp, "needs exactly one of PredefinedMetricSpecification and "
                        "CustomizedMetricSpecification");
    }
    if (predefined) {
      const Path mp = Join(cp, "PredefinedMetricSpecification");
      const json& m = (*c)["PredefinedMetricSpecification"];
      AGENTSCALE_RETURN_IF_ERROR(r.Object(m, mp, {"PredefinedMetricType", "ResourceLabel"}));
      AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> t, r.String(m, mp, "PredefinedMetricType", true));
      AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> label, r.String(m, mp, "ResourceLabel", false));
      absl::StatusOr<aws::MetricSource> src = aws::PredefinedMetric(*t);
      if (!src.ok()) return r.Fail(Join(mp, "PredefinedMetricType"), std::string(src.status().message()));
      if (*t == "ALBRequestCountPerTarget" && !label) return r.Missing(mp, "ResourceLabel");
      p.metric = *std::move(src);
    } else {
      AGENTSCALE_ASSIGN_OR_RETURN(
          p.metric, ReadCustomized(r, (*c)["CustomizedMetricSpecification"],
                                   Join(cp, "CustomizedMetricSpecification")));
    }
    AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> out_cd,
                                r.Int(*c, cp, "ScaleOutCooldown", false, 0, kMaxCooldownSeconds));
    AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> in_cd,
                                r.Int(*c, cp, "ScaleInCooldown", false, 0, kMaxCooldownSeconds));
    AGENTSCALE_ASSIGN_OR_RETURN(std::optional<bool> disable, r.Bool(*c, cp, "DisableScaleIn"));
    if (out_cd) p.scale_out_cooldown = absl::Seconds(*out_cd);
    if (in_cd) p.scale_in_cooldown = absl::Seconds(*in_cd);
    p.disable_scale_in = disable.value_or(false);
    spec->target_tracking.push_back(std::move(p));
    return absl::OkStatus();
  }
  if (policy_type != "StepScaling") {
    return r.Fail(Join(path, "PolicyType"),
                  absl::StrCat("\"", policy_type, "\" is not TargetTrackingScaling or StepScaling",
                               policy_type == "PredictiveScaling" ? " (predictive scaling is not modelled)" : ""));
  }
  if (b.contains("TargetTrackingScalingPolicyConfiguration")) {
    return r.Fail(Join(path, "TargetTrackingScalingPolicyConfiguration"),
                  "given with PolicyType StepScaling");
  }
  auto c = b.find("StepScalingPolicyConfiguration");
  if (c == b.end()) return r.Missing(path, "StepScalingPolicyConfiguration");
  const Path cp = Join(path, "StepScalingPolicyConfiguration");
  AGENTSCALE_RETURN_IF_ERROR(r.Object(*c, cp, {"AdjustmentType", "StepAdjustments",
                                               "MinAdjustmentMagnitude", "Cooldown",
                                               "MetricAggregationType"}));
  aws::StepScalingPolicy p;
  p.name = *name;
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> adj, r.String(*c, cp, "AdjustmentType", true));
  if (!aws::AdjustmentTypeFromName(*adj, &p.adjustment_type)) {
    return r.Fail(Join(cp, "AdjustmentType"),
                  absl::StrCat("\"", *adj, "\" is not ChangeInCapacity, PercentChangeInCapacity or "
                                           "ExactCapacity"));
  }
  auto steps = c->find("StepAdjustments");
  if (steps == c->end()) return r.Missing(cp, "StepAdjustments");
  const Path sp = Join(cp, "StepAdjustments");
  if (!steps->is_array() || steps->empty()) return r.Fail(sp, "expected a non-empty list");
  for (size_t i = 0; i < steps->size(); ++i) {
    const Path ip = Join(sp, i);
    const json& s = (*steps)[i];
    AGENTSCALE_RETURN_IF_ERROR(r.Object(s, ip, {"MetricIntervalLowerBound",
                                                "MetricIntervalUpperBound", "ScalingAdjustment"}));
    aws::StepAdjustment step;
    AGENTSCALE_ASSIGN_OR_RETURN(step.lower, r.Number(s, ip, "MetricIntervalLowerBound", false));
    AGENTSCALE_ASSIGN_OR_RETURN(step.upper, r.Number(s, ip, "MetricIntervalUpperBound", false));
    AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> a,
                                r.Int(s, ip, "ScalingAdjustment", true, -kMaxCapacity, kMaxCapacity));
    step.scaling_adjustment = *a;
    p.steps.push_back(step);
  }
  if (absl::Status st = aws::ValidateSteps(p.steps); !st.ok()) {
    return r.Fail(sp, std::string(st.message()));
  }
  AGENTSCALE_ASSIGN_OR_RETURN(p.min_adjustment_magnitude,
                              r.Int(*c, cp, "MinAdjustmentMagnitude", false, 1, kMaxCapacity));
  if (p.min_adjustment_magnitude &&
      p.adjustment_type != aws::AdjustmentType::kPercentChangeInCapacity) {
    return r.Fail(Join(cp, "MinAdjustmentMagnitude"), "applies only to PercentChangeInCapacity");
  }
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> cd,
                              r.Int(*c, cp, "Cooldown", false, 0, kMaxCooldownSeconds));
  if (cd) p.cooldown = absl::Seconds(*cd);
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> agg,
                              r.String(*c, cp, "MetricAggregationType", false));
  if (agg) {
    if (!aws::StatisticFromName(*agg, &p.aggregation) || p.aggregation == aws::Statistic::kSum ||
        p.aggregation == aws::Statistic::kSampleCount) {
      return r.Fail(Join(cp, "MetricAggregationType"),
                    absl::StrCat("\"", *agg, "\" is not Average, Minimum or Maximum"));
    }
  }
  spec->step_scaling.push_back(std::move(p));
  step_paths->push_back(path);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::Time>> ReadTime(const Reader& r, const json& b,
                                                   const Path& path, const char* key) {
  auto it = b.find(key);
  if (it == b.end()) return std::optional<absl::Time>();
  const Path kp = Join(path, key);
  absl::Time t;
  if (it->is_number()) {
    // The CLI's form: seconds since the Unix epoch.
    const double s = it->get<double>();
    if (absl::Status st = CheckUnixSeconds(s, key); !st.ok()) return r.Fail(kp, std::string(st.message()));
    t = absl::UnixEpoch() + absl::Seconds(s);
  } else if (it->is_string()) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, it->get<std::string>(), &t, &err)) {
      return r.Fail(kp, "expected an RFC 3339 time (2026-03-01T08:00:00Z) or Unix seconds");
    }
    if (absl::Status st = CheckTime(t, key); !st.ok()) return r.Fail(kp, std::string(st.message()));
  } else {
    return r.Fail(kp, "expected an RFC 3339 time or Unix seconds");
  }
  return std::optional<absl::Time>(t);
}

absl::Status ReadScheduled(const Reader& r, const json& b, const Path& path,
                           aws::ScalableTargetSpec* spec) {
  AGENTSCALE_RETURN_IF_ERROR(r.Object(
      b, path, {"ServiceNamespace", "Schedule", "Timezone", "ScheduledActionName", "ResourceId",
                "ScalableDimension", "StartTime", "EndTime", "ScalableTargetAction"}));
  AGENTSCALE_RETURN_IF_ERROR(CheckSameTarget(r, b, path, *spec));
  aws::ScheduledAction a;
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> name,
                              r.String(b, path, "ScheduledActionName", true));
  if (name->empty()) return r.Fail(Join(path, "ScheduledActionName"), "must not be empty");
  for (const aws::ScheduledAction& other : spec->scheduled_actions) {
    if (other.name == *name) {
      return r.Fail(Join(path, "ScheduledActionName"), absl::StrCat("\"", *name, "\" is put twice"));
    }
  }
  a.name = *name;
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> sched, r.String(b, path, "Schedule", true));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> zone, r.String(b, path, "Timezone", false));
  a.schedule = *sched;
  a.timezone = zone.value_or("UTC");
  if (absl::StatusOr<aws::ScheduleExpression> s = aws::ScheduleExpression::Parse(a.schedule, a.timezone);
      !s.ok()) {
    // The expression is at fault unless it reads well in UTC.
    const bool zone_at_fault = aws::ScheduleExpression::Parse(a.schedule, "UTC").ok();
    return r.Fail(Join(path, zone_at_fault ? "Timezone" : "Schedule"), std::string(s.status().message()));
  }
  AGENTSCALE_ASSIGN_OR_RETURN(a.start_time, ReadTime(r, b, path, "StartTime"));
  AGENTSCALE_ASSIGN_OR_RETURN(a.end_time, ReadTime(r, b, path, "EndTime"));
  if (a.start_time && a.end_time && *a.end_time <= *a.start_time) {
    return r.Fail(Join(path, "EndTime"), "must be after StartTime");
  }
  auto act = b.find("ScalableTargetAction");
  if (act == b.end()) return r.Missing(path, "ScalableTargetAction");
  const Path ap = Join(path, "ScalableTargetAction");
  AGENTSCALE_RETURN_IF_ERROR(r.Object(*act, ap, {"MinCapacity", "MaxCapacity"}));
  AGENTSCALE_ASSIGN_OR_RETURN(a.min_capacity, r.Int(*act, ap, "MinCapacity", false, 0, kMaxCapacity));
  AGENTSCALE_ASSIGN_OR_RETURN(a.max_capacity, r.Int(*act, ap, "MaxCapacity", false, 0, kMaxCapacity));
  if (!a.min_capacity && !a.max_capacity) return r.Fail(ap, "sets neither MinCapacity nor MaxCapacity");
  if (a.min_capacity && a.max_capacity && *a.min_capacity > *a.max_capacity) {
    return r.Fail(Join(ap, "MinCapacity"), absl::StrCat("MinCapacity ", *a.min_capacity,
                                                        " is above MaxCapacity ", *a.max_capacity));
  }
  spec->scheduled_actions.push_back(std::move(a));
  return absl::OkStatus();
}

// The policy an alarm action names: "name", or an ARN "...:policyName/name".
std::string PolicyNameOfAction(const std::string& action) {
  const std::string marker = "policyName/";
  const size_t at = action.rfind(marker);
  return at == std::string::npos ? action : action.substr(at + marker.size());
}

absl::Status ReadAlarm(const Reader& r, const json& b, const Path& path,
                       aws::ScalableTargetSpec* spec, std::vector<Path>* alarm_of_step) {
  AGENTSCALE_RETURN_IF_ERROR(r.Object(
      b, path, {"AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
                "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "Dimensions",
                "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
                "ComparisonOperator", "TreatMissingData"}));
  aws::StepAlarm alarm;
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> name, r.String(b, path, "AlarmName", true));
  alarm.name = *name;
  // The metric: the same fields as a customized metric specification.
  json metric = json::object();
  for (const char* k : {"MetricName", "Namespace", "Statistic", "Dimensions", "Unit"}) {
    if (b.contains(k)) metric[k] = b[k];
  }
  if (!metric.contains("Statistic")) metric["Statistic"] = "Average";
  if (!b.contains("MetricName")) return r.Missing(path, "MetricName");
  if (!b.contains("Namespace")) return r.Missing(path, "Namespace");
  AGENTSCALE_ASSIGN_OR_RETURN(alarm.metric, ReadCustomized(r, metric, path));
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> period, r.Int(b, path, "Period", false, 1, 86400));
  if (period && *period != 60) {
    return r.Fail(Join(path, "Period"), "only 60-second periods are modelled");
  }
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> n,
                              r.Int(b, path, "EvaluationPeriods", true, 1, aws::kMaxEvaluationPeriods));
  alarm.evaluation_periods = *n;
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<int32_t> m,
                              r.Int(b, path, "DatapointsToAlarm", false, 1, aws::kMaxEvaluationPeriods));
  alarm.datapoints_to_alarm = m.value_or(*n);
  if (alarm.datapoints_to_alarm > alarm.evaluation_periods) {
    return r.Fail(Join(path, "DatapointsToAlarm"), "must not exceed EvaluationPeriods");
  }
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<double> threshold, r.Number(b, path, "Threshold", true));
  alarm.threshold = *threshold;
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> op, r.String(b, path, "ComparisonOperator", true));
  if (!aws::ComparisonOperatorFromName(*op, &alarm.comparison)) {
    return r.Fail(Join(path, "ComparisonOperator"),
                  absl::StrCat("\"", *op, "\" is not GreaterThanOrEqualToThreshold, "
                                          "GreaterThanThreshold, LessThanThreshold or "
                                          "LessThanOrEqualToThreshold"));
  }
  AGENTSCALE_ASSIGN_OR_RETURN(std::optional<std::string> missing,
                              r.String(b, path, "TreatMissingData", false));
  if (missing && *missing != "missing") {
    return r.Fail(Join(path, "TreatMissingData"),
                  "only \"missing\" (CloudWatch's default) is modelled");
  }
  auto actions = b.find("AlarmActions");
  if (actions == b.end()) return r.Missing(path, "AlarmActions");
  const Path ap = Join(path, "AlarmActions");
  if (!actions->is_array() || actions->empty()) return r.Fail(ap, "expected a non-empty list");
  for (size_t i = 0; i < actions->size(); ++i) {
    const json& a = (*actions)[i];
    if (!a.is_string()) return r.Fail(Join(ap, i), "expected a string");
    const std::string policy = PolicyNameOfAction(a.get<std::string>());
    size_t k = 0;
    for (; k < spec->step_scaling.size(); ++k) {
      if (spec->step_scaling[k].name == policy) break;
    }
    if (k == spec->step_scaling.size()) {
      bool tracking = false;
      for (const aws::TargetTrackingPolicy& p : spec->target_tracking) tracking |= p.name == policy;
      return r.Fail(Join(ap, i), tracking
                                    ? absl::StrCat("\"", policy, "\" is a target tracking policy, "
                                                   "whose alarms AWS owns")
                                    : absl::StrCat("no step scaling policy named \"", policy, "\""));
    }
    if (!spec->step_scaling[k].alarm.metric.label.empty()) {
      return r.Fail(Join(ap, i), absl::StrCat("step scaling policy \"", policy,
                                              "\" is invoked by two alarms (this model takes one)"));
    }
    spec->step_scaling[k].alarm = alarm;
    (*alarm_of_step)[k] = path;
  }
  return absl::OkStatus();
}

// The requests of one action key: a body or a list of bodies.
absl::Status Collect(const Reader& r, const json& v, const Path& path, std::vector<Request>* out) {
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) out->push_back(Request{&v[i], Join(path, i)});
  } else {
    out->push_back(Request{&v, path});
  }
  if (out->size() > kMaxRequests) return r.Fail(path, absl::StrCat("more than ", kMaxRequests, " requests"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<aws::ScalableTargetSpec> LoadAwsScalingString(const std::string& text,
                                                              const std::string& source) {
  if (text.size() > kMaxAwsJsonBytes) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", text.size(),
                                                   " bytes, over the limit of ", kMaxAwsJsonBytes));
  }
  json doc;
  AGENTSCALE_RETURN_IF_ERROR(internal::ParseBoundedJson(text, source, kMaxDepth, &doc));
  Reader r(text, source);
  std::vector<const json*> sets;
  std::vector<Path> set_paths;
  if (doc.is_array()) {
    if (doc.empty()) return r.Fail({}, "an empty list holds no RegisterScalableTarget");
    for (size_t i = 0; i < doc.size(); ++i) {
      sets.push_back(&doc[i]);
      set_paths.push_back(Join(Path{}, i));
    }
  } else {
    sets.push_back(&doc);
    set_paths.push_back({});
  }
  std::vector<Request> registers, policies, scheduled, alarms;
  for (size_t i = 0; i < sets.size(); ++i) {
    AGENTSCALE_RETURN_IF_ERROR(r.Object(*sets[i], set_paths[i],
                                        {"RegisterScalableTarget", "PutScalingPolicy",
                                         "PutScheduledAction", "PutMetricAlarm"}));
    const std::pair<const char*, std::vector<Request>*> keys[] = {
        {"RegisterScalableTarget", &registers}, {"PutScalingPolicy", &policies},
        {"PutScheduledAction", &scheduled}, {"PutMetricAlarm", &alarms}};
    for (const auto& [key, list] : keys) {
      if (auto it = sets[i]->find(key); it != sets[i]->end()) {
        AGENTSCALE_RETURN_IF_ERROR(Collect(r, *it, Join(set_paths[i], key), list));
      }
    }
  }
  if (registers.empty()) {
    return r.Fail({}, "no RegisterScalableTarget: the file must register the scalable target");
  }
  if (registers.size() > 1) {
    return r.Fail(registers[1].path, "a second RegisterScalableTarget (one target per file)");
  }
  aws::ScalableTargetSpec spec;
  AGENTSCALE_RETURN_IF_ERROR(ReadRegister(r, *registers[0].body, registers[0].path, &spec));
  std::vector<Path> step_paths;
  for (const Request& q : policies) {
    AGENTSCALE_RETURN_IF_ERROR(ReadPolicy(r, *q.body, q.path, &spec, &step_paths));
  }
  for (const Request& q : scheduled) {
    AGENTSCALE_RETURN_IF_ERROR(ReadScheduled(r, *q.body, q.path, &spec));
  }
  std::vector<Path> alarm_of_step(spec.step_scaling.size());
  for (const Request& q : alarms) {
    AGENTSCALE_RETURN_IF_ERROR(ReadAlarm(r, *q.body, q.path, &spec, &alarm_of_step));
  }
  for (size_t k = 0; k < spec.step_scaling.size(); ++k) {
    if (spec.step_scaling[k].alarm.metric.label.empty()) {
      return r.Fail(Join(step_paths[k], "PolicyName"),
                    absl::StrCat("no PutMetricAlarm names step scaling policy \"",
                                 spec.step_scaling[k].name, "\" in its AlarmActions"));
    }
  }
  if (spec.target_tracking.empty() && spec.step_scaling.empty() && spec.scheduled_actions.empty()) {
    return r.Fail(registers[0].path, "the target has no scaling policy and no scheduled action");
  }
  // What is left for the spec's own checks (a metric read two ways, ...).
  if (absl::Status st = aws::ScalableTargetPolicy::Create(spec).status(); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", st.message()));
  }
  return spec;
}

absl::StatusOr<aws::ScalableTargetSpec> LoadAwsScalingFile(const std::string& path) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text,
                              yaml_fields::ReadConfigFile(path, "AWS scaling JSON", kMaxAwsJsonBytes));
  return LoadAwsScalingString(text, path);
}

}  // namespace agentscale::config
