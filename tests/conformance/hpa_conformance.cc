// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// hpa_conformance FILE: runs Kubernetes' HPA unit-test vectors (schema in
// docs/hpa-compatibility.md) through agentscale's public API and reports
//   <one line per failing vector>
//   N passed, M failed
//   uncertain: K passed, L failed
// Exit status 1 if a vector that is not flagged uncertain fails.
//
// This file only translates JSON fixtures into the library's types; every
// rule is the library's.

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/normalize.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/hpa/replica_calculator.h"
#include "agentscale/hpa/spec.h"
#include "nlohmann/json.hpp"

namespace {

using nlohmann::json;
namespace hpa = agentscale::hpa;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 1, 1, 0, 0, 0),
                                        absl::UTCTimeZone());

// Thrown inside this harness only, for fixtures it cannot read.
struct FixtureError {
  std::string what;
};

int64_t Int(const json& v) {
  if (v.is_string()) return std::stoll(v.get<std::string>());
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return static_cast<int64_t>(v.get<double>());
  throw FixtureError{"expected an integer, got " + v.dump()};
}

absl::Time TimeOf(const json& v) {
  if (v.is_string() && v.get<std::string>() == "zero") return hpa::GoZeroTime();
  if (v.is_number()) {
    return kNow + absl::Milliseconds(std::llround(v.get<double>() * 1000.0));
  }
  throw FixtureError{"expected a time, got " + v.dump()};
}

std::optional<absl::Time> OptTime(const json& v) {
  if (v.is_null()) return std::nullopt;
  return TimeOf(v);
}

hpa::ResourceList Resources(const json& v) {
  hpa::ResourceList r;
  if (v.is_null()) return r;
  if (v.contains("cpu")) r.cpu_milli = Int(v["cpu"]);
  if (v.contains("memory")) r.memory_milli = Int(v["memory"]);
  return r;
}

hpa::PodPhase Phase(const std::string& s) {
  if (s == "Pending") return hpa::PodPhase::kPending;
  if (s == "Running") return hpa::PodPhase::kRunning;
  if (s == "Succeeded") return hpa::PodPhase::kSucceeded;
  if (s == "Failed") return hpa::PodPhase::kFailed;
  return hpa::PodPhase::kUnknown;
}

std::vector<hpa::Pod> Pods(const json& arr) {
  std::vector<hpa::Pod> pods;
  if (arr.is_null()) return pods;
  for (const json& p : arr) {
    hpa::Pod pod;
    pod.name = p.at("name").get<std::string>();
    pod.phase = Phase(p.value("phase", "Running"));
    pod.deleted = p.value("deleted", false);
    pod.start_time = p.contains("start_time") ? OptTime(p["start_time"])
                                              : std::nullopt;
    if (p.contains("ready_condition") && !p["ready_condition"].is_null()) {
      const json& rc = p["ready_condition"];
      hpa::ReadyCondition c;
      const std::string st = rc.at("status").get<std::string>();
      c.status = st == "True"    ? hpa::ConditionStatus::kTrue
                 : st == "False" ? hpa::ConditionStatus::kFalse
                                 : hpa::ConditionStatus::kUnknown;
      c.last_transition_time = TimeOf(rc.at("last_transition"));
      pod.ready = c;
    }
    for (const json& c : p.value("containers", json::array())) {
      pod.containers.push_back(
          hpa::Container{c.at("name").get<std::string>(),
                         Resources(c.value("requests", json())), false});
    }
    for (const json& c : p.value("init_containers", json::array())) {
      pod.init_containers.push_back(hpa::Container{
          c.at("name").get<std::string>(), Resources(c.value("requests", json())),
          c.value("restart_policy", "") == "Always"});
    }
    if (p.contains("pod_requests") && !p["pod_requests"].is_null()) {
      pod.pod_requests = Resources(p["pod_requests"]);
    }
    if (p.contains("labels") && p["labels"].is_object()) {
      for (auto it = p["labels"].begin(); it != p["labels"].end(); ++it) {
        pod.labels.emplace_back(it.key(), it.value().get<std::string>());
      }
    }
    pods.push_back(std::move(pod));
  }
  return pods;
}

