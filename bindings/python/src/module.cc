// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: the module definition, the status -> exception mapping,
// time conversions, enums, quantities, manifests and presets.

#include <cerrno>
#include <cmath>
#include <string>

#include "agentscale/config/grid.h"
#include "agentscale/config/lint.h"
#include "agentscale/config/manifest.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/quantity.h"
#include "agentscale/observation.h"
#include "common.h"

#ifndef AGENTSCALE_VERSION
#define AGENTSCALE_VERSION "0.0.0"
#endif

namespace agentscale::python {
py::object g_error_type;

namespace {

struct CodeName {
  absl::StatusCode code;
  const char* name;
};
constexpr CodeName kCodes[] = {
    {absl::StatusCode::kOk, "OK"},
    {absl::StatusCode::kCancelled, "CANCELLED"},
    {absl::StatusCode::kUnknown, "UNKNOWN"},
    {absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT"},
    {absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED"},
    {absl::StatusCode::kNotFound, "NOT_FOUND"},
    {absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS"},
    {absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED"},
    {absl::StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED"},
    {absl::StatusCode::kFailedPrecondition, "FAILED_PRECONDITION"},
    {absl::StatusCode::kAborted, "ABORTED"},
    {absl::StatusCode::kOutOfRange, "OUT_OF_RANGE"},
    {absl::StatusCode::kUnimplemented, "UNIMPLEMENTED"},
    {absl::StatusCode::kInternal, "INTERNAL"},
    {absl::StatusCode::kUnavailable, "UNAVAILABLE"},
    {absl::StatusCode::kDataLoss, "DATA_LOSS"},
    {absl::StatusCode::kUnauthenticated, "UNAUTHENTICATED"},
};

}  // namespace

std::string StatusCodeName(absl::StatusCode code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c.name;
  }
  return "UNKNOWN";
}

absl::StatusCode StatusCodeFromName(const std::string& name) {
  for (const auto& c : kCodes) {
    if (name == c.name) return c.code;
  }
  return absl::StatusCode::kUnknown;
}

py::handle ErrorType() { return g_error_type; }

void RaiseStatus(const absl::Status& status, NotFoundAs not_found) {
  const std::string msg(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: {
      // The loaders reject invalid UTF-8 themselves; should a message still
      // carry some (a byte of user input quoted in it), the user sees the
      // library's ValueError with the byte escaped, not UnicodeDecodeError.
      py::object text = py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(
          msg.data(), static_cast<Py_ssize_t>(msg.size()), "backslashreplace"));
      if (!text) throw py::error_already_set();
      PyErr_SetObject(PyExc_ValueError, text.ptr());
      throw py::error_already_set();
    }
    case absl::StatusCode::kNotFound:
      if (not_found == NotFoundAs::kKey) {
        throw py::key_error(msg);
      }
      PyErr_SetObject(PyExc_FileNotFoundError,
                      py::make_tuple(ENOENT, msg).ptr());
      throw py::error_already_set();
    default: {
      py::object exc = g_error_type(msg);
      exc.attr("code") = StatusCodeName(status.code());
      PyErr_SetObject(g_error_type.ptr(), exc.ptr());
      throw py::error_already_set();
    }
  }
}

namespace {
// A plain float or int: no datetime lookup (per-call paths such as
// SeriesStore.append() pass one on every call).
bool IsPlainNumber(py::handle h) {
  return PyFloat_CheckExact(h.ptr()) || PyLong_CheckExact(h.ptr());
}
}  // namespace

absl::Time TimeFromPy(py::handle h) {
  if (!IsPlainNumber(h)) {
    py::module_ datetime = py::module_::import("datetime");
    if (py::isinstance(h, datetime.attr("datetime"))) {
      py::object dt = py::reinterpret_borrow<py::object>(h);
      py::object utc = datetime.attr("timezone").attr("utc");
      if (dt.attr("tzinfo").is_none()) dt = dt.attr("replace")(py::arg("tzinfo") = utc);
      py::object epoch = datetime.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = utc);
      py::object delta = dt - epoch;
      return absl::UnixEpoch() + absl::Hours(24) * delta.attr("days").cast<int64_t>() +
             absl::Seconds(delta.attr("seconds").cast<int64_t>()) +
             absl::Microseconds(delta.attr("microseconds").cast<int64_t>());
    }
  }
  if (py::isinstance<py::bool_>(h) ||
      !(py::isinstance<py::float_>(h) || py::isinstance<py::int_>(h) ||
        py::hasattr(h, "__float__"))) {
    throw py::type_error("a time must be float seconds since the Unix epoch or a datetime, got " +
                         std::string(py::str(py::type::of(h).attr("__name__"))));
  }
  const double x = py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>();
  if (std::isnan(x)) throw py::value_error("a time cannot be NaN");
  if (std::isinf(x)) return x > 0 ? absl::InfiniteFuture() : absl::InfinitePast();
  if (std::fabs(x) > 9.0e15) throw py::value_error("time out of range");
  const double s = std::floor(x);
  const int64_t us = std::llround((x - s) * 1e6);
  return absl::FromUnixSeconds(static_cast<int64_t>(s)) + absl::Microseconds(us);
}

absl::string_view TextArg(py::handle h, const char* what) {
  if (PyUnicode_Check(h.ptr())) {
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(h.ptr(), &n);
    if (p == nullptr) throw py::error_already_set();
    return absl::string_view(p, static_cast<size_t>(n));
  }
  if (PyBytes_Check(h.ptr())) {
    return absl::string_view(PyBytes_AS_STRING(h.ptr()),
                             static_cast<size_t>(PyBytes_GET_SIZE(h.ptr())));
  }
  throw py::type_error(std::string(what) + ": expected str or bytes, got " +
                       std::string(py::str(py::type::of(h).attr("__name__"))));
}

double TimeToPy(absl::Time t) {
  if (t == absl::InfiniteFuture()) return INFINITY;
  if (t == absl::InfinitePast()) return -INFINITY;
  const int64_t s = absl::ToUnixSeconds(t);  // floor
  const int64_t ns = absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s));
  return static_cast<double>(s) + static_cast<double>(ns) / 1e9;
}

absl::Duration DurationFromPy(py::handle h) {
  if (!IsPlainNumber(h)) {
    py::module_ datetime = py::module_::import("datetime");
    if (py::isinstance(h, datetime.attr("timedelta"))) {
      return absl::Hours(24) * h.attr("days").cast<int64_t>() +
             absl::Seconds(h.attr("seconds").cast<int64_t>()) +
             absl::Microseconds(h.attr("microseconds").cast<int64_t>());
    }
  }
  if (py::isinstance<py::bool_>(h) ||
      !(py::isinstance<py::float_>(h) || py::isinstance<py::int_>(h) ||
        py::hasattr(h, "__float__"))) {
    throw py::type_error("a duration must be float seconds or a timedelta, got " +
                         std::string(py::str(py::type::of(h).attr("__name__"))));
  }
  const double x = py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>();
  if (std::isnan(x)) throw py::value_error("a duration cannot be NaN");
  if (std::isinf(x)) return x > 0 ? absl::InfiniteDuration() : -absl::InfiniteDuration();
  if (std::fabs(x) > 9.0e9) throw py::value_error("duration out of range");
  return absl::Nanoseconds(std::llround(x * 1e9));
}

double DurationToPy(absl::Duration d) { return absl::ToDoubleSeconds(d); }

void BindEnums(py::module_& m) {
  using namespace hpa;  // NOLINT
  BindEnum<MetricSourceType>(
      m, "MetricSourceType", "autoscaling/v2 MetricSourceType.",
      {{MetricSourceType::kResource, "RESOURCE", "Resource"},
       {MetricSourceType::kContainerResource, "CONTAINER_RESOURCE", "ContainerResource"},
       {MetricSourceType::kPods, "PODS", "Pods"},
       {MetricSourceType::kObject, "OBJECT", "Object"},
       {MetricSourceType::kExternal, "EXTERNAL", "External"},
       {MetricSourceType::kUnknown, "UNKNOWN", "Unknown"}});
  BindEnum<MetricTargetType>(m, "MetricTargetType", "autoscaling/v2 MetricTargetType.",
                             {{MetricTargetType::kUtilization, "UTILIZATION", "Utilization"},
                              {MetricTargetType::kValue, "VALUE", "Value"},
                              {MetricTargetType::kAverageValue, "AVERAGE_VALUE", "AverageValue"}});
  BindEnum<ResourceName>(m, "ResourceName", "Resources the resource metrics API reports.",
                         {{ResourceName::kCpu, "CPU", "cpu"},
                          {ResourceName::kMemory, "MEMORY", "memory"}});
  BindEnum<PolicyType>(m, "PolicyType", "HPAScalingPolicyType.",
                       {{PolicyType::kPods, "PODS", "Pods"},
                        {PolicyType::kPercent, "PERCENT", "Percent"}});
  BindEnum<SelectPolicy>(m, "SelectPolicy", "ScalingPolicySelect.",
                         {{SelectPolicy::kMax, "MAX", "Max"},
                          {SelectPolicy::kMin, "MIN", "Min"},
                          {SelectPolicy::kDisabled, "DISABLED", "Disabled"}});
  BindEnum<hpa::SelectionStrategy>(
      m, "SelectionStrategy", "spec.selectionStrategy (HPASelectionStrategy).",
      {{hpa::SelectionStrategy::kLabelSelector, "LABEL_SELECTOR", "LabelSelector"},
       {hpa::SelectionStrategy::kOwnerReference, "OWNER_REFERENCE", "OwnerReference"}});
  BindEnum<PodPhase>(m, "PodPhase", "A pod's phase.",
                     {{PodPhase::kPending, "PENDING", "Pending"},
                      {PodPhase::kRunning, "RUNNING", "Running"},
                      {PodPhase::kSucceeded, "SUCCEEDED", "Succeeded"},
                      {PodPhase::kFailed, "FAILED", "Failed"},
                      {PodPhase::kUnknown, "UNKNOWN", "Unknown"}});
  BindEnum<ConditionStatus>(m, "ConditionStatus", "A pod condition's status.",
                            {{ConditionStatus::kTrue, "TRUE", "True"},
                             {ConditionStatus::kFalse, "FALSE", "False"},
                             {ConditionStatus::kUnknown, "UNKNOWN", "Unknown"}});
  BindEnum<ConditionType>(m, "ConditionType", "HPA status condition types.",
                          {{ConditionType::kAbleToScale, "ABLE_TO_SCALE", "AbleToScale"},
                           {ConditionType::kScalingActive, "SCALING_ACTIVE", "ScalingActive"},
                           {ConditionType::kScalingLimited, "SCALING_LIMITED", "ScalingLimited"},
                           {ConditionType::kScaledToZero, "SCALED_TO_ZERO", "ScaledToZero"},
                           {ConditionType::kExternalMetricFallbackActive,
                            "EXTERNAL_METRIC_FALLBACK_ACTIVE", "ExternalMetricFallbackActive"}});
  BindEnum<Reason>(
      m, "Reason",
      "Kubernetes' HPA condition reasons (NONE: no reason). The integer value of "
      "each member is the code used in evaluate_series()'s reason arrays.",
      {{Reason::kNone, "NONE", ""},
       {Reason::kSucceededGetScale, "SUCCEEDED_GET_SCALE", "SucceededGetScale"},
       {Reason::kFailedGetScale, "FAILED_GET_SCALE", "FailedGetScale"},
       {Reason::kReadyForNewScale, "READY_FOR_NEW_SCALE", "ReadyForNewScale"},
       {Reason::kScaleDownStabilized, "SCALE_DOWN_STABILIZED", "ScaleDownStabilized"},
       {Reason::kScaleUpStabilized, "SCALE_UP_STABILIZED", "ScaleUpStabilized"},
       {Reason::kSucceededRescale, "SUCCEEDED_RESCALE", "SucceededRescale"},
       {Reason::kFailedUpdateScale, "FAILED_UPDATE_SCALE", "FailedUpdateScale"},
       {Reason::kValidMetricFound, "VALID_METRIC_FOUND", "ValidMetricFound"},
       {Reason::kScalingDisabled, "SCALING_DISABLED", "ScalingDisabled"},
       {Reason::kInvalidSelector, "INVALID_SELECTOR", "InvalidSelector"},
       {Reason::kAmbiguousSelector, "AMBIGUOUS_SELECTOR", "AmbiguousSelector"},
       {Reason::kFailedGetResourceMetric, "FAILED_GET_RESOURCE_METRIC", "FailedGetResourceMetric"},
       {Reason::kFailedGetContainerResourceMetric, "FAILED_GET_CONTAINER_RESOURCE_METRIC",
        "FailedGetContainerResourceMetric"},
       {Reason::kFailedGetPodsMetric, "FAILED_GET_PODS_METRIC", "FailedGetPodsMetric"},
       {Reason::kFailedGetObjectMetric, "FAILED_GET_OBJECT_METRIC", "FailedGetObjectMetric"},
       {Reason::kFailedGetExternalMetric, "FAILED_GET_EXTERNAL_METRIC", "FailedGetExternalMetric"},
       {Reason::kInvalidMetricSourceType, "INVALID_METRIC_SOURCE_TYPE", "InvalidMetricSourceType"},
       {Reason::kDesiredWithinRange, "DESIRED_WITHIN_RANGE", "DesiredWithinRange"},
       {Reason::kTooManyReplicas, "TOO_MANY_REPLICAS", "TooManyReplicas"},
       {Reason::kTooFewReplicas, "TOO_FEW_REPLICAS", "TooFewReplicas"},
       {Reason::kScaleUpLimit, "SCALE_UP_LIMIT", "ScaleUpLimit"},
       {Reason::kScaleDownLimit, "SCALE_DOWN_LIMIT", "ScaleDownLimit"},
       {Reason::kScaledToZero, "SCALED_TO_ZERO", "ScaledToZero"},
       {Reason::kNotScaledToZero, "NOT_SCALED_TO_ZERO", "NotScaledToZero"},
       {Reason::kFallbackActive, "FALLBACK_ACTIVE", "FallbackActive"},
       {Reason::kNoFallbackActive, "NO_FALLBACK_ACTIVE", "NoFallbackActive"}});
  BindEnum<PodGroup>(m, "PodGroup", "How the replica calculator classifies a pod.",
                     {{PodGroup::kReady, "READY", "Ready"},
                      {PodGroup::kUnready, "UNREADY", "Unready"},
                      {PodGroup::kMissing, "MISSING", "Missing"},
                      {PodGroup::kIgnored, "IGNORED", "Ignored"}});
  BindEnum<Selector::Op>(m, "SelectorOp", "A label selector requirement's operator.",
                         {{Selector::Op::kEquals, "EQUALS", "="},
                          {Selector::Op::kNotEquals, "NOT_EQUALS", "!="},
                          {Selector::Op::kIn, "IN", "in"},
                          {Selector::Op::kNotIn, "NOT_IN", "notin"},
                          {Selector::Op::kExists, "EXISTS", "exists"},
                          {Selector::Op::kDoesNotExist, "DOES_NOT_EXIST", "!"}});
  BindEnum<DecisionPath>(
      m, "DecisionPath", "Which branch of the reconcile produced a decision.",
      {{DecisionPath::kMetrics, "METRICS", "metrics"},
       {DecisionPath::kAboveMax, "ABOVE_MAX", "above-max"},
       {DecisionPath::kBelowMin, "BELOW_MIN", "below-min"},
       {DecisionPath::kScalingDisabled, "SCALING_DISABLED", "scaling-disabled"},
       {DecisionPath::kMetricsFailed, "METRICS_FAILED", "metrics-failed"},
       {DecisionPath::kSelectorInvalid, "SELECTOR_INVALID", "selector-invalid"},
       {DecisionPath::kScaleTargetError, "SCALE_TARGET_ERROR", "scale-target-error"},
       {DecisionPath::kFamily, "FAMILY", "family"}});
}

namespace {
// A path argument: str or os.PathLike.
std::string PathArg(py::handle h) {
  return py::str(py::module_::import("os").attr("fspath")(h)).cast<std::string>();
}
}  // namespace

// Lint findings as the dicts Python's agentscale.lint turns into Findings.
static py::list FindingsToPy(const std::vector<config::LintFinding>& findings) {
  py::list out;
  for (const config::LintFinding& f : findings) {
    py::dict d;
    d["rule"] = f.rule;
    d["autoscaler"] = f.autoscaler;
    d["field"] = f.field;
    d["message"] = f.message;
    d["severity"] = f.severity;
    d["location"] = f.location;
    out.append(d);
  }
  return out;
}

// A copy of `spec` (an HPA or a ScaledObject) with one sweep setting: text
// for select policies, a number for the rest, never a bool.
template <typename Spec>
Spec WithGridSetting(const Spec& spec, const std::string& key, py::handle value) {
  Spec out = spec;
  if (py::isinstance<py::str>(value)) {
    RaiseIfError(config::ApplyGridSetting(key, value.cast<std::string>(), &out));
  } else if (py::isinstance<py::bool_>(value)) {
    throw py::type_error("grid key \"" + key + "\": takes a number, not a bool");
  } else {
    RaiseIfError(config::ApplyGridSetting(key, value.cast<double>(), &out));
  }
  return out;
}

void BindConfig(py::module_& m) {
  ValueClass<config::SkippedDocument>(m, "SkippedDocument",
                                      "A manifest document that was not an HPA.")
      .field("index", &config::SkippedDocument::index, "0-based position in the stream.")
      .field("api_version", &config::SkippedDocument::api_version, "apiVersion.")
      .field("kind", &config::SkippedDocument::kind, "kind.")
      .field("name", &config::SkippedDocument::name, "metadata.name ('' if absent).")
      .field("line", &config::SkippedDocument::line, "1-based line where it starts.")
      .finish();
  ValueClass<config::ManifestDocument>(m, "ManifestDocument",
                                       "One document of a YAML stream, classified.")
      .field("index", &config::ManifestDocument::index, "0-based position in the stream.")
      .field("line", &config::ManifestDocument::line, "1-based line where it starts.")
      .field("api_version", &config::ManifestDocument::api_version, "apiVersion.")
      .field("kind", &config::ManifestDocument::kind,
             "kind (HorizontalPodAutoscaler for Helm values).")
      .field("name", &config::ManifestDocument::name,
             "metadata.name, or the name a Helm values block's spec gets.")
      .field("namespace_name", &config::ManifestDocument::namespace_name,
             "metadata.namespace ('' if absent).")
      .field("helm_values", &config::ManifestDocument::helm_values,
             "A Helm values document with an hpa: block.")
      .field("loadable", &config::ManifestDocument::loadable,
             "The loader reads it (else it is skipped).")
      .finish();
  ValueClass<config::LoadedManifests>(m, "LoadedManifests",
                                      "Every HPA of a YAML stream, validated.")
      .field("source", &config::LoadedManifests::source, "File name used in messages.")
      .field("autoscalers", &config::LoadedManifests::autoscalers,
             "The AutoscalerSpecs, in document order.")
      .field("skipped", &config::LoadedManifests::skipped, "Documents of other kinds.")
      .field("scaled_objects", &config::LoadedManifests::scaled_objects,
             "KEDA ScaledObjectSpecs, in document order.")
      .field("scaled_jobs", &config::LoadedManifests::scaled_jobs,
             "KEDA ScaledJobSpecs, in document order.")
      .field("warnings", &config::LoadedManifests::warnings,
             "file:line:col: field: message for what loads but deserves a look.")
      .field("metrics_defaulted", &config::LoadedManifests::metrics_defaulted,
             "Parallel to autoscalers: True where the manifest named no metrics and "
             "Kubernetes' default (Resource cpu Utilization 80) was applied.")
      .finish();

  // The options every lint entry point takes, seconds as float.
  struct LintArgs {
    static config::LintOptions Make(int32_t slots,
                                    const std::optional<hpa::ControllerConfig>& config,
                                    const std::optional<double>& metrics_window_seconds,
                                    const std::optional<double>& startup_delay_seconds) {
      config::LintOptions o;
      o.slots = slots;
      if (config) o.config = *config;
      auto seconds = [](const char* name, double s) {
        if (!std::isfinite(s) || s < 0) {
          throw py::value_error(std::string(name) + ": must be a finite number of seconds >= 0");
        }
        return absl::Seconds(s);
      };
      if (metrics_window_seconds) {
        o.metrics_window = seconds("metrics_window_seconds", *metrics_window_seconds);
      }
      if (startup_delay_seconds) {
        o.startup_delay = seconds("startup_delay_seconds", *startup_delay_seconds);
      }
      return o;
    }
  };
  m.def(
      "lint_spec",
      [](const hpa::AutoscalerSpec& spec, int32_t slots,
         const std::optional<hpa::ControllerConfig>& config,
         std::optional<double> metrics_window_seconds, std::optional<double> startup_delay_seconds,
         bool metrics_defaulted) {
        config::LintOptions o =
            LintArgs::Make(slots, config, metrics_window_seconds, startup_delay_seconds);
        o.metrics_defaulted = metrics_defaulted;
        return FindingsToPy(config::LintSpec(spec, o));
      },
      py::arg("spec"), py::kw_only(), py::arg("slots") = 100, py::arg("config") = py::none(),
      py::arg("metrics_window_seconds") = py::none(),
      py::arg("startup_delay_seconds") = py::none(), py::arg("metrics_defaulted") = false,
      "The lint findings for one validated spec (config/lint.h), as dicts with "
      "rule, autoscaler, field, message, severity and location. "
      "metrics_window_seconds: the window the metrics are averaged over (default: "
      "the seed's adapter window for Pods/Object/External metrics); "
      "startup_delay_seconds: how long an agent takes to start (default: the agent "
      "model's); metrics_defaulted: the spec's metrics are the loader's default "
      "(LoadedManifests.metrics_defaulted).");
  m.def(
      "lint_scaled_object",
      [](const keda::ScaledObjectSpec& so, int32_t slots,
         const std::optional<hpa::ControllerConfig>& config, py::handle now,
         std::optional<double> metrics_window_seconds,
         std::optional<double> startup_delay_seconds) {
        config::LintOptions o =
            LintArgs::Make(slots, config, metrics_window_seconds, startup_delay_seconds);
        if (!now.is_none()) o.now = TimeFromPy(now);
        return FindingsToPy(config::LintScaledObject(so, o));
      },
      py::arg("scaled_object"), py::kw_only(), py::arg("slots") = 100,
      py::arg("config") = py::none(), py::arg("now") = py::none(),
      py::arg("metrics_window_seconds") = py::none(),
      py::arg("startup_delay_seconds") = py::none(),
      "The lint findings for one validated KEDA ScaledObject (config/lint.h): "
      "KEDA's rules, then the HPA rules on the HPA it generates. now (Unix "
      "seconds or a datetime; default: now) starts the year keda-cron-dst "
      "looks at.");
  m.def(
      "lint_manifests",
      [](const config::LoadedManifests& loaded, int32_t slots,
         const std::optional<hpa::ControllerConfig>& config,
         std::optional<double> metrics_window_seconds,
         std::optional<double> startup_delay_seconds) {
        config::LintReport r = Unwrap(config::LintManifests(
            loaded, LintArgs::Make(slots, config, metrics_window_seconds, startup_delay_seconds)));
        return FindingsToPy(r.findings);
      },
      py::arg("loaded"), py::kw_only(), py::arg("slots") = 100, py::arg("config") = py::none(),
      py::arg("metrics_window_seconds") = py::none(),
      py::arg("startup_delay_seconds") = py::none(),
      "The findings for every HPA and ScaledObject of a loaded manifest (each HPA "
      "with its metrics_defaulted flag), the loader's warnings first as rule "
      "load-warning. ValueError when there is neither an HPA nor a ScaledObject.");
  m.def(
      "lint_file",
      [](py::handle path, int32_t slots, const std::optional<hpa::ControllerConfig>& config,
         std::optional<double> metrics_window_seconds,
         std::optional<double> startup_delay_seconds, bool strict,
         const std::optional<std::string>& name) {
        config::LoadOptions load;
        load.strict = strict;
        if (name) load.name = *name;
        if (config) load.config = *config;
        config::LintReport r = Unwrap(config::LintFile(
            PathArg(path), load,
            LintArgs::Make(slots, config, metrics_window_seconds, startup_delay_seconds)));
        py::dict d;
        d["source"] = r.source;
        d["kind"] = r.kind;
        d["objects"] = r.objects;
        d["findings"] = FindingsToPy(r.findings);
        return d;
      },
      py::arg("path"), py::kw_only(), py::arg("slots") = 100, py::arg("config") = py::none(),
      py::arg("metrics_window_seconds") = py::none(),
      py::arg("startup_delay_seconds") = py::none(), py::arg("strict") = true,
      py::arg("name") = py::none(),
      "Lints one file (config/lint.h, LintFile): a Prometheus rule file (a "
      "top-level groups key) or a manifest, loaded strictly or leniently (strict) "
      "and, with name, only that object. A dict with source, kind "
      "('manifest' or 'prometheus-rules'), objects (the names linted) and "
      "findings (a lenient load's fills as load-warning). ValueError names "
      "file:line:column and the field; a missing file is FileNotFoundError.");
  m.def("count_changes_instead", &config::CountChangesInstead, py::arg("expr"),
        "A PromQL expression with increase()/rate()/irate() over a gauge "
        "(kube_hpa_*, kube_horizontalpodautoscaler_*, replica gauges) replaced by "
        "changes(); the expression itself when there is none.");
  m.def(
      "time_to_max_replicas",
      [](const hpa::AutoscalerSpec& spec, const std::optional<hpa::ControllerConfig>& config,
         double horizon_seconds) {
        config::ScaleUpProbe p = Unwrap(config::TimeToMaxReplicas(
            spec, config.value_or(hpa::ControllerConfig{}), absl::Seconds(horizon_seconds)));
        py::object at = p.time_to_max.has_value()
                            ? py::object(py::float_(absl::ToDoubleSeconds(*p.time_to_max)))
                            : py::object(py::none());
        return py::make_tuple(at, p.reached);
      },
      py::arg("spec"), py::arg("config") = py::none(), py::arg("horizon_seconds") = 600.0,
      "(seconds from minReplicas to maxReplicas under unbounded demand, or None "
      "if not within the horizon; the replicas reached by then).");
  m.def("is_scaled_object_grid_key", &config::IsScaledObjectGridKey, py::arg("key"),
        "Whether a sweep grid key edits a KEDA ScaledObject (else it is a simulation option).");
  m.def(
      "apply_grid_setting",
      [](const keda::ScaledObjectSpec& so, const std::string& key, py::handle value) {
        return WithGridSetting(so, key, value);
      },
      py::arg("spec"), py::arg("key"), py::arg("value"),
      "A copy of a ScaledObject with one sweep setting applied (config/grid.h): "
      "target[:<trigger>], activation[:<trigger>], min/max_replicas, "
      "polling_interval_seconds, cooldown_period_seconds, "
      "initial_cooldown_period_seconds, and the scale_* behavior keys.");
  m.def("is_spec_grid_key", &config::IsSpecGridKey, py::arg("key"),
        "Whether a sweep grid key edits the spec (else it is a simulation option).");
  m.def(
      "apply_grid_setting",
      [](const hpa::AutoscalerSpec& spec, const std::string& key, py::handle value) {
        return WithGridSetting(spec, key, value);
      },
      py::arg("spec"), py::arg("key"), py::arg("value"),
      "A copy of `spec` with one sweep setting applied (config/grid.h): target, "
      "target:<metric>, min/max_replicas, scale_{up,down}_{window_seconds, pods, "
      "percent, period_seconds, select_policy}. ValueError names the key.");

  auto options = [](const std::optional<hpa::ControllerConfig>& c, bool strict,
                    const std::optional<std::string>& name) {
    config::LoadOptions o;
    o.config = c.value_or(hpa::ControllerConfig{});
    o.strict = strict;
    o.name = name.value_or("");
    return o;
  };
  m.def(
      "load_manifest_file",
      [options](py::handle path, const std::optional<hpa::ControllerConfig>& config, bool strict,
                const std::optional<std::string>& name) {
        return Unwrap(config::LoadManifestFile(PathArg(path), options(config, strict, name)));
      },
      py::arg("path"), py::arg("config") = py::none(), py::kw_only(), py::arg("strict") = true,
      py::arg("name") = py::none(),
      "Loads every HorizontalPodAutoscaler (autoscaling/v2), KEDA ScaledObject "
      "and ScaledJob, and Helm values hpa: block in a YAML file. strict=False "
      "loads leniently: a metric's missing type is inferred from its one source "
      "block and a missing scaleTargetRef gets a placeholder, each reported in "
      ".warnings. name: only the object with that metadata.name (or "
      "namespace/name). ValueError names file:line:column and the field path; "
      "a missing file is FileNotFoundError.");
  m.def(
      "load_manifest_string",
      [options](const std::string& yaml, const std::string& source_name,
                const std::optional<hpa::ControllerConfig>& config, bool strict,
                const std::optional<std::string>& name) {
        return Unwrap(
            config::LoadManifestString(yaml, source_name, options(config, strict, name)));
      },
      py::arg("yaml"), py::arg("source_name") = "<string>", py::arg("config") = py::none(),
      py::kw_only(), py::arg("strict") = true, py::arg("name") = py::none(),
      "As load_manifest_file, for YAML text.");
  m.def(
      "load_single_autoscaler",
      [options](py::handle path, const std::optional<hpa::ControllerConfig>& config, bool strict,
                const std::optional<std::string>& name) {
        return Unwrap(config::LoadSingleAutoscaler(PathArg(path), options(config, strict, name)));
      },
      py::arg("path"), py::arg("config") = py::none(), py::kw_only(), py::arg("strict") = true,
      py::arg("name") = py::none(),
      "Loads a file that holds exactly one HorizontalPodAutoscaler (after "
      "picking `name`, if given); strict as for load_manifest_file.");
  m.def(
      "list_manifest_documents",
      [](py::handle path) { return Unwrap(config::ListManifestDocuments(PathArg(path))); },
      py::arg("path"),
      "Every document of a YAML file, in order, classified without decoding "
      "it (so also for a file that does not load): kind, name, line, and "
      "whether the loader reads it.");
  m.def(
      "list_manifest_documents_in_string",
      [](const std::string& yaml, const std::string& source_name) {
        return Unwrap(config::ListManifestDocumentsInString(yaml, source_name));
      },
      py::arg("yaml"), py::arg("source_name") = "<string>",
      "As list_manifest_documents, for YAML text.");
  m.def("dump_manifest", &config::DumpManifest, py::arg("spec"),
        "An autoscaling/v2 HorizontalPodAutoscaler manifest (YAML) for a spec.");
  m.def("dump_manifests", &config::DumpManifests, py::arg("specs"),
        "Several manifests as one multi-document YAML stream.");
  m.def(
      "preset",
      [](const std::string& name) {
        return Unwrap(config::Preset(name), NotFoundAs::kKey);
      },
      py::arg("name"),
      "A built-in profile (production, development, high-volume, bursty, "
      "testing); KeyError for an unknown name.");
  m.def("preset_names", &config::PresetNames, "The built-in profile names.");
}

// A target or threshold in plain units: a quantity string ("70", "500m") or
// a number.
int64_t MilliFromPy(py::handle h) {
  if (py::isinstance<py::str>(h)) return Unwrap(hpa::ParseQuantityMilli(h.cast<std::string>()));
  if (py::isinstance<py::bool_>(h)) throw py::type_error("expected a number or quantity string");
  return Unwrap(ToMilli(py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>()));
}

void BindQuantities(py::module_& m) {
  m.def(
      "parse_quantity",
      [](const std::string& s) { return Unwrap(hpa::ParseQuantityMilli(s)); }, py::arg("text"),
      "A Kubernetes quantity (\"500m\", \"1.5k\", \"2Gi\") as its integer milli value "
      "(Quantity.MilliValue()); ValueError if malformed.");
  m.def(
      "parse_quantity_float",
      [](const std::string& s) { return Unwrap(hpa::ParseQuantityApproximateFloat(s)); },
      py::arg("text"), "Quantity.AsApproximateFloat64() of a quantity string.");
  m.def("format_milli", &hpa::FormatMilli, py::arg("milli"),
        "A canonical quantity string for a milli value (70000 -> \"70\", 500 -> \"500m\").");
  m.def("format_quantity", &hpa::FormatQuantityDouble, py::arg("value"),
        "The shortest quantity string whose approximate float is `value`.");
  m.def("quantity_to_float", &hpa::QuantityToDouble, py::arg("milli"),
        "A milli value in plain units (milli / 1000).");
  m.def(
      "to_milli", [](double v) { return Unwrap(ToMilli(v)); }, py::arg("value"),
      "A metric value in plain units as milli-units, rounded up as Kubernetes "
      "does; ValueError for NaN, infinite, negative or too large values.");
  m.def(
      "milli", [](py::handle v) { return MilliFromPy(v); }, py::arg("value"),
      "A number (plain units) or quantity string as milli-units.");
}

// sim.cc: traces, fluid replay, agent model, run summary.
void BindSim(py::module_& m);
// keda.cc: the KEDA family (ScaledObject, its policy and replay, formulas).
void BindKeda(py::module_& m);
// schedule.cc: cron schedules and KEDA's cron window.
void BindSchedule(py::module_& m);
// forecast.cc: forecast floors.
void BindForecast(py::module_& m);
// aws.cc: the AWS Application Auto Scaling family.
void BindAws(py::module_& m);
void BindTune(py::module_& m);
// nodes.cc: node pools under the cluster autoscaler.
void BindNodes(py::module_& m);

}  // namespace agentscale::python

PYBIND11_MODULE(_core, m) {
  namespace ap = agentscale::python;
  m.doc() =
      "agentscale's C++ engine: Kubernetes-exact HPA math, behaviors, the "
      "HorizontalAutoscaler engine, manifests and presets, the trace-driven "
      "simulator, and the metrics layer (series store, exposition parser, adapter "
      "rules, scraper, Prometheus query client).";
  m.attr("__version__") = AGENTSCALE_VERSION;
  ap::g_error_type = pybind11::reinterpret_steal<pybind11::object>(
      PyErr_NewExceptionWithDoc("agentscale._core.Error",
                                "An agentscale error that is neither a bad argument "
                                "nor a missing file or name; .code names the status code.",
                                PyExc_RuntimeError, nullptr));
  m.attr("Error") = ap::g_error_type;
  ap::BindEnums(m);
  ap::BindQuantities(m);
  ap::BindHpa(m);
  ap::BindPolicy(m);
  ap::BindEngine(m);
  ap::BindConfig(m);
  ap::BindSchedule(m);
  ap::BindForecast(m);
  ap::BindSim(m);
  ap::BindKeda(m);
  ap::BindAws(m);
  ap::BindTune(m);
  ap::BindNodes(m);
  ap::BindMetrics(m);
}
