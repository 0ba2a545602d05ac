// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: the hpa/ layer — specs, pods, conditions, validation,
// selectors, the replica calculator and the normalization functions.

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common.h"

namespace agentscale::python {

using namespace hpa;  // NOLINT

namespace {

std::optional<ResourceName> OptResource(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return Conv<ResourceName>::Set(h);
}

std::vector<Pod> PodsArg(py::handle h) { return Conv<std::vector<Pod>>::Set(h); }
std::vector<PodSample> SamplesArg(py::handle h) {
  return Conv<std::vector<PodSample>>::Set(h);
}

}  // namespace

void BindHpa(py::module_& m) {
  // --- spec.h -----------------------------------------------------------------
  ValueClass<LabelSelectorRequirement>(m, "LabelSelectorRequirement",
                                       "One matchExpressions entry of a label selector.")
      .field("key", &LabelSelectorRequirement::key, "Label key.")
      .field("op", &LabelSelectorRequirement::op, "In, NotIn, Exists or DoesNotExist.")
      .field("values", &LabelSelectorRequirement::values, "Values for In/NotIn.")
      .finish();
  ValueClass<LabelSelector>(m, "LabelSelector", "A metav1.LabelSelector.")
      .field("match_labels", &LabelSelector::match_labels, "matchLabels.")
      .field("match_expressions", &LabelSelector::match_expressions, "matchExpressions.")
      .finish()
      .cls()
      .def("empty", &LabelSelector::empty, "True if it has no labels and no expressions.");
  ValueClass<ObjectReference>(m, "ObjectReference", "A CrossVersionObjectReference.")
      .field("api_version", &ObjectReference::api_version, "apiVersion.")
      .field("kind", &ObjectReference::kind, "kind.")
      .field("name", &ObjectReference::name, "name.")
      .finish();
  ValueClass<MetricTarget>(m, "MetricTarget",
                           "autoscaling/v2 MetricTarget; values in integer milli-units.")
      .field("type", &MetricTarget::type, "MetricTargetType.")
      .field("average_utilization", &MetricTarget::average_utilization,
             "Percent of request (Utilization targets).")
      .field("value_milli", &MetricTarget::value_milli, "Value target, milli-units.")
      .field("average_value_milli", &MetricTarget::average_value_milli,
             "AverageValue target, milli-units.")
      .finish();

  ValueClass<ExternalMetricFallback>(
      m, "ExternalMetricFallback",
      "external.fallback (HPAExternalMetricFallback): fallback.replicas once the "
      "metric has failed for failure_duration_seconds.")
      .field("failure_duration_seconds", &ExternalMetricFallback::failure_duration,
             "failureDurationSeconds; default and minimum 180.")
      .field("replicas", &ExternalMetricFallback::replicas, "replicas; required, > 0.")
      .finish();
  ValueClass<MetricSpec> metric_spec(m, "MetricSpec", "One entry of spec.metrics.");
  metric_spec.field("type", &MetricSpec::type, "MetricSourceType.")
      .field("name", &MetricSpec::name,
             "Metric name (Pods/Object/External) or resource (Resource/ContainerResource).")
      .field("container", &MetricSpec::container, "ContainerResource only.")
      .field("selector", &MetricSpec::selector, "Metric selector (Pods, Object, External).")
      .field("described_object", &MetricSpec::described_object, "Object metrics only.")
      .field("target", &MetricSpec::target, "The target.")
      .field("fallback", &MetricSpec::fallback,
             "External only: ExternalMetricFallback or None.")
      .finish();
  metric_spec.cls()
      .def("describe", &MetricSpec::Describe,
           "The name Kubernetes uses in messages, e.g. \"pods metric qps\".")
      .def_property_readonly("resource", &MetricSpec::resource,
                             "The resource of a Resource/ContainerResource metric.")
      .def_static(
          "pods_average_value",
          [](const std::string& metric, py::handle average_value) {
            return MetricSpec::PodsAverageValue(metric, MilliFromPy(average_value));
          },
          py::arg("metric"), py::arg("average_value"),
          "A Pods metric with an AverageValue target; average_value in plain "
          "units (70) or as a quantity string (\"500m\").")
      .def_static("resource_utilization", &MetricSpec::ResourceUtilization, py::arg("resource"),
                  py::arg("percent"), "A Resource metric with a Utilization target (percent).")
      .def_static(
          "resource_average_value",
          [](const std::string& resource, py::handle average_value) {
            return MetricSpec::ResourceAverageValue(resource, MilliFromPy(average_value));
          },
          py::arg("resource"), py::arg("average_value"),
          "A Resource metric with an AverageValue target (plain units or quantity).")
      .def_static(
          "object_value",
          [](const ObjectReference& object, const std::string& metric, py::handle value) {
            return MetricSpec::ObjectValue(object, metric, MilliFromPy(value));
          },
          py::arg("object"), py::arg("metric"), py::arg("value"),
          "An Object metric with a Value target (plain units or quantity).")
      .def_static(
          "external_value",
          [](const std::string& metric, py::handle value) {
            return MetricSpec::ExternalValue(metric, MilliFromPy(value));
          },
          py::arg("metric"), py::arg("value"),
          "An External metric with a Value target (plain units or quantity).")
      .def_static(
          "external_average_value",
          [](const std::string& metric, py::handle average_value) {
            return MetricSpec::ExternalAverageValue(metric, MilliFromPy(average_value));
          },
          py::arg("metric"), py::arg("average_value"),
          "An External metric with an AverageValue target (plain units or quantity).");

  ValueClass<ScalingPolicy>(m, "ScalingPolicy", "HPAScalingPolicy.")
      .field("type", &ScalingPolicy::type, "PolicyType (PODS or PERCENT).")
      .field("value", &ScalingPolicy::value, "Pods or percent per period.")
      .field("period_seconds", &ScalingPolicy::period, "The period, in seconds.")
      .finish();
  ValueClass<ScalingRules>(m, "ScalingRules", "HPAScalingRules (after API defaulting).")
      .field("stabilization_window_seconds", &ScalingRules::stabilization_window,
             "Seconds; None on scale-down means the controller's flag.")
      .field("select_policy", &ScalingRules::select_policy, "SelectPolicy.")
      .field("policies", &ScalingRules::policies, "The ScalingPolicy list.")
      .field("tolerance", &ScalingRules::tolerance,
             "Per-direction tolerance; None means the controller's.")
      .finish();
  ValueClass<Behavior>(m, "Behavior", "HorizontalPodAutoscalerBehavior.")
      .field("scale_up", &Behavior::scale_up, "ScalingRules for scaling up.")
      .field("scale_down", &Behavior::scale_down, "ScalingRules for scaling down.")
      .finish();
  m.def("default_scale_up_rules", &DefaultScaleUpRules,
        "API defaults for scaleUp: window 0, Max of {4 Pods, 100 Percent} per 15 s.");
  m.def("default_scale_down_rules", &DefaultScaleDownRules,
        "API defaults for scaleDown: window unset, 100 Percent per 15 s.");
  m.def("default_behavior", &DefaultBehavior, "The API defaults for a present behavior.");

  ValueClass<AutoscalerSpec>(m, "AutoscalerSpec", "HorizontalPodAutoscalerSpec (plus identity).")
      .field("name", &AutoscalerSpec::name, "metadata.name.")
      .field("namespace", &AutoscalerSpec::namespace_name, "metadata.namespace.")
      .field("scale_target_ref", &AutoscalerSpec::scale_target_ref, "scaleTargetRef.")
      .field("min_replicas", &AutoscalerSpec::min_replicas, "minReplicas.")
      .field("max_replicas", &AutoscalerSpec::max_replicas, "maxReplicas.")
      .field("metrics", &AutoscalerSpec::metrics, "The MetricSpec list.")
      .field("behavior", &AutoscalerSpec::behavior,
             "Behavior, or None for the legacy normalization.")
      .field("selection_strategy", &AutoscalerSpec::selection_strategy,
             "SelectionStrategy, or None for LabelSelector (HPASelectionStrategy).")
      .field("sync_period_seconds", &AutoscalerSpec::sync_period,
             "spec.syncPeriodSeconds, or None (HPAConfigurableSyncPeriod).")
      .finish();
  ValueClass<ControllerConfig>(m, "ControllerConfig",
                               "kube-controller-manager flags and feature gates.")
      .field("tolerance", &ControllerConfig::tolerance, "--horizontal-pod-autoscaler-tolerance.")
      .field("cpu_initialization_period_seconds", &ControllerConfig::cpu_initialization_period,
             "Seconds.")
      .field("initial_readiness_delay_seconds", &ControllerConfig::initial_readiness_delay,
             "Seconds.")
      .field("downscale_stabilization_window_seconds",
             &ControllerConfig::downscale_stabilization_window, "Seconds.")
      .field("scale_up_limit_factor", &ControllerConfig::scale_up_limit_factor, "Legacy path.")
      .field("scale_up_limit_minimum", &ControllerConfig::scale_up_limit_minimum, "Legacy path.")
      .field("scale_to_zero", &ControllerConfig::scale_to_zero, "HPAScaleToZero gate.")
      .field("configurable_tolerance", &ControllerConfig::configurable_tolerance,
             "HPAConfigurableTolerance gate.")
      .field("pod_level_resources", &ControllerConfig::pod_level_resources,
             "PodLevelResources gate.")
      .field("external_metric_fallback", &ControllerConfig::external_metric_fallback,
             "HPAExternalMetricFallback gate.")
      .field("selection_strategy", &ControllerConfig::selection_strategy,
             "HPASelectionStrategy gate.")
      .field("configurable_sync_period", &ControllerConfig::configurable_sync_period,
             "HPAConfigurableSyncPeriod gate.")
      .field("max_sample_age_seconds", &ControllerConfig::max_sample_age,
             "Seconds; a per-pod sample older than this is missing (inf: off).")
      .finish();

  m.def(
      "apply_feature_gates",
      [](const std::string& text, std::optional<ControllerConfig> config) {
        ControllerConfig c = config.value_or(ControllerConfig{});
        RaiseIfError(ApplyFeatureGates(text, &c));
        return c;
      },
      py::arg("text"), py::arg("config") = py::none(),
      "A copy of `config` (default: the defaults) with gates set from "
      "kube-controller-manager's --feature-gates syntax, e.g. "
      "'HPAExternalMetricFallback=true,HPAScaleToZero=false'; ValueError names an "
      "unknown gate or value.");

  // --- pod.h ------------------------------------------------------------------
  m.def("go_zero_time", [] { return TimeToPy(GoZeroTime()); },
        "Go's zero time (0001-01-01T00:00:00Z) as float seconds since the epoch.");
  ValueClass<ResourceList>(m, "ResourceList", "Requests or usage, in milli-units.")
      .field("cpu_milli", &ResourceList::cpu_milli, "Millicores.")
      .field("memory_milli", &ResourceList::memory_milli, "Bytes x 1000.")
      .finish();
  ValueClass<Container>(m, "Container", "A container's requests.")
      .field("name", &Container::name, "Name.")
      .field("requests", &Container::requests, "ResourceList.")
      .field("restart_policy_always", &Container::restart_policy_always,
             "Init containers: a sidecar.")
      .finish();
  ValueClass<ReadyCondition>(m, "ReadyCondition", "A pod's Ready condition.")
      .field("status", &ReadyCondition::status, "ConditionStatus.")
      .field("last_transition_time", &ReadyCondition::last_transition_time,
             "Seconds since the epoch.")
      .finish();
  ValueClass<Pod> pod(m, "Pod", "A pod the target's selector matches.");
  pod.field("name", &Pod::name, "Name.")
      .field("phase", &Pod::phase, "PodPhase.")
      .field("deleted", &Pod::deleted, "deletionTimestamp is set.")
      .field("start_time", &Pod::start_time, "Seconds since the epoch, or None.")
      .field("ready_condition", &Pod::ready, "The Ready condition (ReadyCondition), or None.")
      .field("containers", &Pod::containers, "Containers.")
      .field("init_containers", &Pod::init_containers, "Init containers.")
      .field("pod_requests", &Pod::pod_requests, "Pod-level requests, or None.")
      .field("labels", &Pod::labels, "Labels as (key, value) pairs.")
      .field("owner_references", &Pod::owner_references,
             "metadata.ownerReferences (ObjectReferences), for OwnerReference selection.")
      .finish();
  pod.cls().def_static("ready", &Pod::Ready, py::arg("name"),
                       "A Running pod, Ready=True, started long ago.");
  ValueClass<PodSample>(m, "PodSample", "One per-pod metric value.")
      .field("pod", &PodSample::pod, "Pod name.")
      .field("value_milli", &PodSample::value_milli, "Milli-units.")
      .field("timestamp", &PodSample::timestamp, "Seconds since the epoch.")
      .field("window_seconds", &PodSample::window, "The sample's window, seconds.")
      .finish();
  ValueClass<ContainerUsage>(m, "ContainerUsage", "One container's usage.")
      .field("name", &ContainerUsage::name, "Container name.")
      .field("usage", &ContainerUsage::usage, "ResourceList.")
      .finish();
  ValueClass<PodResourceSample>(m, "PodResourceSample",
                                "Per-container usage of one pod (metrics.k8s.io).")
      .field("pod", &PodResourceSample::pod, "Pod name.")
      .field("timestamp", &PodResourceSample::timestamp, "Seconds since the epoch.")
      .field("window_seconds", &PodResourceSample::window, "Seconds.")
      .field("containers", &PodResourceSample::containers, "ContainerUsage list.")
      .finish();

  // --- conditions.h -----------------------------------------------------------
  ValueClass<Condition> cond(m, "Condition", "An HPA status condition.");
  cond.field("type", &Condition::type, "ConditionType.")
      .field("status", &Condition::status, "True or False.")
      .field("reason", &Condition::reason, "Reason.")
      .field("detail", &Condition::detail, "Message argument (error text, metric name).")
      .field("replicas", &Condition::replicas, "Message argument (SucceededRescale).")
      .finish();
  cond.cls()
      .def_property_readonly("message", &Condition::Message, "Kubernetes' message text.")
      .def_property_readonly(
          "type_name", [](const Condition& c) { return std::string(c.TypeName()); },
          "The type's Kubernetes spelling.")
      .def_property_readonly(
          "reason_name", [](const Condition& c) { return std::string(c.ReasonName()); },
          "The reason's Kubernetes spelling.");

  // --- validation.h -----------------------------------------------------------
  ValueClass<FieldError>(m, "FieldError", "One validation problem.")
      .field("path", &FieldError::path, "Kubernetes field path.")
      .field("message", &FieldError::message, "What is wrong.")
      .finish();
  m.def(
      "validate_spec",
      [](const AutoscalerSpec& spec, const std::optional<ControllerConfig>& config) {
        return ValidateSpec(spec, config.value_or(ControllerConfig{}));
      },
      py::arg("spec"), py::arg("config") = py::none(),
      "Every validation problem of a spec (empty list when valid).");
  m.def(
      "check_spec",
      [](const AutoscalerSpec& spec, const std::optional<ControllerConfig>& config) {
        RaiseIfError(ValidateSpecStatus(spec, config.value_or(ControllerConfig{})));
      },
      py::arg("spec"), py::arg("config") = py::none(),
      "Raises ValueError listing every problem (\"<path>: <message>\") unless valid.");

  // --- selector.h -------------------------------------------------------------
  py::class_<Selector::Requirement>(m, "SelectorRequirement", "One parsed selector requirement.")
      .def_readonly("key", &Selector::Requirement::key)
      .def_readonly("op", &Selector::Requirement::op)
      .def_readonly("values", &Selector::Requirement::values)
      .def("__repr__", [](const Selector::Requirement& r) {
        return "SelectorRequirement(key=" + std::string(py::repr(py::str(r.key))) +
               ", op=" + std::string(py::repr(py::cast(r.op))) +
               ", values=" + std::string(py::repr(py::cast(r.values))) + ")";
      });
  py::class_<Selector>(m, "Selector", "A parsed Kubernetes label selector.")
      .def_static(
          "parse", [](const std::string& text) { return Unwrap(Selector::Parse(text)); },
          py::arg("text"), "Parses \"app=agent,tier in (a,b)\"; ValueError if malformed.")
      .def_static(
          "from_label_selector",
          [](const LabelSelector& s) { return Unwrap(Selector::FromLabelSelector(s)); },
          py::arg("selector"), "From matchLabels and matchExpressions.")
      .def(
          "matches",
          [](const Selector& s, py::handle labels) {
            return s.Matches(Conv<Labels>::Set(labels));
          },
          py::arg("labels"), "Whether labels (a dict or (key, value) pairs) match.")
      .def("empty", &Selector::empty, "True if it selects everything.")
      .def_property_readonly("requirements", &Selector::requirements, "The requirements.")
      .def("__repr__", [](const Selector& s) {
        return "Selector(requirements=" + std::string(py::repr(py::cast(s.requirements()))) + ")";
      });

  // --- replica_calculator.h ---------------------------------------------------
  ValueClass<Tolerances> tol(m, "Tolerances",
                             "The inclusive tolerance band: within when "
                             "1 - scale_down <= ratio <= 1 + scale_up.");
  tol.field("scale_down", &Tolerances::scale_down, "Scale-down tolerance.")
      .field("scale_up", &Tolerances::scale_up, "Scale-up tolerance.")
      .finish();
  tol.cls().def("is_within", &Tolerances::IsWithin, py::arg("ratio"),
                "Whether a usage ratio is within the band.");
  ValueClass<ReadinessConfig>(m, "ReadinessConfig", "The CPU-only readiness windows.")
      .field("cpu_initialization_period_seconds", &ReadinessConfig::cpu_initialization_period,
             "Seconds.")
      .field("initial_readiness_delay_seconds", &ReadinessConfig::initial_readiness_delay,
             "Seconds.")
      .finish();
  ValueClass<ResourceReplicas>(m, "ResourceReplicas", "A Utilization proposal.")
      .field("replicas", &ResourceReplicas::replicas, "Proposed replicas.")
      .field("utilization", &ResourceReplicas::utilization, "Integer percent of request.")
      .field("raw_average_milli", &ResourceReplicas::raw_average_milli,
             "Average usage per sampled pod.")
      .finish();
  ValueClass<MetricReplicas>(m, "MetricReplicas", "A plain (AverageValue / Value) proposal.")
      .field("replicas", &MetricReplicas::replicas, "Proposed replicas.")
      .field("usage_milli", &MetricReplicas::usage_milli, "The status value, milli-units.")
      .finish();

  m.def(
      "sum_resource_samples",
      [](ResourceName resource, const std::string& container,
         const std::vector<PodResourceSample>& samples) {
        std::vector<PodSample> out;
        SumResourceSamples(resource, container, samples, &out);
        return out;
      },
      py::arg("resource"), py::arg("container"), py::arg("samples"),
      "Per-container usage summed into one PodSample per pod.");
  m.def("per_pod_usage", &PerPodUsage, py::arg("usage_milli"), py::arg("status_replicas"),
        "ceil(usage / status_replicas); 0 when status_replicas is 0.");
  m.def(
      "sum_external_values",
      [](const std::vector<int64_t>& v) { return SumExternalValues(v); },
      py::arg("values_milli"), "Sum of external series, pinned at INT64_MAX.");
  m.def(
      "ceil_to_int32",
      [](double x) {
        if (std::isnan(x)) throw py::value_error("ceil_to_int32: x is NaN");
        return CeilToInt32(x);
      },
      py::arg("x"), "ceil(x) saturated to int32; ValueError for NaN.");

  py::class_<ReplicaCalculator>(m, "ReplicaCalculator",
                                "The per-metric replica proposal of the Kubernetes HPA. "
                                "Not for concurrent use from several threads.")
      .def(py::init([](const std::optional<ReadinessConfig>& r) {
             return ReplicaCalculator(r.value_or(ReadinessConfig{}));
           }),
           py::arg("readiness") = py::none())
      .def_property_readonly("readiness", &ReplicaCalculator::readiness)
      .def(
          "group_pods",
          [](ReplicaCalculator& c, py::handle pods, py::handle samples, py::handle resource,
             py::handle now) {
            std::vector<PodGroup> groups;
            int ready = 0;
            RaiseIfError(c.GroupPods(PodsArg(pods), SamplesArg(samples), OptResource(resource),
                                     TimeFromPy(now), &groups, &ready));
            return std::make_tuple(groups, ready);
          },
          py::arg("pods"), py::arg("samples"), py::arg("resource"), py::arg("now"),
          "Classifies each pod; returns (groups, ready_count).")
      .def_static(
          "calculate_requests",
          [](py::handle pods, ResourceName resource, const std::string& container,
             bool pod_level_resources) {
            std::vector<int64_t> requests;
            RaiseIfError(ReplicaCalculator::CalculateRequests(PodsArg(pods), resource, container,
                                                              pod_level_resources, &requests));
            return requests;
          },
          py::arg("pods"), py::arg("resource"), py::arg("container") = "",
          py::arg("pod_level_resources") = true, "Each pod's request for a resource (milli).")
      .def(
          "resource_utilization",
          [](ReplicaCalculator& c, int32_t current_replicas, int32_t target_percent,
             ResourceName resource, const std::string& container, const Tolerances& tolerances,
             py::handle pods, py::handle samples, py::handle now, bool pod_level_resources) {
            return Unwrap(c.ResourceUtilization(current_replicas, target_percent, resource,
                                                container, tolerances, PodsArg(pods),
                                                SamplesArg(samples), TimeFromPy(now),
                                                pod_level_resources));
          },
          py::arg("current_replicas"), py::arg("target_percent"), py::arg("resource"),
          py::arg("container"), py::arg("tolerances"), py::arg("pods"), py::arg("samples"),
          py::arg("now"), py::arg("pod_level_resources") = true,
          "Resource/ContainerResource Utilization proposal (spec 4.1).")
      .def(
          "average_value",
          [](ReplicaCalculator& c, int32_t current_replicas, int64_t target_milli,
             py::handle resource, const Tolerances& tolerances, py::handle pods,
             py::handle samples, py::handle now) {
            return Unwrap(c.AverageValue(current_replicas, target_milli, OptResource(resource),
                                         tolerances, PodsArg(pods), SamplesArg(samples),
                                         TimeFromPy(now)));
          },
          py::arg("current_replicas"), py::arg("target_milli"), py::arg("resource"),
          py::arg("tolerances"), py::arg("pods"), py::arg("samples"), py::arg("now"),
          "Pods metrics (resource None) and Resource AverageValue targets (spec 4.2/4.3).")
      .def_static(
          "object_value",
          [](int32_t current_replicas, int64_t target_milli, int64_t value_milli,
             const Tolerances& tolerances, py::handle pods) {
            return Unwrap(ReplicaCalculator::ObjectValue(current_replicas, target_milli,
                                                         value_milli, tolerances, PodsArg(pods)));
          },
          py::arg("current_replicas"), py::arg("target_milli"), py::arg("value_milli"),
          py::arg("tolerances"), py::arg("pods"), "Object metric, Value target (spec 4.4).")
      .def_static("object_average_value", &ReplicaCalculator::ObjectAverageValue,
                  py::arg("status_replicas"), py::arg("target_average_milli"),
                  py::arg("value_milli"), py::arg("tolerances"),
                  "Object metric, AverageValue target (spec 4.5).")
      .def_static(
          "external_value",
          [](int32_t current_replicas, int64_t target_milli, const std::vector<int64_t>& values,
             const Tolerances& tolerances, py::handle pods) {
            return Unwrap(ReplicaCalculator::ExternalValue(current_replicas, target_milli, values,
                                                           tolerances, PodsArg(pods)));
          },
          py::arg("current_replicas"), py::arg("target_milli"), py::arg("values_milli"),
          py::arg("tolerances"), py::arg("pods"), "External metric, Value target (spec 4.6).")
      .def_static(
          "external_average_value",
          [](int32_t status_replicas, int64_t target_average_milli,
             const std::vector<int64_t>& values, const Tolerances& tolerances) {
            return Unwrap(ReplicaCalculator::ExternalAverageValue(
                status_replicas, target_average_milli, values, tolerances));
          },
          py::arg("status_replicas"), py::arg("target_average_milli"), py::arg("values_milli"),
          py::arg("tolerances"), "External metric, AverageValue target (spec 4.7).");

  // --- normalize.h ------------------------------------------------------------
  ValueClass<Recommendation>(m, "Recommendation", "One recommendation-history entry.")
      .field("replicas", &Recommendation::replicas, "Unstabilized desired count.")
      .field("timestamp", &Recommendation::timestamp, "Seconds since the epoch.")
      .finish();
  ValueClass<ScaleEvent>(m, "ScaleEvent", "One applied rescale in one direction.")
      .field("replica_change", &ScaleEvent::replica_change, ">= 0.")
      .field("timestamp", &ScaleEvent::timestamp, "Seconds since the epoch.")
      .field("outdated", &ScaleEvent::outdated, "Older than the longest policy period.")
      .finish();
  ValueClass<Limited>(m, "Limited", "A normalized count and its ScalingLimited reason.")
      .field("replicas", &Limited::replicas, "Replicas.")
      .field("reason", &Limited::reason, "Reason.")
      .finish();
  using Recs = std::vector<Recommendation>;
  using Events = std::vector<ScaleEvent>;
  m.def(
      "stabilize_legacy",
      [](py::handle now, py::handle window_seconds, int32_t desired, Recs history) {
        int32_t r = StabilizeLegacy(TimeFromPy(now), DurationFromPy(window_seconds), desired,
                                    &history);
        return std::make_tuple(r, history);
      },
      py::arg("now"), py::arg("window_seconds"), py::arg("desired"), py::arg("history"),
      "Legacy stabilization (spec 6.1); returns (replicas, updated history).");
  m.def("convert_with_legacy_rules", &ConvertWithLegacyRules, py::arg("current"),
        py::arg("desired"), py::arg("min_replicas"), py::arg("max_replicas"),
        py::arg("scale_up_limit_factor") = 2.0, py::arg("scale_up_limit_minimum") = 4.0,
        "The legacy clamp (spec 6.3).");
  m.def(
      "stabilize_with_behavior",
      [](py::handle now, py::handle up_window_seconds, py::handle down_window_seconds,
         int32_t current, int32_t desired, Recs history) {
        int32_t r = StabilizeWithBehavior(TimeFromPy(now), DurationFromPy(up_window_seconds),
                                          DurationFromPy(down_window_seconds), current, desired,
                                          &history);
        return std::make_tuple(r, history);
      },
      py::arg("now"), py::arg("up_window_seconds"), py::arg("down_window_seconds"),
      py::arg("current"), py::arg("desired"), py::arg("history"),
      "Behavior stabilization (spec 7.2); returns (replicas, updated history).");
  m.def(
      "replicas_change_in_period",
      [](py::handle now, py::handle period_seconds, const Events& events) {
        return ReplicasChangeInPeriod(TimeFromPy(now), DurationFromPy(period_seconds), events);
      },
      py::arg("now"), py::arg("period_seconds"), py::arg("events"),
      "Sum of replica_change of events after now - period.");
  m.def(
      "scale_up_limit",
      [](py::handle now, int32_t current, const Events& up, const Events& down,
         const ScalingRules& rules) {
        return ScaleUpLimit(TimeFromPy(now), current, up, down, rules);
      },
      py::arg("now"), py::arg("current"), py::arg("up_events"), py::arg("down_events"),
      py::arg("rules"), "The scale-up policy limit (spec 7.4).");
  m.def(
      "scale_down_limit",
      [](py::handle now, int32_t current, const Events& up, const Events& down,
         const ScalingRules& rules) {
        return ScaleDownLimit(TimeFromPy(now), current, up, down, rules);
      },
      py::arg("now"), py::arg("current"), py::arg("up_events"), py::arg("down_events"),
      py::arg("rules"), "The scale-down policy limit (spec 7.4).");
  m.def(
      "convert_with_behavior_rate",
      [](py::handle now, int32_t current, int32_t stabilized, int32_t min_replicas,
         int32_t max_replicas, const ScalingRules& scale_up, const ScalingRules& scale_down,
         const Events& up, const Events& down) {
        return ConvertWithBehaviorRate(TimeFromPy(now), current, stabilized, min_replicas,
                                       max_replicas, scale_up, scale_down, up, down);
      },
      py::arg("now"), py::arg("current"), py::arg("stabilized"), py::arg("min_replicas"),
      py::arg("max_replicas"), py::arg("scale_up"), py::arg("scale_down"), py::arg("up_events"),
      py::arg("down_events"), "Rate limits and the min/max clamp (spec 7.3).");
  m.def(
      "store_scale_event",
      [](py::handle now, const ScalingRules& rules, int32_t prev, int32_t next, Events events) {
        StoreScaleEvent(TimeFromPy(now), rules, prev, next, &events);
        return events;
      },
      py::arg("now"), py::arg("rules"), py::arg("prev"), py::arg("next"), py::arg("events"),
      "Records a rescale prev -> next (spec 7.5); returns the updated event list.");
}

}  // namespace agentscale::python