std::vector<hpa::PodSample> PodSamples(const json& arr) {
  std::vector<hpa::PodSample> out;
  if (arr.is_null()) return out;
  for (const json& s : arr) {
    hpa::PodSample ps;
    ps.pod = s.at("pod").get<std::string>();
    ps.value_milli = Int(s.at("value_milli"));
    ps.timestamp = TimeOf(s.at("timestamp"));
    ps.window = absl::Seconds(s.value("window_s", 60));
    out.push_back(std::move(ps));
  }
  return out;
}

std::vector<hpa::PodResourceSample> ResourceSamples(const json& arr) {
  std::vector<hpa::PodResourceSample> out;
  if (arr.is_null()) return out;
  for (const json& s : arr) {
    hpa::PodResourceSample rs;
    rs.pod = s.at("pod").get<std::string>();
    rs.timestamp = TimeOf(s.at("timestamp"));
    rs.window = absl::Seconds(s.value("window_s", 60));
    for (const json& c : s.value("containers", json::array())) {
      rs.containers.push_back(hpa::ContainerUsage{
          c.value("name", ""), Resources(c.value("usage", json()))});
    }
    out.push_back(std::move(rs));
  }
  return out;
}

hpa::Tolerances Tol(const json& v) {
  return hpa::Tolerances{v.at("scale_down").get<double>(),
                         v.at("scale_up").get<double>()};
}

hpa::ReadinessConfig Readiness(const json& v) {
  hpa::ReadinessConfig r;
  r.cpu_initialization_period =
      absl::Seconds(v.value("cpu_initialization_period_s", 300));
  r.initial_readiness_delay =
      absl::Seconds(v.value("initial_readiness_delay_s", 30));
  return r;
}

std::optional<hpa::ResourceName> ResourceOf(const std::string& s) {
  if (s == "cpu") return hpa::ResourceName::kCpu;
  if (s == "memory") return hpa::ResourceName::kMemory;
  return std::nullopt;
}

hpa::ScalingRules Rules(const json& v) {
  hpa::ScalingRules r;
  if (v.is_null()) return r;
  if (v.contains("stabilizationWindowSeconds") &&
      !v["stabilizationWindowSeconds"].is_null()) {
    r.stabilization_window = absl::Seconds(Int(v["stabilizationWindowSeconds"]));
  }
  const std::string sp = v.value("selectPolicy", "Max");
  r.select_policy = sp == "Min"        ? hpa::SelectPolicy::kMin
                    : sp == "Disabled" ? hpa::SelectPolicy::kDisabled
                                       : hpa::SelectPolicy::kMax;
  for (const json& p : v.value("policies", json::array())) {
    hpa::ScalingPolicy pol;
    pol.type = p.at("type").get<std::string>() == "Pods" ? hpa::PolicyType::kPods
                                                         : hpa::PolicyType::kPercent;
    pol.value = static_cast<int32_t>(Int(p.at("value")));
    pol.period = absl::Seconds(Int(p.at("periodSeconds")));
    r.policies.push_back(pol);
  }
  if (v.contains("tolerance") && !v["tolerance"].is_null()) {
    r.tolerance = v["tolerance"].get<double>();
  }
  return r;
}

std::vector<hpa::ScaleEvent> Events(const json& arr) {
  std::vector<hpa::ScaleEvent> out;
  if (arr.is_null()) return out;
  for (const json& e : arr) {
    out.push_back(hpa::ScaleEvent{static_cast<int32_t>(Int(e.at("replica_change"))),
                                  TimeOf(e.at("timestamp")),
                                  e.value("outdated", false)});
  }
  return out;
}

std::vector<hpa::Recommendation> Recs(const json& arr) {
  std::vector<hpa::Recommendation> out;
  for (const json& r : arr) {
    out.push_back(hpa::Recommendation{static_cast<int32_t>(Int(r.at("replicas"))),
                                      TimeOf(r.at("timestamp"))});
  }
  return out;
}

