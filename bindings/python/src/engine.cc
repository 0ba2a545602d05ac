// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: the engine — observations, decisions, state and its JSON,
// HorizontalAutoscaler, and the vectorized evaluate_series().

#include <pybind11/numpy.h>

#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "agentscale/sim/series.h"
#include "agentscale/hpa/state_json.h"
#include "common.h"

namespace agentscale::python {

Conv<std::shared_ptr<const hpa::AutoscalerSpec>>::P
Conv<std::shared_ptr<const hpa::AutoscalerSpec>>::Set(py::handle h) {
  if (h.is_none()) return nullptr;
  return std::make_shared<const hpa::AutoscalerSpec>(Conv<hpa::AutoscalerSpec>::Set(h));
}
py::object Conv<std::shared_ptr<const hpa::AutoscalerSpec>>::Plain(const P& p) {
  return p ? py::object(ToDict(*p)) : py::none();
}

namespace {

// A HorizontalAutoscaler plus the lock that serializes its mutating calls:
// evaluate_series() runs without the GIL, so two Python threads could
// otherwise reach one engine at once. It is a Policy (to Python, a subclass
// of agentscale.Policy): each call takes the lock.
struct PyAutoscaler final : public Policy {
  explicit PyAutoscaler(HorizontalAutoscaler h) : hpa(std::move(h)) {}
  PyAutoscaler(const PyAutoscaler& o) : Policy(), hpa(o.hpa) {}
  HorizontalAutoscaler hpa;
  mutable std::mutex mu;

  std::string family() const override { return hpa.family(); }
  int32_t min_replicas() const override { return hpa.min_replicas(); }
  int32_t max_replicas() const override { return hpa.max_replicas(); }
  const std::vector<hpa::MetricSpec>& metrics() const override { return hpa.metrics(); }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    std::lock_guard<std::mutex> l(mu);
    return hpa.Evaluate(now, obs, out);
  }
  absl::Status Commit(Decision& d) override {
    std::lock_guard<std::mutex> l(mu);
    return hpa.Commit(d);
  }
  absl::Status CommitFailed(Decision& d, const absl::Status& error) override {
    std::lock_guard<std::mutex> l(mu);
    return hpa.CommitFailed(d, error);
  }
  PolicyState ExportPolicyState() const override {
    std::lock_guard<std::mutex> l(mu);
    return hpa.ExportPolicyState();
  }
  absl::Status ImportPolicyState(const PolicyState& state) override {
    std::lock_guard<std::mutex> l(mu);
    return hpa.ImportPolicyState(state);
  }
  std::unique_ptr<Policy> Clone() const override {
    std::lock_guard<std::mutex> l(mu);
    return std::make_unique<PyAutoscaler>(*this);
  }
  // The spec and the configuration do not change: no lock needed.
  std::optional<absl::Duration> sync_period() const override { return hpa.sync_period(); }
};

// Locks `a`; waits without holding the GIL if another thread has it.
std::unique_lock<std::mutex> Lock(PyAutoscaler& a) {
  std::unique_lock<std::mutex> l(a.mu, std::try_to_lock);
  if (!l.owns_lock()) {
    py::gil_scoped_release release;
    l.lock();
  }
  return l;
}

// The result of evaluate_series(): one row per time step (the columns of
// agentscale::SeriesResult, moved into numpy arrays).
struct PySeriesResult {
  py::array times;
  py::array current_replicas;
  py::array desired_replicas;
  py::array rescale;
  py::array status_desired_replicas;
  py::array metric_replicas;
  py::array stabilized_replicas;
  py::array winning_metric;
  py::array path;
  py::array limit_reason;
  py::array able_to_scale_reason;
  py::array scaling_active_reason;
  py::array has_error;
  py::array metric_value_milli;
  py::array metric_proposals;
  py::array metric_valid;
  std::vector<std::string> metric_names;
};

// A numpy array owning `v`'s buffer (moved, not copied).
template <typename T>
py::array ToArray(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, heap->data(), owner);
}

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Int32Array = py::array_t<int32_t, py::array::c_style | py::array::forcecast>;

