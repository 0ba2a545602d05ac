// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/policy/observation_json.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/time_bounds.h"
#include "json_errors.h"
#include "nlohmann/json.hpp"
#include "utf8.h"

namespace agentscale {
namespace {

// Ordered: metrics and pods keep the order the document gives them.
using OrderedJson = nlohmann::ordered_json;
constexpr size_t kMaxBytes = size_t{16} << 20;

// 1-based line and column of byte `offset` in `text`.
bool IsNumber(const OrderedJson& v) { return v.is_number() && !v.is_boolean(); }

bool PhaseFromName(const std::string& s, hpa::PodPhase* out) {
  static const std::pair<const char*, hpa::PodPhase> kPhases[] = {
      {"Pending", hpa::PodPhase::kPending},     {"Running", hpa::PodPhase::kRunning},
      {"Succeeded", hpa::PodPhase::kSucceeded}, {"Failed", hpa::PodPhase::kFailed},
      {"Unknown", hpa::PodPhase::kUnknown}};
  for (const auto& [name, phase] : kPhases) {
    if (s == name) {
      *out = phase;
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<TimedObservation> ObservationFromJson(
    const std::string& text, const std::vector<hpa::MetricSpec>& metrics,
    const std::string& source, absl::Time default_time) {
  auto bad = [&](const std::string& field, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", field, ": ", why));
  };
  if (text.size() > kMaxBytes) {
    return bad("(top level)", absl::StrCat(text.size(), " bytes, over the limit of ",
                                           kMaxBytes));
  }
  // The format nests four deep ($.metrics.<name>.<pod>).
  OrderedJson data;
  if (absl::Status st = internal::ParseBoundedJson(text, source, 8, &data); !st.ok()) return st;
  if (!data.is_object()) return bad("(top level)", "expected a JSON object");
  for (auto it = data.begin(); it != data.end(); ++it) {
    const std::string& k = it.key();
    if (k != "time" && k != "current_replicas" && k != "pods" && k != "metrics") {
      return bad(k, "unknown field (expected time, current_replicas, pods, metrics)");
    }
  }
  TimedObservation out;
  out.time = default_time;
  if (auto t = data.find("time"); t != data.end()) {
    if (!IsNumber(*t)) return bad("time", "expected seconds since the epoch (a number)");
    if (absl::Status st = CheckUnixSeconds(t->get<double>(), "time"); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", st.message()));
    }
    const double x = t->get<double>();
    const double s = std::floor(x);
    out.time = absl::FromUnixSeconds(static_cast<int64_t>(s)) +
               absl::Microseconds(std::llround((x - s) * 1e6));
  }
  auto r = data.find("current_replicas");
  if (r == data.end() || !r->is_number_integer() || r->get<int64_t>() < 0 ||
      r->get<int64_t>() > 100000) {
    return bad("current_replicas", "expected a non-negative integer (at most 100000)");
  }
  Observation& obs = out.observation;
  obs.current_replicas = static_cast<int32_t>(r->get<int64_t>());
  std::vector<std::string> names;
  auto pods = data.find("pods");
  if (pods == data.end()) {
    obs.AddReadyPods(obs.current_replicas);
    for (const hpa::Pod& p : obs.pods) names.push_back(p.name);
  } else {
    if (!pods->is_array()) return bad("pods", "expected a list");
    for (size_t i = 0; i < pods->size(); ++i) {
      const OrderedJson& p = (*pods)[i];
      const std::string field = absl::StrCat("pods[", i, "]");
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) {
        return bad(field, "expected {\"name\": ..., \"phase\"?: ..., \"ready\"?: ...}");
      }
      for (auto it = p.begin(); it != p.end(); ++it) {
        if (it.key() != "name" && it.key() != "phase" && it.key() != "ready") {
          return bad(field + "." + it.key(), "unknown field");
        }
      }
      hpa::Pod pod = hpa::Pod::Ready(p["name"].get<std::string>());
      if (auto ph = p.find("phase"); ph != p.end()) {
        if (!ph->is_string() || !PhaseFromName(ph->get<std::string>(), &pod.phase)) {
          return bad(field + ".phase", absl::StrCat("expected one of Pending, Running, "
                                                    "Succeeded, Failed, Unknown, got ",
                                                    ph->dump()));
        }
      }
      if (auto rd = p.find("ready"); rd != p.end()) {
        if (!rd->is_boolean()) return bad(field + ".ready", "expected true or false");
        if (pod.ready.has_value()) {
          pod.ready->status =
              rd->get<bool>() ? hpa::ConditionStatus::kTrue : hpa::ConditionStatus::kFalse;
        }
      }
      names.push_back(pod.name);
      obs.pods.push_back(std::move(pod));
    }
  }
  auto ms = data.find("metrics");
  if (ms == data.end()) return out;
  if (!ms->is_object()) {
    return bad("metrics", "expected an object {metric name: value or {pod: value}}");
  }
  for (auto it = ms->begin(); it != ms->end(); ++it) {
    const std::string& name = it.key();
    const std::string field = "metrics." + name;
    const hpa::MetricSpec* spec = nullptr;
    for (const hpa::MetricSpec& m : metrics) {
      if (m.name == name) spec = &m;
    }
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const hpa::MetricSpec& m : metrics) known.push_back(m.name);
      return bad(field, absl::StrCat("not a metric of the spec (its metrics: ",
                                     absl::StrJoin(known, ", "), ")"));
    }
    MetricObservation& mo = obs.AddMetric(name);
    const OrderedJson& v = it.value();
    if (v.is_object()) {
      for (auto pv = v.begin(); pv != v.end(); ++pv) {
        if (!IsNumber(pv.value())) {
          return bad(field + "." + pv.key(), "expected a number");
        }
        mo.AddPodValue(pv.key(), pv.value().get<double>(), out.time);
      }
    } else if (IsNumber(v)) {
      const double x = v.get<double>();
      if (spec->type == hpa::MetricSourceType::kObject) {
        mo.SetObjectValue(x);
      } else if (spec->type == hpa::MetricSourceType::kExternal) {
        mo.AddExternalValue(x);
      } else {
        for (const std::string& pod : names) mo.AddPodValue(pod, x, out.time);
      }
    } else {
      return bad(field, "expected a number or {pod: number}");
    }
  }
  return out;
}

}  // namespace agentscale