hpa::MetricTarget Target(const json& t) {
  hpa::MetricTarget target;
  if (t.is_null()) return target;
  const std::string type = t.value("type", "");
  target.type = type == "Utilization" ? hpa::MetricTargetType::kUtilization
                : type == "Value"     ? hpa::MetricTargetType::kValue
                                      : hpa::MetricTargetType::kAverageValue;
  if (t.contains("averageUtilization") && !t["averageUtilization"].is_null()) {
    target.average_utilization = static_cast<int32_t>(Int(t["averageUtilization"]));
  }
  if (t.contains("valueMilli") && !t["valueMilli"].is_null()) {
    target.value_milli = Int(t["valueMilli"]);
  }
  if (t.contains("averageValueMilli") && !t["averageValueMilli"].is_null()) {
    target.average_value_milli = Int(t["averageValueMilli"]);
  }
  return target;
}

hpa::LabelSelector LabelSel(const json& v) {
  hpa::LabelSelector s;
  if (v.is_null()) return s;
  const json& ml = v.contains("matchLabels") ? v["matchLabels"] : v;
  if (ml.is_object()) {
    for (auto it = ml.begin(); it != ml.end(); ++it) {
      if (it.value().is_string()) s.match_labels[it.key()] = it.value();
    }
  }
  return s;
}

hpa::MetricSpec Metric(const json& m) {
  hpa::MetricSpec spec;
  const std::string type = m.at("type").get<std::string>();
  if (type == "Resource") {
    spec.type = hpa::MetricSourceType::kResource;
    spec.name = m["resource"].at("name").get<std::string>();
    spec.target = Target(m["resource"].value("target", json()));
  } else if (type == "ContainerResource") {
    spec.type = hpa::MetricSourceType::kContainerResource;
    spec.name = m["containerResource"].at("name").get<std::string>();
    spec.container = m["containerResource"].value("container", "");
    spec.target = Target(m["containerResource"].value("target", json()));
  } else if (type == "Pods") {
    spec.type = hpa::MetricSourceType::kPods;
    spec.name = m["pods"]["metric"].at("name").get<std::string>();
    spec.target = Target(m["pods"].value("target", json()));
  } else if (type == "Object") {
    spec.type = hpa::MetricSourceType::kObject;
    const json& o = m["object"];
    spec.name = o["metric"].at("name").get<std::string>();
    spec.described_object.api_version = o["describedObject"].value("apiVersion", "");
    spec.described_object.kind = o["describedObject"].value("kind", "");
    spec.described_object.name = o["describedObject"].value("name", "");
    spec.target = Target(o.value("target", json()));
  } else if (type == "External") {
    spec.type = hpa::MetricSourceType::kExternal;
    spec.name = m["external"]["metric"].at("name").get<std::string>();
    spec.selector = LabelSel(m["external"]["metric"].value("selector", json()));
    spec.target = Target(m["external"].value("target", json()));
  } else {
    spec.type = hpa::MetricSourceType::kUnknown;
    spec.name = type;
  }
  return spec;
}

// ---------------------------------------------------------------------------

struct Failure {
  std::vector<std::string> lines;
  void Check(bool ok, const std::string& field, const std::string& expected,
             const std::string& actual) {
    if (!ok) {
      lines.push_back(absl::StrCat(field, ": expected ", expected, ", got ", actual));
    }
  }
  void Eq(const std::string& field, const json& expected, const json& actual) {
    Check(expected == actual, field, expected.dump(), actual.dump());
  }
};

json Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return json(v);
}