// evaluate_series(): checks the arrays' shapes, points a SeriesInput at their
// buffers and runs agentscale::EvaluateSeries() (sim/series.h) without
// the GIL.
PySeriesResult EvaluateSeries(Policy& policy, std::mutex* mu, py::handle times_in,
                              py::handle per_pod, py::handle fleet_totals,
                              py::handle replicas_in, std::optional<int32_t> initial_replicas,
                              bool commit, const std::string& pod_prefix,
                              double window_seconds) {
  auto times = DoubleArray::ensure(times_in);
  if (!times || times.ndim() != 1) throw py::value_error("times must be a 1-D array of float seconds");
  const py::ssize_t T = times.shape(0);

  // The arrays (C-contiguous float64 copies where the input was not) stay
  // alive here while C++ reads them through the spans.
  std::vector<DoubleArray> arrays;
  SeriesInput in;
  auto add_inputs = [&](py::handle mapping, bool total) {
    if (mapping.is_none()) return;
    if (!py::isinstance<py::dict>(mapping)) {
      throw py::type_error(std::string(total ? "fleet_totals" : "per_pod") +
                           " must be a dict of metric name -> array");
    }
    for (auto item : py::reinterpret_borrow<py::dict>(mapping)) {
      SeriesMetric m;
      m.name = item.first.cast<std::string>();
      auto data = DoubleArray::ensure(item.second);
      if (!data) throw py::type_error("metric '" + m.name + "': not a numeric array");
      if (data.ndim() == 2 && !total) {
        m.layout = SeriesLayout::kPerPod;
        m.columns = static_cast<int32_t>(data.shape(1));
      } else if (data.ndim() == 1) {
        m.layout = total ? SeriesLayout::kFleetTotal : SeriesLayout::kEveryPod;
      } else {
        throw py::value_error("metric '" + m.name + "': expected shape (T,)" +
                              std::string(total ? "" : " or (T, pods)"));
      }
      // EvaluateSeries() checks these too; here they keep their Python
      // messages (and a (rows, 0) array has no values to count rows by).
      if (data.shape(0) != T) {
        throw py::value_error("metric '" + m.name + "': " + std::to_string(data.shape(0)) +
                              " rows, but times has " + std::to_string(T));
      }
      for (const SeriesMetric& other : in.metrics) {
        if (other.name == m.name) throw py::value_error("metric '" + m.name + "' given twice");
      }
      m.values = absl::MakeConstSpan(data.data(), static_cast<size_t>(data.size()));
      arrays.push_back(std::move(data));
      in.metrics.push_back(std::move(m));
    }
  };
  add_inputs(per_pod, false);
  add_inputs(fleet_totals, true);

  std::optional<Int32Array> given;
  if (!replicas_in.is_none()) {
    given = Int32Array::ensure(replicas_in);
    if (!*given || given->ndim() != 1 || given->shape(0) != T) {
      throw py::value_error("replicas must be a 1-D integer array as long as times");
    }
    in.replicas = absl::MakeConstSpan(given->data(), static_cast<size_t>(T));
  }
  in.unix_seconds = absl::MakeConstSpan(times.data(), static_cast<size_t>(T));
  in.initial_replicas = initial_replicas;
  in.commit = commit;
  in.pod_prefix = pod_prefix;
  in.window = absl::Nanoseconds(std::llround(window_seconds * 1e9));

  SeriesResult out;
  absl::Status st;
  {
    py::gil_scoped_release release;
    std::unique_lock<std::mutex> lock;
    if (mu != nullptr) lock = std::unique_lock<std::mutex>(*mu);
    st = agentscale::EvaluateSeries(policy, in, &out);
  }
  if (!st.ok()) {
    RaiseStatus(absl::Status(st.code(), "evaluate_series: " + std::string(st.message())));
  }
  PySeriesResult r;
  const auto TT = static_cast<py::ssize_t>(out.steps());
  const auto MM = static_cast<py::ssize_t>(out.metric_names.size());
  r.times = ToArray(std::move(out.unix_seconds), {TT});
  r.current_replicas = ToArray(std::move(out.current_replicas), {TT});
  r.desired_replicas = ToArray(std::move(out.desired_replicas), {TT});
  r.rescale = ToArray(std::move(out.rescale), {TT}).attr("astype")("bool");
  r.status_desired_replicas = ToArray(std::move(out.status_desired_replicas), {TT});
  r.metric_replicas = ToArray(std::move(out.metric_replicas), {TT});
  r.stabilized_replicas = ToArray(std::move(out.stabilized_replicas), {TT});
  r.winning_metric = ToArray(std::move(out.winning_metric), {TT});
  r.path = ToArray(std::move(out.path), {TT});
  r.limit_reason = ToArray(std::move(out.limit_reason), {TT});
  r.able_to_scale_reason = ToArray(std::move(out.able_to_scale_reason), {TT});
  r.scaling_active_reason = ToArray(std::move(out.scaling_active_reason), {TT});
  r.has_error = ToArray(std::move(out.has_error), {TT}).attr("astype")("bool");
  r.metric_value_milli = ToArray(std::move(out.metric_value_milli), {TT, MM});
  r.metric_proposals = ToArray(std::move(out.metric_proposals), {TT, MM});
  r.metric_valid = ToArray(std::move(out.metric_valid), {TT, MM}).attr("astype")("bool");
  r.metric_names = std::move(out.metric_names);
  return r;
}

