// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The KEDA family in Python: ScaledObjectSpec and its parts as value types,
// the generated HPA, the ScaledObject loader and writer, ScaledObjectPolicy
// (a Policy), the scalingModifiers formula, and the ScaledObject replay.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "agentscale/config/manifest.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/keda/formula.h"
#include "agentscale/keda/policy.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/schedule/schedule.h"
#include "agentscale/sim/keda_replay.h"
#include "common.h"

namespace agentscale::python {

// sim.cc: the Python form of a FluidResult and the traces argument.
py::object FluidResultToPy(sim::FluidResult&& r);
py::object AgentResultToPy(sim::AgentModelResult&& r);

namespace {

using PyKedaPolicy = PyLocked<keda::ScaledObjectPolicy>;
using PyJobPolicy = PyLocked<keda::ScaledJobPolicy>;

}  // namespace

void BindKeda(py::module_& m) {
  BindEnum<keda::TriggerKind>(m, "TriggerKind", "How agentscale reads a KEDA trigger.",
                              {{keda::TriggerKind::kExternal, "EXTERNAL", "external"},
                               {keda::TriggerKind::kResource, "RESOURCE", "resource"}});
  BindEnum<keda::FallbackBehavior>(
      m, "FallbackBehavior", "KEDA's fallback.behavior (kubernetes_name: KEDA's spelling).",
      {{keda::FallbackBehavior::kStatic, "STATIC", "static"},
       {keda::FallbackBehavior::kCurrentReplicas, "CURRENT_REPLICAS", "currentReplicas"},
       {keda::FallbackBehavior::kCurrentReplicasIfHigher, "CURRENT_REPLICAS_IF_HIGHER",
        "currentReplicasIfHigher"},
       {keda::FallbackBehavior::kCurrentReplicasIfLower, "CURRENT_REPLICAS_IF_LOWER",
        "currentReplicasIfLower"}});

  ValueClass<keda::CronTrigger>(
      m, "CronTrigger",
      "A KEDA cron trigger's metadata: desired_replicas from start to end (five-field "
      "cron lines) in timezone, 0 outside.")
      .field("start", &keda::CronTrigger::start, "The cron line the window opens at.")
      .field("end", &keda::CronTrigger::end, "The cron line it closes at (exclusive).")
      .field("timezone", &keda::CronTrigger::timezone, "An IANA zone; '' and 'UTC' are UTC.")
      .field("desired_replicas", &keda::CronTrigger::desired_replicas,
             "The count asked for while the window is open.")
      .finish();
  ValueClass<keda::Trigger> trigger(m, "Trigger", "One KEDA trigger (spec.triggers[i]).");
  trigger
      .field("type", &keda::Trigger::type, "The scaler: 'prometheus', 'aws-sqs-queue', 'cpu', ...")
      .field("name", &keda::Trigger::name, "triggers[i].name (formulas use it).")
      .field("kind", &keda::Trigger::kind, "TriggerKind: EXTERNAL or RESOURCE (cpu/memory).")
      .field("metric_type", &keda::Trigger::metric_type, "AverageValue, Value or Utilization.")
      .field("target", &keda::Trigger::target, "The HPA's target (threshold, queueLength, ...).")
      .field("activation_target", &keda::Trigger::activation_target,
             "Active when the value is strictly above it.")
      .field("ignore_null_values", &keda::Trigger::ignore_null_values,
             "prometheus: a null result reads as 0 (else it fails the trigger).")
      .field("metadata", &keda::Trigger::metadata, "The metadata as written.")
      .field("metric_name", &keda::Trigger::metric_name,
             "The External metric name KEDA gives the HPA, e.g. 's0-prometheus'.")
      .field("cron", &keda::Trigger::cron,
             "CronTrigger for a cron trigger (read from the clock), else None.")
      .finish();
  trigger.cls()
      .def_static("make_prometheus", &keda::Trigger::Prometheus, py::arg("query"),
                  py::arg("threshold"), py::arg("activation_threshold") = 0.0,
                  "A prometheus trigger on `query` with this threshold.")
      .def_static("make_cron", &keda::Trigger::Cron, py::arg("start"), py::arg("end"),
                  py::arg("timezone"), py::arg("desired_replicas"),
                  "A cron trigger: desired_replicas from start to end (cron lines) in "
                  "timezone.");
  ValueClass<keda::Fallback>(m, "Fallback", "spec.fallback.")
      .field("failure_threshold", &keda::Fallback::failure_threshold,
             "Consecutive failures before the fallback applies (strictly more).")
      .field("replicas", &keda::Fallback::replicas, "fallback.replicas.")
      .field("behavior", &keda::Fallback::behavior, "FallbackBehavior.")
      .finish();
  ValueClass<keda::ScalingModifiers>(m, "ScalingModifiers", "spec.advanced.scalingModifiers.")
      .field("formula", &keda::ScalingModifiers::formula, "The composite formula.")
      .field("target", &keda::ScalingModifiers::target, "The composite metric's target.")
      .field("activation_target", &keda::ScalingModifiers::activation_target,
             "Active when the composite is strictly above it.")
      .field("metric_type", &keda::ScalingModifiers::metric_type, "AverageValue or Value.")
      .finish();
  ValueClass<keda::ScaledObjectSpec>(m, "ScaledObjectSpec",
                                     "A KEDA ScaledObject (keda.sh/v1alpha1) with KEDA's defaults.")
      .field("name", &keda::ScaledObjectSpec::name, "metadata.name.")
      .field("namespace_name", &keda::ScaledObjectSpec::namespace_name, "metadata.namespace.")
      .field("scale_target_ref", &keda::ScaledObjectSpec::scale_target_ref,
             "spec.scaleTargetRef (default kind Deployment, apps/v1).")
      .field("polling_interval_seconds", &keda::ScaledObjectSpec::polling_interval_seconds,
             "pollingInterval (30).")
      .field("cooldown_period_seconds", &keda::ScaledObjectSpec::cooldown_period_seconds,
             "cooldownPeriod (300).")
      .field("initial_cooldown_period_seconds",
             &keda::ScaledObjectSpec::initial_cooldown_period_seconds,
             "initialCooldownPeriod (0).")
      .field("min_replica_count", &keda::ScaledObjectSpec::min_replica_count,
             "minReplicaCount (0).")
      .field("max_replica_count", &keda::ScaledObjectSpec::max_replica_count,
             "maxReplicaCount (100).")
      .field("idle_replica_count", &keda::ScaledObjectSpec::idle_replica_count,
             "idleReplicaCount, or None.")
      .field("fallback", &keda::ScaledObjectSpec::fallback, "Fallback, or None.")
      .field("hpa_name", &keda::ScaledObjectSpec::hpa_name,
             "advanced.horizontalPodAutoscalerConfig.name ('' = keda-hpa-<name>).")
      .field("behavior", &keda::ScaledObjectSpec::behavior,
             "advanced.horizontalPodAutoscalerConfig.behavior, or None (legacy HPA path).")
      .field("restore_to_original_replica_count",
             &keda::ScaledObjectSpec::restore_to_original_replica_count,
             "advanced.restoreToOriginalReplicaCount.")
      .field("scaling_modifiers", &keda::ScaledObjectSpec::scaling_modifiers,
             "ScalingModifiers, or None.")
      .field("triggers", &keda::ScaledObjectSpec::triggers, "The triggers, in order.")
      .field("paused_replicas", &keda::ScaledObjectSpec::paused_replicas,
             "autoscaling.keda.sh/paused-replicas, or None.")
      .field("paused", &keda::ScaledObjectSpec::paused, "autoscaling.keda.sh/paused.")
      .field("paused_scale_in", &keda::ScaledObjectSpec::paused_scale_in,
             "autoscaling.keda.sh/paused-scale-in.")
      .field("paused_scale_out", &keda::ScaledObjectSpec::paused_scale_out,
             "autoscaling.keda.sh/paused-scale-out.")
      .field("force_activation", &keda::ScaledObjectSpec::force_activation,
             "autoscaling.keda.sh/force-activation.")
      .finish();

  m.def(
      "generated_hpa",
      [](const keda::ScaledObjectSpec& so) { return Unwrap(keda::GeneratedHpa(so)); },
      py::arg("scaled_object"),
      "The HorizontalPodAutoscaler KEDA creates for a ScaledObject; ValueError "
      "lists every problem of an invalid one.");
  m.def(
      "validate_scaled_object",
      [](const keda::ScaledObjectSpec& so) {
        py::list out;
        for (const hpa::FieldError& e : keda::ValidateScaledObject(so)) {
          out.append(py::make_tuple(e.path, e.message));
        }
        return out;
      },
      py::arg("scaled_object"), "Every problem, as (field path, message) pairs.");
  m.def(
      "load_single_scaled_object",
      [](py::handle path) {
        return Unwrap(config::LoadSingleScaledObject(
            py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>()));
      },
      py::arg("path"), "The one ScaledObject of a YAML file; ValueError names file:line:col.");
  m.def("dump_scaled_object", &config::DumpScaledObject, py::arg("scaled_object"),
        "A ScaledObject as keda.sh/v1alpha1 YAML (defaults written out).");

  py::class_<PyKedaPolicy, Policy>(
      m, "ScaledObjectPolicy",
      "A KEDA ScaledObject and the HPA it creates, as one Policy: KEDA's poll "
      "(activation, cooldown, idle, fallback) every pollingInterval and the HPA "
      "sync every hpa_sync_period_seconds, each at its own instants.")
      .def(py::init([](const keda::ScaledObjectSpec& so, double hpa_sync_period_seconds,
                       const std::optional<hpa::ControllerConfig>& config) {
             keda::ScaledObjectOptions o;
             o.hpa_sync_period = absl::Seconds(hpa_sync_period_seconds);
             if (config) o.config = *config;
             return std::make_unique<PyKedaPolicy>(
                 Unwrap(keda::ScaledObjectPolicy::Create(so, o)));
           }),
           py::arg("scaled_object"), py::kw_only(), py::arg("hpa_sync_period_seconds") = 15.0,
           py::arg("config") = py::none(), "ValueError lists every problem of the object.")
      .def_property_readonly("spec",
                             [](const PyKedaPolicy& p) { return p.policy->spec(); })
      .def_property_readonly(
          "hpa_spec", [](const PyKedaPolicy& p) { return p.policy->hpa().spec(); },
          "The generated HPA.")
      .def_property_readonly(
          "step_seconds",
          [](const PyKedaPolicy& p) { return absl::ToDoubleSeconds(p.policy->PollAndSyncStep()); },
          "gcd(pollingInterval, sync period): call decide() this often.")
      .def_property_readonly(
          "failures",
          [](const PyKedaPolicy& p) {
            std::lock_guard<std::mutex> l(p.mu);
            return p.policy->failures();
          },
          "Consecutive failures per trigger.")
      .def_property_readonly(
          "last_active",
          [](const PyKedaPolicy& p) -> py::object {
            std::lock_guard<std::mutex> l(p.mu);
            if (!p.policy->last_active()) return py::none();
            return py::float_(absl::ToDoubleSeconds(*p.policy->last_active() - absl::UnixEpoch()));
          },
          "When a poll last found a trigger active (seconds since the epoch), or None.");

  py::class_<keda::Formula>(m, "Formula",
                            "A KEDA scalingModifiers formula (expr-lang subset), compiled once.")
      .def(py::init([](const std::string& text, const std::vector<std::string>& triggers) {
             return Unwrap(keda::Formula::Parse(text, triggers));
           }),
           py::arg("text"), py::arg("triggers"),
           "ValueError names formula:line:column for a formula that does not compile.")
      .def(
          "evaluate",
          [](const keda::Formula& f, const std::vector<std::optional<double>>& values) {
            const keda::FormulaValue v = Unwrap(f.Evaluate(values));
            if (v.is_bool()) return py::object(py::bool_(v.boolean));
            if (v.is_number()) {
              return v.integer ? py::object(py::int_(static_cast<int64_t>(v.number)))
                               : py::object(py::float_(v.number));
            }
            return py::object(py::none());
          },
          py::arg("values"),
          "One value per trigger (None: failed); the result as None, bool, int or float.")
      .def(
          "composite",
          [](const keda::Formula& f, const std::vector<std::optional<double>>& values) {
            return Unwrap(f.EvaluateComposite(values));
          },
          py::arg("values"), "The composite metric as KEDA derives it (None: nil).")
      .def("__str__", &keda::Formula::ToString)
      .def("__repr__",
           [](const keda::Formula& f) { return "Formula(" + py::repr(py::str(f.text())).cast<std::string>() + ")"; })
      .def_property_readonly("text", &keda::Formula::text);

  m.def(
      "replay_scaled_object",
      [](const keda::ScaledObjectSpec& so, py::handle traces, std::optional<std::string> trigger,
         py::handle period_seconds, std::optional<int32_t> initial_replicas,
         std::optional<double> price_per_replica_hour,
         std::optional<hpa::ControllerConfig> config,
         std::optional<std::vector<sim::MetricOutage>> outages,
         std::optional<schedule::ScheduleSpec> schedule,
         std::optional<forecast::ForecastSpec> forecast, py::handle prometheus_version) {
        sim::FluidOptions opt;
        opt.prometheus_version = Conv<metrics::PrometheusVersion>::Set(prometheus_version);
        if (outages) opt.outages = *outages;
        opt.schedule = std::move(schedule);
        opt.forecast = std::move(forecast);
        if (!period_seconds.is_none()) opt.period = DurationFromPy(period_seconds);
        if (initial_replicas) opt.initial_replicas = *initial_replicas;
        if (price_per_replica_hour) opt.price_per_replica_hour = *price_per_replica_hour;
        if (config) opt.config = *config;
        std::vector<py::object> keep;
        sim::MetricTraces mt;
        if (py::isinstance<sim::Trace>(traces)) {
          keep.push_back(py::reinterpret_borrow<py::object>(traces));
          mt.emplace_back(trigger.value_or(""), &traces.cast<const sim::Trace&>());
        } else if (py::isinstance<py::dict>(traces)) {
          if (trigger) throw py::type_error("trigger= is for a single Trace, not a mapping");
          for (auto item : py::reinterpret_borrow<py::dict>(traces)) {
            if (!py::isinstance<sim::Trace>(item.second)) {
              throw py::type_error("traces: expected Trace values");
            }
            keep.push_back(py::reinterpret_borrow<py::object>(item.second));
            mt.emplace_back(py::str(item.first).cast<std::string>(),
                            &item.second.cast<const sim::Trace&>());
          }
        } else {
          throw py::type_error("traces: expected a Trace or a {trigger: Trace} dict");
        }
        absl::StatusOr<sim::FluidResult> r;
        {
          py::gil_scoped_release release;
          r = sim::ReplayScaledObject(so, mt, opt);
        }
        return FluidResultToPy(Unwrap(std::move(r)));
      },
      py::arg("scaled_object"), py::arg("traces"), py::kw_only(), py::arg("trigger") = py::none(),
      py::arg("period_seconds") = py::none(), py::arg("initial_replicas") = py::none(),
      py::arg("price_per_replica_hour") = py::none(), py::arg("config") = py::none(),
      py::arg("outages") = py::none(), py::arg("schedule") = py::none(),
      py::arg("forecast") = py::none(), py::arg("prometheus_version") = 3,
      "Replays a ScaledObject as KEDA and its HPA would (KEDA_REPLAY.md): one "
      "Trace drives the first trigger (or `trigger`, by metric name or name), "
      "or a {trigger: Trace} dict; one entry per HPA sync; `outages`: MetricOutage "
      "windows in which a trigger's read fails (fallback); `schedule`: a ScheduleSpec "
      "over the trace's span; `forecast`: a ForecastSpec floor. GIL released.");
  m.def(
      "run_agent_model",
      [](const keda::ScaledObjectSpec& so, py::object trace,
         std::optional<sim::AgentModelOptions> options) {
        const sim::Trace& t = trace.cast<const sim::Trace&>();
        const sim::AgentModelOptions opt = options.value_or(sim::AgentModelOptions{});
        absl::StatusOr<sim::AgentModelResult> r;
        {
          py::gil_scoped_release release;
          r = sim::RunAgentModel(so, t, opt);
        }
        return AgentResultToPy(Unwrap(std::move(r)));
      },
      py::arg("scaled_object"), py::arg("trace"), py::arg("options") = py::none(),
      "The agent model scaled by a ScaledObject: its one trigger reads the queue of "
      "waiting tasks; syncs every gcd(pollingInterval, sync_period_seconds).");

  // --- ScaledJob ----------------------------------------------------------------
  BindEnum<keda::ScalingStrategy>(m, "ScalingStrategy",
                                  "A ScaledJob's scalingStrategy.strategy (kubernetes_name: KEDA's).",
                                  {{keda::ScalingStrategy::kDefault, "DEFAULT", "default"},
                                   {keda::ScalingStrategy::kCustom, "CUSTOM", "custom"},
                                   {keda::ScalingStrategy::kAccurate, "ACCURATE", "accurate"},
                                   {keda::ScalingStrategy::kEager, "EAGER", "eager"}});
  BindEnum<keda::MultipleScalersCalculation>(
      m, "MultipleScalersCalculation",
      "How a ScaledJob combines several triggers (kubernetes_name: KEDA's).",
      {{keda::MultipleScalersCalculation::kMax, "MAX", "max"},
       {keda::MultipleScalersCalculation::kMin, "MIN", "min"},
       {keda::MultipleScalersCalculation::kAvg, "AVG", "avg"},
       {keda::MultipleScalersCalculation::kSum, "SUM", "sum"}});
  ValueClass<keda::ScaledJobSpec>(m, "ScaledJobSpec",
                                  "A KEDA ScaledJob (keda.sh/v1alpha1) with KEDA's defaults.")
      .field("name", &keda::ScaledJobSpec::name, "metadata.name.")
      .field("namespace_name", &keda::ScaledJobSpec::namespace_name, "metadata.namespace.")
      .field("polling_interval_seconds", &keda::ScaledJobSpec::polling_interval_seconds,
             "pollingInterval (30).")
      .field("successful_jobs_history_limit", &keda::ScaledJobSpec::successful_jobs_history_limit,
             "successfulJobsHistoryLimit (100).")
      .field("failed_jobs_history_limit", &keda::ScaledJobSpec::failed_jobs_history_limit,
             "failedJobsHistoryLimit (100).")
      .field("min_replica_count", &keda::ScaledJobSpec::min_replica_count,
             "minReplicaCount, or None (0).")
      .field("max_replica_count", &keda::ScaledJobSpec::max_replica_count,
             "maxReplicaCount, or None (100).")
      .field("strategy", &keda::ScaledJobSpec::strategy, "scalingStrategy.strategy.")
      .field("custom_queue_length_deduction", &keda::ScaledJobSpec::custom_queue_length_deduction,
             "customScalingQueueLengthDeduction, or None.")
      .field("custom_running_job_percentage", &keda::ScaledJobSpec::custom_running_job_percentage,
             "customScalingRunningJobPercentage as written.")
      .field("multiple_scalers_calculation", &keda::ScaledJobSpec::multiple_scalers_calculation,
             "scalingStrategy.multipleScalersCalculation.")
      .field("pending_pod_conditions", &keda::ScaledJobSpec::pending_pod_conditions,
             "scalingStrategy.pendingPodConditions.")
      .field("rollout_strategy", &keda::ScaledJobSpec::rollout_strategy, "rollout.strategy.")
      .field("parallelism", &keda::ScaledJobSpec::parallelism, "jobTargetRef.parallelism.")
      .field("completions", &keda::ScaledJobSpec::completions, "jobTargetRef.completions.")
      .field("active_deadline_seconds", &keda::ScaledJobSpec::active_deadline_seconds,
             "jobTargetRef.activeDeadlineSeconds, or None.")
      .field("backoff_limit", &keda::ScaledJobSpec::backoff_limit, "jobTargetRef.backoffLimit.")
      .field("triggers", &keda::ScaledJobSpec::triggers, "The triggers, in order.")
      .field("paused", &keda::ScaledJobSpec::paused, "autoscaling.keda.sh/paused.")
      .finish();
  py::class_<PyJobPolicy, Policy>(
      m, "ScaledJobPolicy",
      "A KEDA ScaledJob as a Policy: every pollingInterval it reads its triggers, counts "
      "running Jobs (current_replicas) and pending ones (pods not Running), and "
      "desired_replicas is the running Jobs plus the Jobs its strategy starts.")
      .def(py::init([](const keda::ScaledJobSpec& sj) {
             return std::make_unique<PyJobPolicy>(Unwrap(keda::ScaledJobPolicy::Create(sj)));
           }),
           py::arg("scaled_job"), "ValueError lists every problem of the object.")
      .def_property_readonly("spec", [](const PyJobPolicy& p) { return p.policy->spec(); });
  m.def(
      "load_single_scaled_job",
      [](py::handle path) {
        return Unwrap(config::LoadSingleScaledJob(
            py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>()));
      },
      py::arg("path"), "The one ScaledJob of a YAML file; ValueError names file:line:col.");
  m.def("dump_scaled_job", &config::DumpScaledJob, py::arg("scaled_job"),
        "A ScaledJob as keda.sh/v1alpha1 YAML (defaults written out).");
  m.def(
      "decide_jobs",
      [](const keda::ScaledJobSpec& sj, const std::vector<std::tuple<double, double, bool>>& readings,
         int64_t running, int64_t pending) {
        std::vector<keda::ScalerReading> r;
        for (const auto& [q, t, a] : readings) r.push_back(keda::ScalerReading{q, t, a});
        const keda::JobScaleDecision d = keda::DecideJobs(sj, r, running, pending);
        py::dict out;
        out["active"] = d.active;
        out["scale_to"] = d.scale_to;
        out["max_scale"] = d.max_scale;
        out["effective_max"] = d.effective_max;
        out["jobs_to_create"] = d.jobs_to_create;
        return out;
      },
      py::arg("scaled_job"), py::arg("readings"), py::arg("running"), py::arg("pending"),
      "One ScaledJob poll: readings are (queue_length, target, active) per trigger; "
      "returns {active, scale_to, max_scale, effective_max, jobs_to_create}.");
  m.def(
      "run_agent_model",
      [](const keda::ScaledJobSpec& sj, py::object trace,
         std::optional<sim::AgentModelOptions> options) {
        const sim::Trace& t = trace.cast<const sim::Trace&>();
        const sim::AgentModelOptions opt = options.value_or(sim::AgentModelOptions{});
        absl::StatusOr<sim::AgentModelResult> r;
        {
          py::gil_scoped_release release;
          r = sim::RunAgentModel(sj, t, opt);
        }
        return AgentResultToPy(Unwrap(std::move(r)));
      },
      py::arg("scaled_job"), py::arg("trace"), py::arg("options") = py::none(),
      "The agent model under a ScaledJob: every agent is a Job that takes one task "
      "and exits; polls every pollingInterval.");
}

}  // namespace agentscale::python