void RunReplicaCalc(const json& in, const json& exp, Failure* f) {
  const std::string fn = in.at("function").get<std::string>();
  const hpa::Tolerances tol =
      in.contains("tolerances") ? Tol(in["tolerances"]) : hpa::Tolerances{};
  const hpa::ReadinessConfig rc =
      Readiness(in.contains("config") ? in["config"] : json::object());
  hpa::ReplicaCalculator calc(rc);
  std::vector<hpa::Pod> pods = Pods(in.value("pods", json::array()));

  if (fn == "GetResourceReplicas") {
    std::optional<hpa::ResourceName> res = ResourceOf(in.at("resource"));
    const std::string container = in.value("container", "");
    std::vector<hpa::PodSample> samples;
    hpa::SumResourceSamples(*res, container,
                            ResourceSamples(in.value("resource_metrics", json())),
                            &samples);
    const absl::Status fetched = hpa::CheckResourceMetricsReturned(
        *res, in.value("resource_metrics", json::array()).size());
    absl::StatusOr<hpa::ResourceReplicas> r = absl::UnknownError("not computed");
    if (!fetched.ok()) {
      r = fetched;
    } else {
      r = calc.ResourceUtilization(static_cast<int32_t>(Int(in["current_replicas"])),
                                   static_cast<int32_t>(Int(in["target_utilization"])),
                                   *res, container, tol, pods, samples, kNow);
    }
    if (exp.contains("error_contains")) {
      const std::string want = exp["error_contains"];
      f->Check(!r.ok() && std::string(r.status().message()).find(want) != std::string::npos,
               "error", "containing \"" + want + "\"",
               r.ok() ? absl::StrCat("replicas ", r->replicas)
                      : std::string(r.status().message()));
      return;
    }
    if (!r.ok()) {
      f->lines.push_back(absl::StrCat("unexpected error: ", r.status().message()));
      return;
    }
    if (exp.contains("replicas")) f->Eq("replicas", exp["replicas"], r->replicas);
    if (exp.contains("utilization")) f->Eq("utilization", exp["utilization"], r->utilization);
    if (exp.contains("raw_average_value_milli")) {
      f->Eq("raw_average_value_milli", json(Int(exp["raw_average_value_milli"])),
            r->raw_average_milli);
    }
    return;
  }

  auto check_metric = [&](const absl::StatusOr<hpa::MetricReplicas>& r) {
    if (!r.ok()) {
      if (exp.contains("error_contains")) {
        const std::string want = exp["error_contains"];
        f->Check(std::string(r.status().message()).find(want) != std::string::npos,
                 "error", want, std::string(r.status().message()));
      } else {
        f->lines.push_back(absl::StrCat("unexpected error: ", r.status().message()));
      }
      return;
    }
    if (exp.contains("error_contains")) {
      f->lines.push_back("expected an error, got none");
      return;
    }
    if (exp.contains("replicas")) f->Eq("replicas", exp["replicas"], r->replicas);
    if (exp.contains("usage_milli")) {
      f->Eq("usage_milli", json(Int(exp["usage_milli"])), r->usage_milli);
    }
  };

  if (fn == "GetMetricReplicas") {
    std::vector<hpa::PodSample> samples = PodSamples(in.value("pods_metrics", json()));
    const absl::Status fetched = hpa::CheckCustomMetricsReturned("qps", samples.size());
    absl::StatusOr<hpa::MetricReplicas> r = absl::UnknownError("not computed");
    if (!fetched.ok()) {
      r = fetched;
    } else {
      r = calc.AverageValue(static_cast<int32_t>(Int(in["current_replicas"])),
                            Int(in["target_average_value_milli"]), std::nullopt,
                            tol, pods, samples, kNow);
    }
    check_metric(r);
  } else if (fn == "GetObjectMetricReplicas") {
    check_metric(hpa::ReplicaCalculator::ObjectValue(
        static_cast<int32_t>(Int(in["current_replicas"])), Int(in["target_value_milli"]),
        Int(in["object_metric"]["value_milli"]), tol, pods));
  } else if (fn == "GetObjectPerPodMetricReplicas") {
    check_metric(hpa::ReplicaCalculator::ObjectAverageValue(
        static_cast<int32_t>(Int(in["current_replicas"])),
        Int(in["target_average_value_milli"]), Int(in["object_metric"]["value_milli"]),
        tol));
  } else if (fn == "GetExternalMetricReplicas" ||
             fn == "GetExternalPerPodMetricReplicas") {
    std::vector<int64_t> values;
    for (const json& v : in.value("external_metrics", json::array())) values.push_back(Int(v));
    if (fn == "GetExternalMetricReplicas") {
      check_metric(hpa::ReplicaCalculator::ExternalValue(
          static_cast<int32_t>(Int(in["current_replicas"])), Int(in["target_value_milli"]),
          values, tol, pods));
    } else {
      check_metric(hpa::ReplicaCalculator::ExternalAverageValue(
          static_cast<int32_t>(Int(in["current_replicas"])),
          Int(in["target_average_value_milli"]), values, tol));
    }
  } else if (fn == "groupPods") {
    std::vector<hpa::PodGroup> groups;
    int ready = 0;
    absl::Status st = calc.GroupPods(pods, PodSamples(in.value("pod_metrics", json())),
                                     ResourceOf(in.value("resource", "")), kNow,
                                     &groups, &ready);
    if (!st.ok()) {
      f->lines.push_back(absl::StrCat("unexpected error: ", st.message()));
      return;
    }
    std::vector<std::string> unready, missing, ignored;
    for (size_t i = 0; i < pods.size(); ++i) {
      if (groups[i] == hpa::PodGroup::kUnready) unready.push_back(pods[i].name);
      if (groups[i] == hpa::PodGroup::kMissing) missing.push_back(pods[i].name);
      if (groups[i] == hpa::PodGroup::kIgnored) ignored.push_back(pods[i].name);
    }
    f->Eq("ready_pod_count", exp["ready_pod_count"], ready);
    f->Eq("unready_pods", Sorted(exp["unready_pods"]), Sorted(unready));
    f->Eq("missing_pods", Sorted(exp["missing_pods"]), Sorted(missing));
    f->Eq("ignored_pods", Sorted(exp["ignored_pods"]), Sorted(ignored));
  } else if (fn == "getPerPodUsage") {
    f->Eq("usage_milli", json(Int(exp["usage_milli"])),
          hpa::PerPodUsage(Int(in["usage_milli"]),
                           static_cast<int32_t>(Int(in["status_replicas"]))));
  } else if (fn == "calculateRequests") {
    std::vector<int64_t> req;
    const bool gate = in.value("feature_gates", json::object()).value("PodLevelResources", false);
    absl::Status st = hpa::ReplicaCalculator::CalculateRequests(
        pods, *ResourceOf(in.at("resource")), in.value("container", ""), gate, &req);
    if (exp.contains("error")) {
      f->Eq("error", exp["error"], st.ok() ? std::string("<none>") : std::string(st.message()));
      return;
    }
    if (!st.ok()) {
      f->lines.push_back(absl::StrCat("unexpected error: ", st.message()));
      return;
    }
    json got = json::object();
    for (size_t i = 0; i < pods.size(); ++i) got[pods[i].name] = req[i];
    f->Eq("requests", exp["requests"], got);
  } else {
    throw FixtureError{"unknown replica_calc function " + fn};
  }
}