py::dict SeriesColumns(const PySeriesResult& r) {
  py::dict d;
  d["time"] = r.times;
  d["current_replicas"] = r.current_replicas;
  d["desired_replicas"] = r.desired_replicas;
  d["rescale"] = r.rescale;
  d["status_desired_replicas"] = r.status_desired_replicas;
  d["metric_replicas"] = r.metric_replicas;
  d["stabilized_replicas"] = r.stabilized_replicas;
  d["winning_metric"] = r.winning_metric;
  d["path"] = r.path;
  d["limit_reason"] = r.limit_reason;
  d["able_to_scale_reason"] = r.able_to_scale_reason;
  d["scaling_active_reason"] = r.scaling_active_reason;
  d["has_error"] = r.has_error;
  for (size_t j = 0; j < r.metric_names.size(); ++j) {
    py::object col = r.metric_value_milli[py::make_tuple(py::slice(py::none(), py::none(), py::none()), j)];
    d[py::str("value:" + r.metric_names[j])] = col.attr("__truediv__")(1000.0);
    d[py::str("proposal:" + r.metric_names[j])] =
        r.metric_proposals[py::make_tuple(py::slice(py::none(), py::none(), py::none()), j)];
  }
  return d;
}

}  // namespace

void BindEngine(py::module_& m) {
  // --- observation.h ----------------------------------------------------------
  ValueClass<MetricObservation> mo(m, "MetricObservation", "The observed values of one metric.");
  mo.field("metric", &MetricObservation::metric,
           "Metric name ('' = the spec metric at this position).")
      .field("error", &MetricObservation::error,
             "Fetch error message (None = fetched); the metric then fails.")
      .field("pod_samples", &MetricObservation::pod_samples, "One PodSample per pod.")
      .field("resource_samples", &MetricObservation::resource_samples,
             "Per-container usage (Resource metrics).")
      .field("object_value_milli", &MetricObservation::object_value_milli,
             "Object metrics: the value, milli-units.")
      .field("external_values_milli", &MetricObservation::external_values_milli,
             "External metrics: every series, milli-units.")
      .finish();
  mo.cls()
      .def(
          "add_pod_value",
          [](MetricObservation& o, const std::string& pod, double value, py::handle timestamp,
             py::handle window_seconds) {
            o.AddPodValue(pod, value, TimeFromPy(timestamp), DurationFromPy(window_seconds));
          },
          py::arg("pod"), py::arg("value"), py::arg("timestamp"), py::arg("window_seconds") = 60.0,
          "Appends a per-pod value in plain units. NaN, infinite or negative "
          "values mark the whole metric invalid (the engine then holds).")
      .def("set_object_value", py::overload_cast<double>(&MetricObservation::SetObjectValue), py::arg("value"),
           "Sets an Object metric value (plain units).")
      .def("add_external_value",
           py::overload_cast<double>(&MetricObservation::AddExternalValue), py::arg("value"),
           "Appends an External series value (plain units).");

  ValueClass<SelectorCheck::OtherAutoscaler>(m, "OtherAutoscaler",
                                             "Another autoscaler in the namespace.")
      .field("name", &SelectorCheck::OtherAutoscaler::name, "Its name.")
      .field("selector", &SelectorCheck::OtherAutoscaler::selector, "Its LabelSelector.")
      .finish();
  ValueClass<SelectorCheck>(m, "SelectorCheck", "The selector checks of spec 5 step 1.")
      .field("target_selector", &SelectorCheck::target_selector,
             "The target scale's status.selector.")
      .field("other_autoscalers", &SelectorCheck::other_autoscalers,
             "Other autoscalers in the namespace.")
      .finish();

  ValueClass<OwnerObject>(m, "OwnerObject",
                          "An object between a pod and the scale target, with its "
                          "ownerReferences.")
      .field("ref", &OwnerObject::ref, "The object itself (ObjectReference).")
      .field("owner_references", &OwnerObject::owner_references,
             "Its metadata.ownerReferences.")
      .finish();
  ValueClass<Observation> obs(m, "Observation", "What the engine is told at one sync.");
  obs.field("current_replicas", &Observation::current_replicas, "scale.spec.replicas.")
      .field("status_replicas", &Observation::status_replicas,
             "scale.status.replicas (None = current_replicas).")
      .field("scale_error", &Observation::scale_error, "Error reading the scale, or None.")
      .field("pods", &Observation::pods, "The pods the selector matches (a copy; see add_pod).")
      .field("metrics", &Observation::metrics,
             "MetricObservations (a copy; use add_metric to build in place).")
      .field("selector", &Observation::selector, "SelectorCheck, or None.")
      .field("owners", &Observation::owners,
             "OwnerObjects the pods' ownerReferences lead to (OwnerReference selection).")
      .field("owners_error", &Observation::owners_error,
             "Error reading the owners (every pod then counts), or None.")
      .finish();
  obs.cls()
      .def(
          "add_metric",
          [](Observation& o, const std::string& metric) -> MetricObservation& {
            return o.AddMetric(metric);
          },
          py::arg("metric"), py::return_value_policy::reference_internal,
          "Appends and returns (by reference) an observation for the named metric.")
      .def(
          "add_pod", [](Observation& o, const hpa::Pod& p) { o.pods.push_back(p); },
          py::arg("pod"), "Appends a pod.")
      .def(
          "add_ready_pods",
          [](Observation& o, int n, const std::string& prefix) { o.AddReadyPods(n, prefix); },
          py::arg("count"), py::arg("prefix") = "agent-",
          "Appends `count` Ready pods named prefix0, prefix1, ...");

  // --- decision.h -------------------------------------------------------------
  ValueClass<MetricResult>(m, "MetricResult", "One metric's result at a sync.")
      .field("spec_index", &MetricResult::spec_index, "Position in spec.metrics.")
      .field("type", &MetricResult::type, "MetricSourceType.")
      .field("valid", &MetricResult::valid, "A proposal was computed.")
      .field("proposal", &MetricResult::proposal, "Replicas this metric asks for.")
      .field("value_milli", &MetricResult::value_milli, "The status value, milli-units.")
      .field("utilization", &MetricResult::utilization, "Utilization percent, or None.")
      .field("failure_reason", &MetricResult::failure_reason, "ScalingActive reason if invalid.")
      .field("error", &MetricResult::error, "Error message if invalid, else None.")
      .field("stale_samples", &MetricResult::stale_samples,
             "Per-pod samples left out as older than max_sample_age_seconds.")
      .field("first_failure", &MetricResult::first_failure,
             "External metric with a fallback, failing: the first failure (seconds), or None.")
      .field("fallback", &MetricResult::fallback,
             "The metric serves its fallback.replicas (HPAExternalMetricFallback).")
      .finish();
  ValueClass<Decision> dec(m, "Decision", "Everything one sync concluded, and why.");
  dec.field("time", &Decision::time, "Seconds since the epoch.")
      .field("path", &Decision::path, "DecisionPath.")
      .field("current_replicas", &Decision::current_replicas, "Replicas at the sync.")
      .field("desired_replicas", &Decision::desired_replicas, "Replicas to run.")
      .field("rescale", &Decision::rescale, "desired_replicas != current_replicas.")
      .field("status_desired_replicas", &Decision::status_desired_replicas,
             "status.desiredReplicas after the sync.")
      .field("metric_replicas", &Decision::metric_replicas, "Max proposal (-1: none).")
      .field("winning_metric", &Decision::winning_metric, "Spec index of the max (-1: none).")
      .field("stabilized_replicas", &Decision::stabilized_replicas, "After stabilization.")
      .field("limit_reason", &Decision::limit_reason, "The ScalingLimited reason.")
      .field("metrics", &Decision::metrics, "MetricResult list.")
      .field("conditions", &Decision::conditions, "Status conditions, Kubernetes order.")
      .field("error", &Decision::error, "The reconcile error message, or None.")
      .field("committed", &Decision::committed, "Set by commit()/commit_failed().")
      .field("fallback", &Decision::fallback,
             "A failed metric was replaced by a fallback (KEDA's, or an HPA External "
             "metric's fallback.replicas).")
      .field("family_note", &Decision::family_note,
             "A policy family's own reasons (KEDA's activation), '' for the HPA.")
      .field("spec", &Decision::spec, "The spec the decision was made for.", false)
      .finish();
  dec.cls()
      .def("explain", &Decision::Explain, "One line for a person.")
      .def("rescale_reason", &Decision::RescaleReason, "Kubernetes' rescale reason.")
      .def(
          "find_condition",
          [](const Decision& d, hpa::ConditionType t) -> std::optional<hpa::Condition> {
            const hpa::Condition* c = d.FindCondition(t);
            if (!c) return std::nullopt;
            return *c;
          },
          py::arg("type"), "The condition of a type, or None.")
      .def("__str__", &Decision::Explain);

  // --- state ------------------------------------------------------------------
  ValueClass<AutoscalerState> st(m, "AutoscalerState",
                                 "The controller's memory for one target (a value).");
  st.field("recommendations", &AutoscalerState::recommendations,
           "Recommendation history (None: none yet).")
      .field("scale_up_events", &AutoscalerState::scale_up_events, "ScaleEvents up.")
      .field("scale_down_events", &AutoscalerState::scale_down_events, "ScaleEvents down.")
      .field("conditions", &AutoscalerState::conditions, "status.conditions.")
      .field("desired_replicas", &AutoscalerState::desired_replicas, "status.desiredReplicas.")
      .field("last_scale_time", &AutoscalerState::last_scale_time, "status.lastScaleTime.")
      .field("last_evaluation", &AutoscalerState::last_evaluation, "Last sync time.")
      .field("first_failure_times", &AutoscalerState::first_failure_times,
             "Per spec metric: the first of an External metric's consecutive failed "
             "reads (seconds) while it fails, else None; [] when no metric has a fallback.")
      .finish({/*json=*/false, /*pickle=*/false});
  st.cls()
      .def(
          "to_json",
          [](const AutoscalerState& s, int indent) { return StateToJson(s, indent); },
          py::kw_only(), py::arg("indent") = 2,
          "The agentscale.state/v1 JSON document (exact to the nanosecond).")
      .def_static(
          "from_json",
          [](py::handle text, const std::string& source) {
            return Unwrap(StateFromJson(std::string(TextArg(text, "text")), source));
          },
          py::arg("text"), py::arg("source") = "state JSON",
          "Reads to_json()'s document (str or UTF-8 bytes); ValueError naming `source` if "
          "malformed, over 16 MiB, or holding times outside the accepted range.")
      .def(py::pickle([](const AutoscalerState& s) { return StateToJson(s, -1); },
                      [](const std::string& json) { return Unwrap(StateFromJson(json)); }));
  m.def(
      "state_to_json", [](const AutoscalerState& s, int indent) { return StateToJson(s, indent); },
      py::arg("state"), py::kw_only(), py::arg("indent") = 2, "AutoscalerState.to_json().");
  m.def(
      "state_from_json",
      [](py::handle text, const std::string& source) {
        return Unwrap(StateFromJson(std::string(TextArg(text, "text")), source));
      },
      py::arg("text"), py::arg("source") = "state JSON",
      "AutoscalerState.from_json(); `text` may be str or UTF-8 bytes (invalid UTF-8 is a "
      "ValueError naming `source`, line and column).");

  // --- series -----------------------------------------------------------------
  py::class_<PySeriesResult>(m, "SeriesResult",
                           "evaluate_series()'s result: numpy arrays, one row per step. "
                           "Reason and path arrays hold the integer values of Reason and "
                           "DecisionPath members.")
      .def_readonly("times", &PySeriesResult::times, "float64 seconds.")
      .def_readonly("current_replicas", &PySeriesResult::current_replicas, "int32.")
      .def_readonly("desired_replicas", &PySeriesResult::desired_replicas, "int32.")
      .def_readonly("rescale", &PySeriesResult::rescale, "bool.")
      .def_readonly("status_desired_replicas", &PySeriesResult::status_desired_replicas, "int32.")
      .def_readonly("metric_replicas", &PySeriesResult::metric_replicas, "int32.")
      .def_readonly("stabilized_replicas", &PySeriesResult::stabilized_replicas, "int32.")
      .def_readonly("winning_metric", &PySeriesResult::winning_metric, "int32 spec index or -1.")
      .def_readonly("path", &PySeriesResult::path, "uint8 DecisionPath values.")
      .def_readonly("limit_reason", &PySeriesResult::limit_reason, "uint8 Reason values.")
      .def_readonly("able_to_scale_reason", &PySeriesResult::able_to_scale_reason,
                    "uint8 Reason values of the AbleToScale condition.")
      .def_readonly("scaling_active_reason", &PySeriesResult::scaling_active_reason,
                    "uint8 Reason values of the ScalingActive condition.")
      .def_readonly("has_error", &PySeriesResult::has_error, "bool: the decision carried an error.")
      .def_readonly("metric_value_milli", &PySeriesResult::metric_value_milli,
                    "int64 (T, metrics): status values in milli-units, spec order.")
      .def_readonly("metric_proposals", &PySeriesResult::metric_proposals,
                    "int32 (T, metrics): per-metric proposals.")
      .def_readonly("metric_valid", &PySeriesResult::metric_valid, "bool (T, metrics).")
      .def_readonly("metric_names", &PySeriesResult::metric_names, "Spec metric names.")
      .def("__len__", [](const PySeriesResult& r) { return r.times.shape(0); })
      .def("to_dict", &SeriesColumns,
           "Columns as a dict of 1-D arrays (per-metric columns 'value:<name>' in "
           "plain units and 'proposal:<name>').")
      .def(
          "to_pandas",
          [](const PySeriesResult& r) {
            return py::module_::import("pandas").attr("DataFrame")(SeriesColumns(r));
          },
          "The columns as a pandas DataFrame (needs pandas).")
      .def("__repr__", [](const PySeriesResult& r) {
        return "SeriesResult(steps=" + std::to_string(r.times.shape(0)) +
               ", metrics=" + std::string(py::repr(py::cast(r.metric_names))) + ")";
      });

  // For bench/python: the same Evaluate() loop as a Python loop over
  // evaluate(now, obs, out=d), run entirely in C++; returns seconds.
  m.def(
      "_bench_evaluate_loop",
      [](PyAutoscaler& a, const Observation& obs, double start, double step, int64_t iterations) {
        auto l = Lock(a);
        Decision d;
        const absl::Time t0 = TimeFromPy(py::float_(start));
        const absl::Duration dt = absl::Nanoseconds(std::llround(step * 1e9));
        const auto begin = absl::Now();
        for (int64_t i = 0; i < iterations; ++i) {
          RaiseIfError(a.hpa.Evaluate(t0 + dt * i, obs, &d));
        }
        return absl::ToDoubleSeconds(absl::Now() - begin);
      },
      py::arg("autoscaler"), py::arg("observation"), py::arg("start"), py::arg("step"),
      py::arg("iterations"));

  // --- autoscaler.h -----------------------------------------------------------
  auto create = [](const hpa::AutoscalerSpec& spec,
                   const std::optional<hpa::ControllerConfig>& config, bool validate) {
    auto h = validate ? HorizontalAutoscaler::Create(spec, config.value_or(hpa::ControllerConfig{}))
                      : HorizontalAutoscaler::CreateUnvalidated(
                            spec, config.value_or(hpa::ControllerConfig{}));
    return std::make_unique<PyAutoscaler>(Unwrap(std::move(h)));
  };
  py::class_<PyAutoscaler, Policy>(m, "HorizontalAutoscaler",
                           "One target's Kubernetes HPA controller. evaluate() runs one "
                           "sync; commit() records an applied rescale. Calls on one "
                           "instance are serialized; distinct instances run in parallel.")
      .def(py::init([create](const hpa::AutoscalerSpec& spec,
                             const std::optional<hpa::ControllerConfig>& config) {
             return create(spec, config, true);
           }),
           py::arg("spec"), py::arg("config") = py::none(),
           "Validates the spec; ValueError lists every problem.")
      .def_static(
          "create",
          [create](const hpa::AutoscalerSpec& spec,
                   const std::optional<hpa::ControllerConfig>& config) {
            return create(spec, config, true);
          },
          py::arg("spec"), py::arg("config") = py::none(),
          "Same as the constructor; ValueError on an invalid spec.")
      .def_static(
          "create_unvalidated",
          [create](const hpa::AutoscalerSpec& spec,
                   const std::optional<hpa::ControllerConfig>& config) {
            return create(spec, config, false);
          },
          py::arg("spec"), py::arg("config") = py::none(),
          "Skips the API server's validation (only replica bounds are checked).")
      .def_property_readonly("spec", [](const PyAutoscaler& a) { return a.hpa.spec(); })
      .def_property_readonly("config", [](const PyAutoscaler& a) { return a.hpa.config(); })
      .def_property_readonly("tolerances",
                             [](const PyAutoscaler& a) { return a.hpa.tolerances(); })
      .def_property_readonly(
          "state",
          [](PyAutoscaler& a) {
            auto l = Lock(a);
            return a.hpa.ExportState();
          },
          "A copy of the current state.")
      .def(
          "evaluate",
          [](PyAutoscaler& a, py::handle now, const Observation& obs,
             Decision* out) -> py::object {
            const absl::Time t = TimeFromPy(now);
            auto l = Lock(a);
            if (out != nullptr) {
              RaiseIfError(a.hpa.Evaluate(t, obs, out));
              return py::none();
            }
            Decision d;
            RaiseIfError(a.hpa.Evaluate(t, obs, &d));
            return py::cast(std::move(d));
          },
          py::arg("now"), py::arg("observation"), py::kw_only(), py::arg("out") = py::none(),
          "One sync at `now` (float seconds since the epoch, or a datetime). "
          "Returns the Decision, or fills `out` and returns None. ValueError for "
          "an unreadable observation (time going backwards, unknown metric).")
      .def(
          "commit",
          [](PyAutoscaler& a, Decision& d) {
            auto l = Lock(a);
            RaiseIfError(a.hpa.Commit(d));
          },
          py::arg("decision"),
          "The decision was applied: records the scale event. agentscale.Error if "
          "it is not this engine's latest rescale decision.")
      .def(
          "commit_failed",
          [](PyAutoscaler& a, Decision& d, const std::string& message) {
            auto l = Lock(a);
            RaiseIfError(a.hpa.CommitFailed(d, absl::UnavailableError(message)));
          },
          py::arg("decision"), py::arg("message"),
          "Applying it failed: AbleToScale=False/FailedUpdateScale, no event.")
      .def(
          "export_state",
          [](PyAutoscaler& a) {
            auto l = Lock(a);
            return a.hpa.ExportState();
          },
          "A copy of the state.")
      .def(
          "import_state",
          [](PyAutoscaler& a, AutoscalerState s) {
            auto l = Lock(a);
            RaiseIfError(a.hpa.ImportState(std::move(s)));
          },
          py::arg("state"), "Replaces the state (e.g. after a restart).")
      .def(
          "state_json",
          [](PyAutoscaler& a, int indent) {
            auto l = Lock(a);
            return StateToJson(a.hpa.state(), indent);
          },
          py::kw_only(), py::arg("indent") = 2, "The state as JSON.")
      .def(
          "import_state_json",
          [](PyAutoscaler& a, const std::string& json) {
            AutoscalerState s = Unwrap(StateFromJson(json));
            auto l = Lock(a);
            RaiseIfError(a.hpa.ImportState(std::move(s)));
          },
          py::arg("text"), "Replaces the state from its JSON.")
      .def(
          "evaluate_series",
          [](PyAutoscaler& a, py::handle times, py::handle per_pod, py::handle fleet_totals,
             py::handle replicas, std::optional<int32_t> initial_replicas, bool commit,
             const std::string& pod_prefix, double window_seconds) {
            return EvaluateSeries(a.hpa, &a.mu, times, per_pod, fleet_totals, replicas,
                                  initial_replicas, commit, pod_prefix, window_seconds);
          },
          py::arg("times"), py::arg("per_pod") = py::none(), py::kw_only(),
          py::arg("fleet_totals") = py::none(), py::arg("replicas") = py::none(),
          py::arg("initial_replicas") = py::none(), py::arg("commit") = true,
          py::arg("pod_prefix") = "agent-", py::arg("window_seconds") = 60.0,
          "Evaluates a whole series in C++ with the GIL released.\n\n"
          "times: float64 (T,) seconds since the epoch, increasing.\n"
          "per_pod: {metric: array (T,) (every pod reports the value) or (T, P) "
          "(pod i reports column i; NaN or i >= P: no sample, a missing pod)}.\n"
          "fleet_totals: {metric: array (T,)}: the fleet's total, split evenly "
          "among the running pods.\n"
          "replicas: int (T,) current replicas per step; None: start at "
          "initial_replicas (default min_replicas) and follow the decisions.\n"
          "commit: commit every rescale decision (as applied).")
      .def("__copy__", [](const PyAutoscaler& a) { return PyAutoscaler(a); })
      .def("__deepcopy__", [](const PyAutoscaler& a, py::object) { return PyAutoscaler(a); },
           py::arg("memo"))
      .def(py::pickle(
          [](PyAutoscaler& a) {
            auto l = Lock(a);
            return py::make_tuple(ToDict(a.hpa.spec()), ToDict(a.hpa.config()),
                                  StateToJson(a.hpa.state(), -1));
          },
          [](py::tuple t) {
            if (t.size() != 3) throw py::value_error("bad HorizontalAutoscaler pickle");
            auto h = HorizontalAutoscaler::CreateUnvalidated(
                FromDict<hpa::AutoscalerSpec>(t[0]), FromDict<hpa::ControllerConfig>(t[1]));
            auto p = std::make_unique<PyAutoscaler>(Unwrap(std::move(h)));
            RaiseIfError(p->hpa.ImportState(Unwrap(StateFromJson(t[2].cast<std::string>()))));
            return p;
          }))
      .def("__repr__", [](const PyAutoscaler& a) {
        const auto& s = a.hpa.spec();
        return "HorizontalAutoscaler(name=" + std::string(py::repr(py::str(s.name))) +
               ", min_replicas=" + std::to_string(s.min_replicas) +
               ", max_replicas=" + std::to_string(s.max_replicas) +
               ", metrics=" + std::to_string(s.metrics.size()) + ")";
      });

  m.def(
      "evaluate_series",
      [](Policy& policy, py::handle times, py::handle per_pod, py::handle fleet_totals,
         py::handle replicas, std::optional<int32_t> initial_replicas, bool commit,
         const std::string& pod_prefix, double window_seconds) {
        auto* hpa = dynamic_cast<PyAutoscaler*>(&policy);
        return EvaluateSeries(hpa != nullptr ? static_cast<Policy&>(hpa->hpa) : policy,
                              hpa != nullptr ? &hpa->mu : nullptr, times, per_pod,
                              fleet_totals, replicas, initial_replicas, commit, pod_prefix,
                              window_seconds);
      },
      py::arg("policy"), py::arg("times"), py::arg("per_pod") = py::none(), py::kw_only(),
      py::arg("fleet_totals") = py::none(), py::arg("replicas") = py::none(),
      py::arg("initial_replicas") = py::none(), py::arg("commit") = true,
      py::arg("pod_prefix") = "agent-", py::arg("window_seconds") = 60.0,
      "HorizontalAutoscaler.evaluate_series() for any Policy (a Python subclass "
      "of agentscale.Policy included): the same columns, the same loop.");
}

}  // namespace agentscale::python