void RunReconcile(const json& in, const json& exp, Failure* f) {
  const json& cfg = in.at("config");
  hpa::ControllerConfig config;
  config.tolerance = cfg.value("tolerance", 0.1);
  config.downscale_stabilization_window =
      absl::Seconds(cfg.value("downscale_stabilization_window_s", 300));
  config.cpu_initialization_period =
      absl::Seconds(cfg.value("cpu_initialization_period_s", 300));
  config.initial_readiness_delay =
      absl::Seconds(cfg.value("initial_readiness_delay_s", 30));
  config.scale_up_limit_factor = cfg.value("scale_up_limit_factor", 2.0);
  config.scale_up_limit_minimum = cfg.value("scale_up_limit_minimum", 4.0);
  const json gates = in.value("feature_gates", json::object());
  config.scale_to_zero = gates.value("HPAScaleToZero", false);
  config.configurable_tolerance = gates.value("HPAConfigurableTolerance", true);
  config.pod_level_resources = gates.value("PodLevelResources", true);

  const json& h = in.at("hpa");
  hpa::AutoscalerSpec spec;
  spec.name = h.value("name", "test-hpa");
  spec.namespace_name = h.value("namespace", "test-namespace");
  spec.min_replicas = static_cast<int32_t>(Int(h.at("min_replicas")));
  spec.max_replicas = static_cast<int32_t>(Int(h.at("max_replicas")));
  for (const json& m : h.at("metrics")) spec.metrics.push_back(Metric(m));
  if (!h.at("behavior").is_null()) {
    spec.behavior = hpa::Behavior{Rules(h["behavior"].value("scaleUp", json())),
                                  Rules(h["behavior"].value("scaleDown", json()))};
  }
  absl::StatusOr<agentscale::HorizontalAutoscaler> engine =
      agentscale::HorizontalAutoscaler::CreateUnvalidated(spec, config);
  if (!engine.ok()) {
    f->lines.push_back(absl::StrCat("cannot create engine: ", engine.status().message()));
    return;
  }

  agentscale::AutoscalerState state;
  const json& cs = in.at("controller_state");
  if (!cs.at("recommendations").is_null()) state.recommendations = Recs(cs["recommendations"]);
  state.scale_up_events = Events(cs.value("scale_up_events", json()));
  state.scale_down_events = Events(cs.value("scale_down_events", json()));
  const json& status = h.at("status");
  state.desired_replicas = static_cast<int32_t>(Int(status.at("desired_replicas")));
  for (const json& c : status.value("conditions", json::array())) {
    hpa::Condition cond;
    cond.type = *hpa::ParseConditionType(c.at("type").get<std::string>());
    cond.status = c.at("status").get<std::string>() == "True";
    cond.reason = hpa::ParseReason(c.at("reason").get<std::string>()).value_or(hpa::Reason::kNone);
    state.conditions.push_back(cond);
  }
  absl::Status st = engine->ImportState(state);
  if (!st.ok()) {
    f->lines.push_back(absl::StrCat("cannot import state: ", st.message()));
    return;
  }

  const json faults = in.value("faults", json::object());
  agentscale::Observation obs;
  obs.current_replicas = static_cast<int32_t>(Int(in.at("scale").at("spec_replicas")));
  obs.status_replicas = static_cast<int32_t>(Int(in.at("scale").at("status_replicas")));
  if (faults.value("get_scale_error", false)) {
    obs.scale_error = absl::UnavailableError("fake error getting scale");
  }
  obs.pods = Pods(in.value("pods", json::array()));
  agentscale::SelectorCheck sel;
  sel.target_selector = in.at("scale").value("selector", "");
  for (const json& o : in.value("other_hpas", json::array())) {
    sel.other_autoscalers.push_back({o.value("name", ""), LabelSel(o.value("selector", json()))});
  }
  obs.selector = sel;

  const bool api_error = faults.value("metrics_api_error", false);
  for (const hpa::MetricSpec& m : spec.metrics) {
    agentscale::MetricObservation& mo = obs.AddMetric(m.name);
    if (api_error) {
      mo.error = absl::UnavailableError("fake metrics API error");
      continue;
    }
    switch (m.type) {
      case hpa::MetricSourceType::kResource:
      case hpa::MetricSourceType::kContainerResource:
        mo.resource_samples = ResourceSamples(in.value("resource_metrics", json()));
        break;
      case hpa::MetricSourceType::kPods:
        mo.pod_samples = PodSamples(in.value("pods_metrics", json()));
        break;
      case hpa::MetricSourceType::kObject:
        if (in.contains("object_metric") && !in["object_metric"].is_null()) {
          mo.object_value_milli = Int(in["object_metric"]["value_milli"]);
        }
        break;
      case hpa::MetricSourceType::kExternal:
        if (faults.value("external_metrics_error", false)) {
          mo.error = absl::UnavailableError("fake external metrics API error");
          break;
        }
        for (const json& v : in.value("external_metrics", json::array())) {
          mo.external_values_milli.push_back(Int(v));
        }
        break;
      case hpa::MetricSourceType::kUnknown:
        break;
    }
  }

  absl::StatusOr<agentscale::Decision> d = engine->Evaluate(kNow, obs);
  if (!d.ok()) {
    f->lines.push_back(absl::StrCat("Evaluate failed: ", d.status().message()));
    return;
  }
  bool scale_updated = false;
  if (d->rescale) {
    if (faults.value("update_scale_error", false)) {
      st = engine->CommitFailed(*d, absl::UnavailableError("fake error updating scale"));
    } else {
      st = engine->Commit(*d);
      scale_updated = st.ok();
    }
    if (!st.ok()) f->lines.push_back(absl::StrCat("commit failed: ", st.message()));
  }
  f->Eq("desired_replicas", exp.at("desired_replicas"), d->status_desired_replicas);
  if (exp.contains("scale_updated")) f->Eq("scale_updated", exp["scale_updated"], scale_updated);
  if (exp.contains("conditions")) {
    json got = json::array();
    for (const hpa::Condition& c : d->conditions) {
      got.push_back({{"type", c.TypeName()},
                     {"status", c.status ? "True" : "False"},
                     {"reason", c.ReasonName()}});
    }
    f->Eq("conditions", exp["conditions"], got);
  }
  if (exp.contains("cpu_utilization")) {
    json got = nullptr;
    for (const agentscale::MetricResult& m : d->metrics) {
      const hpa::MetricSpec& ms = spec.metrics[m.spec_index];
      if (ms.type == hpa::MetricSourceType::kResource && ms.name == "cpu" &&
          m.utilization.has_value()) {
        got = *m.utilization;
      }
    }
    f->Eq("cpu_utilization", exp["cpu_utilization"], got);
  }
  if (exp.contains("reconcile_error")) {
    f->Eq("reconcile_error", exp["reconcile_error"], !d->error.ok());
  }
}

std::string ReasonStr(hpa::Reason r) { return hpa::ReasonName(r); }

void RunController(const json& in, const json& exp, Failure* f) {
  const std::string fn = in.at("function").get<std::string>();
  if (fn == "reconcileAutoscaler") return RunReconcile(in, exp, f);
  if (fn == "convertDesiredReplicasWithRules") {
    hpa::Limited l = hpa::ConvertWithLegacyRules(
        static_cast<int32_t>(Int(in["current_replicas"])),
        static_cast<int32_t>(Int(in["desired_replicas"])),
        static_cast<int32_t>(Int(in["min_replicas"])),
        static_cast<int32_t>(Int(in["max_replicas"])),
        in["scale_up_limit_factor"].get<double>(), in["scale_up_limit_minimum"].get<double>());
    f->Eq("replicas", exp["replicas"], l.replicas);
    f->Eq("reason", exp["reason"], ReasonStr(l.reason));
  } else if (fn == "convertDesiredReplicasWithBehaviorRate") {
    hpa::Limited l = hpa::ConvertWithBehaviorRate(
        kNow, static_cast<int32_t>(Int(in["current_replicas"])),
        static_cast<int32_t>(Int(in["desired_replicas"])),
        static_cast<int32_t>(Int(in["min_replicas"])),
        static_cast<int32_t>(Int(in["max_replicas"])), Rules(in["scale_up_rules"]),
        Rules(in["scale_down_rules"]), Events(in["scale_up_events"]),
        Events(in["scale_down_events"]));
    f->Eq("replicas", exp["replicas"], l.replicas);
    f->Eq("reason", exp["reason"], ReasonStr(l.reason));
  } else if (fn == "calculateScaleUpLimitWithScalingRules") {
    f->Eq("limit", exp["limit"],
          hpa::ScaleUpLimit(kNow, static_cast<int32_t>(Int(in["current_replicas"])),
                            Events(in["scale_up_events"]), Events(in["scale_down_events"]),
                            Rules(in["rules"])));
  } else if (fn == "calculateScaleDownLimitWithBehaviors") {
    f->Eq("limit", exp["limit"],
          hpa::ScaleDownLimit(kNow, static_cast<int32_t>(Int(in["current_replicas"])),
                              Events(in["scale_up_events"]), Events(in["scale_down_events"]),
                              Rules(in["rules"])));
  } else if (fn == "stabilizeRecommendation") {
    std::vector<hpa::Recommendation> history = Recs(in["recommendations"]);
    const int32_t s = hpa::StabilizeLegacy(
        kNow, absl::Seconds(Int(in["downscale_stabilization_window_s"])),
        static_cast<int32_t>(Int(in["prenormalized_desired_replicas"])), &history);
    f->Eq("stabilized_replicas", exp["stabilized_replicas"], s);
    f->Eq("recommendations_length_after", exp["recommendations_length_after"],
          history.size());
  } else if (fn == "stabilizeRecommendationWithBehaviors") {
    std::vector<hpa::Recommendation> history = Recs(in["recommendations"]);
    const int32_t s = hpa::StabilizeWithBehavior(
        kNow, absl::Seconds(Int(in["scale_up_stabilization_window_s"])),
        absl::Seconds(Int(in["scale_down_stabilization_window_s"])),
        static_cast<int32_t>(Int(in["current_replicas"])),
        static_cast<int32_t>(Int(in["desired_replicas"])), &history);
    f->Eq("replicas", exp["replicas"], s);
    if (exp.contains("recommendations_after")) {
      json got = json::array();
      for (const hpa::Recommendation& r : history) got.push_back(r.replicas);
      f->Eq("recommendations_after", exp["recommendations_after"], got);
    }
  } else if (fn == "storeScaleEvent") {
    const int32_t prev = static_cast<int32_t>(Int(in["prev_replicas"]));
    const int32_t change = static_cast<int32_t>(Int(in["replica_change"]));
    for (int up = 0; up < 2; ++up) {
      const std::string dir = up ? "scale-up " : "scale-down ";
      std::vector<hpa::ScaleEvent> events = Events(in["prev_events"]);
      f->Eq(dir + "replicas_change_in_last_60s_before_store",
            exp["replicas_change_in_last_60s_before_store"],
            hpa::ReplicasChangeInPeriod(kNow, absl::Seconds(60), events));
      // With no behavior the controller records no event at all.
      if (!in["rules"].is_null()) {
        hpa::StoreScaleEvent(kNow, Rules(in["rules"]), prev,
                             up ? prev + change : prev - change, &events);
      }
      json got = json::array();
      for (const hpa::ScaleEvent& e : events) {
        got.push_back({{"replica_change", e.replica_change}, {"outdated", e.outdated}});
      }
      f->Eq(dir + "events_after", exp["events_after"], got);
    }
  } else {
    throw FixtureError{"unknown controller function " + fn};
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hpa_conformance VECTORS.json\n";
    return 2;
  }
  std::ifstream file(argv[1]);
  if (!file) {
    std::cerr << "hpa_conformance: cannot open " << argv[1] << "\n";
    return 2;
  }
  json doc = json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("vectors")) {
    std::cerr << "hpa_conformance: " << argv[1] << " is not a vectors file\n";
    return 2;
  }
  int passed = 0, failed = 0, u_passed = 0, u_failed = 0;
  for (const json& v : doc["vectors"]) {
    const bool uncertain = v.value("uncertain", false);
    const std::string name =
        absl::StrCat(v.value("source", "?"), " \"", v.value("name", "?"), "\"");
    Failure f;
    try {
      const std::string kind = v.at("kind").get<std::string>();
      if (kind == "replica_calc") {
        RunReplicaCalc(v.at("inputs"), v.at("expected"), &f);
      } else if (kind == "controller") {
        RunController(v.at("inputs"), v.at("expected"), &f);
      } else {
        f.lines.push_back("unknown kind " + kind);
      }
    } catch (const FixtureError& e) {
      f.lines.push_back("cannot read fixture: " + e.what);
    } catch (const std::exception& e) {
      f.lines.push_back(std::string("cannot read fixture: ") + e.what());
    }
    const bool ok = f.lines.empty();
    if (!ok) {
      std::cout << "FAIL " << (uncertain ? "(uncertain) " : "") << name << ": "
                << absl::StrJoin(f.lines, "; ") << "\n";
    }
    if (uncertain) {
      (ok ? u_passed : u_failed)++;
    } else {
      (ok ? passed : failed)++;
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  std::cout << "uncertain: " << u_passed << " passed, " << u_failed << " failed\n";
  return failed > 0 ? 1 : 0;
}
