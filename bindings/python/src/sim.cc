// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: the trace-driven simulator — traces and their
// generators, the fluid replay, the agent model and the run summary.
//
// Result series cross as numpy arrays that own the C++ vectors they were
// moved out of (no copy); trace columns are read-only views into the Trace.
// Every run releases the GIL, so a thread pool runs simulations in parallel.

#include <pybind11/numpy.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/summary.h"
#include "agentscale/sim/trace.h"
#include "agentscale/sim/trace_io.h"
#include "common.h"

namespace agentscale::python {

AGENTSCALE_PY_VALUE(sim::FluidOptions);
AGENTSCALE_PY_VALUE(sim::AgentModelOptions);
AGENTSCALE_PY_VALUE(sim::ResourceModel);
AGENTSCALE_PY_VALUE(sim::AlertFiring);
AGENTSCALE_PY_VALUE(sim::AlertReport);
AGENTSCALE_PY_VALUE(sim::RunSummary);

namespace {

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Ints = py::array_t<int32_t, py::array::c_style | py::array::forcecast>;

// A numpy array that owns `v` (moved, not copied).
template <typename T>
py::array Owned(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(heap->size())}, heap->data(), owner);
}

// A read-only numpy view of `v`, kept alive by `base`.
py::array View(const std::vector<double>& v, py::handle base) {
  py::array a = py::array_t<double>({static_cast<py::ssize_t>(v.size())}, v.data(), base);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

std::vector<double> ToVector(py::handle h, const char* what) {
  Doubles a = Doubles::ensure(h);
  if (!a || a.ndim() != 1) {
    PyErr_Clear();
    throw py::value_error(std::string(what) + ": expected a 1-D array of numbers");
  }
  return std::vector<double>(a.data(), a.data() + a.shape(0));
}

// Checks what ParseTraceCsv checks, for traces built from arrays.
sim::Trace MakeTrace(py::handle times_in, py::handle values_in, std::string name,
                     std::vector<std::string> comments) {
  sim::Trace t;
  t.name = std::move(name);
  t.comments = std::move(comments);
  t.time_seconds = ToVector(times_in, "time_seconds");
  t.values = ToVector(values_in, "values");
  if (t.time_seconds.size() != t.values.size()) {
    throw py::value_error("time_seconds has " + std::to_string(t.time_seconds.size()) +
                          " rows but values has " + std::to_string(t.values.size()));
  }
  for (size_t i = 0; i < t.values.size(); ++i) {
    const std::string row = "row " + std::to_string(i) + ": ";
    if (!std::isfinite(t.time_seconds[i])) {
      throw py::value_error(row + "time_seconds: not a finite number");
    }
    if (!std::isfinite(t.values[i])) throw py::value_error(row + "value: not a finite number");
    if (t.values[i] < 0) throw py::value_error(row + "value: must not be negative");
    if (i > 0 && t.time_seconds[i] < t.time_seconds[i - 1]) {
      throw py::value_error(row + "time_seconds: decreases");
    }
  }
  return t;
}

void NonEmpty(const sim::Trace& t) {
  if (t.empty()) throw py::value_error("the trace is empty");
}

absl::Duration PositiveStep(py::handle h, const char* what) {
  const absl::Duration d = DurationFromPy(h);
  if (d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    throw py::value_error(std::string(what) + " must be positive and finite");
  }
  return d;
}

absl::Duration Length(py::handle h) {
  const absl::Duration d = DurationFromPy(h);
  if (d < absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    throw py::value_error("length_seconds must be finite and not negative");
  }
  return d;
}

std::string PathArg(py::handle h) {
  return py::str(py::module_::import("os").attr("fspath")(h)).cast<std::string>();
}

// --- results -----------------------------------------------------------------

struct PyFluidResult {
  std::string trace_meaning, trace_reading;
  std::vector<std::string> driven_metrics;
  std::vector<std::string> omitted_metrics;
  double period_seconds = 0;
  py::array time_seconds, demand, current_replicas, replicas, metric_value, limit_reason, path;
  int64_t scale_ups = 0;
  int64_t scale_downs = 0;
  double replica_hours = 0;
  std::optional<double> target;
  double peak_per_pod_value = 0;
  std::optional<double> time_over_target_seconds;
  sim::RunSummary summary;
};

PyFluidResult ToPy(sim::FluidResult&& r) {
  PyFluidResult p;
  p.trace_meaning = sim::TraceMeaningName(r.trace_meaning);
  p.trace_reading = std::move(r.trace_reading);
  p.driven_metrics = std::move(r.driven_metrics);
  p.omitted_metrics = std::move(r.omitted_metrics);
  p.period_seconds = r.period_seconds;
  p.time_seconds = Owned(std::move(r.time_seconds));
  p.demand = Owned(std::move(r.demand));
  p.current_replicas = Owned(std::move(r.current_replicas));
  p.replicas = Owned(std::move(r.replicas));
  p.metric_value = Owned(std::move(r.metric_value));
  p.limit_reason = Owned(std::move(r.limit_reason));
  p.path = Owned(std::move(r.path));
  p.scale_ups = r.scale_ups;
  p.scale_downs = r.scale_downs;
  p.replica_hours = r.replica_hours;
  p.target = r.target;
  p.peak_per_pod_value = r.peak_per_pod_value;
  p.time_over_target_seconds = r.time_over_target_seconds;
  p.summary = std::move(r.summary);
  return p;
}

struct PyAgentResult {
  std::string trace_meaning, trace_reading;
  py::array time_seconds, demand, ready_replicas, desired_replicas, alive_replicas,
      queue_length, running_tasks, metric_values, limit_reason, path, waits_seconds,
      unserved_waits_seconds, cpu_utilization, memory_utilization;
  double cpu_utilization_mean = 0, cpu_utilization_max = 0, memory_utilization_mean = 0,
         memory_utilization_max = 0;
  std::string resource_reading;
  std::vector<std::string> metric_names;
  int64_t tasks_arrived = 0, tasks_completed = 0, tasks_queued_at_end = 0,
          tasks_running_at_end = 0, tasks_lost = 0, tasks_restarted = 0;
  double lost_work_seconds = 0, drain_seconds = 0;
  sim::RunSummary summary;
};

PyAgentResult ToPy(sim::AgentModelResult&& r) {
  PyAgentResult p;
  p.trace_meaning = sim::TraceMeaningName(r.trace_meaning);
  p.trace_reading = std::move(r.trace_reading);
  const size_t syncs = r.time_seconds.size();
  // (metrics, syncs), C order: one contiguous copy of the per-metric rows.
  std::vector<double> flat;
  flat.reserve(r.metric_values.size() * syncs);
  for (auto& row : r.metric_values) {
    flat.insert(flat.end(), row.begin(), row.end());
    flat.resize(flat.size() + (syncs - std::min(syncs, row.size())),
                std::numeric_limits<double>::quiet_NaN());
    std::vector<double>().swap(row);
  }
  const auto rows = static_cast<py::ssize_t>(r.metric_values.size());
  auto* heap = new std::vector<double>(std::move(flat));
  py::capsule owner(heap, [](void* q) { delete static_cast<std::vector<double>*>(q); });
  p.metric_values = py::array_t<double>({rows, static_cast<py::ssize_t>(syncs)}, heap->data(),
                                        owner);
  p.time_seconds = Owned(std::move(r.time_seconds));
  p.demand = Owned(std::move(r.demand));
  p.ready_replicas = Owned(std::move(r.ready_replicas));
  p.desired_replicas = Owned(std::move(r.desired_replicas));
  p.alive_replicas = Owned(std::move(r.alive_replicas));
  p.queue_length = Owned(std::move(r.queue_length));
  p.running_tasks = Owned(std::move(r.running_tasks));
  p.limit_reason = Owned(std::move(r.limit_reason));
  p.path = Owned(std::move(r.path));
  p.waits_seconds = Owned(std::move(r.waits_seconds));
  p.unserved_waits_seconds = Owned(std::move(r.unserved_waits_seconds));
  p.cpu_utilization = Owned(std::move(r.cpu_utilization));
  p.memory_utilization = Owned(std::move(r.memory_utilization));
  p.cpu_utilization_mean = r.cpu_utilization_mean;
  p.cpu_utilization_max = r.cpu_utilization_max;
  p.memory_utilization_mean = r.memory_utilization_mean;
  p.memory_utilization_max = r.memory_utilization_max;
  p.resource_reading = std::move(r.resource_reading);
  p.drain_seconds = r.drain_seconds;
  p.metric_names = std::move(r.metric_names);
  p.tasks_arrived = r.tasks_arrived;
  p.tasks_completed = r.tasks_completed;
  p.tasks_queued_at_end = r.tasks_queued_at_end;
  p.tasks_running_at_end = r.tasks_running_at_end;
  p.tasks_lost = r.tasks_lost;
  p.tasks_restarted = r.tasks_restarted;
  p.lost_work_seconds = r.lost_work_seconds;
  p.summary = std::move(r.summary);
  return p;
}

// fluid_replay's `traces`: a {metric: Trace} mapping, or one Trace for
// `metric` (default: the spec's first metric).
sim::MetricTraces TracesArg(const hpa::AutoscalerSpec& spec, py::handle traces,
                            const std::optional<std::string>& metric,
                            std::vector<py::object>* keep) {
  sim::MetricTraces out;
  if (py::isinstance<sim::Trace>(traces)) {
    std::string name;
    if (metric) {
      name = *metric;
    } else if (!spec.metrics.empty()) {
      name = spec.metrics.front().name;
    } else {
      throw py::value_error("the spec has no metrics to drive");
    }
    keep->push_back(py::reinterpret_borrow<py::object>(traces));
    out.emplace_back(name, &traces.cast<const sim::Trace&>());
    return out;
  }
  if (metric) throw py::type_error("metric= is for a single Trace, not a mapping");
  if (!py::isinstance<py::dict>(traces)) {
    throw py::type_error("traces: expected a Trace or a {metric name: Trace} dict");
  }
  for (auto item : py::reinterpret_borrow<py::dict>(traces)) {
    if (!py::isinstance<sim::Trace>(item.second)) {
      throw py::type_error("traces[" + std::string(py::str(py::repr(item.first))) +
                           "]: expected a Trace");
    }
    keep->push_back(py::reinterpret_borrow<py::object>(item.second));
    out.emplace_back(py::str(item.first).cast<std::string>(),
                     &item.second.cast<const sim::Trace&>());
  }
  return out;
}

}  // namespace

py::object FluidResultToPy(sim::FluidResult&& r) { return py::cast(ToPy(std::move(r))); }
py::object AgentResultToPy(sim::AgentModelResult&& r) { return py::cast(ToPy(std::move(r))); }

void BindSim(py::module_& m) {
  // --- enums --------------------------------------------------------------
  // For these the "Kubernetes spelling" is the command line's lower-case one.
  using sim::ArrivalShape;
  using sim::ScaleInMode;
  using sim::ServiceTimeModel;
  using sim::VictimPolicy;
  BindEnum<ArrivalShape>(m, "ArrivalShape",
                         "How the agent model turns trace rows into task arrivals "
                         "(kubernetes_name: the CLI spelling).",
                         {{ArrivalShape::kUniform, "UNIFORM", "uniform"},
                          {ArrivalShape::kPoisson, "POISSON", "poisson"},
                          {ArrivalShape::kPerRow, "PER_ROW", "per-row"}});
  BindEnum<ServiceTimeModel>(
      m, "ServiceTimeModel", "How long a task runs (kubernetes_name: the CLI spelling).",
      {{ServiceTimeModel::kFixed, "FIXED", "fixed"},
       {ServiceTimeModel::kExponential, "EXPONENTIAL", "exponential"},
       {ServiceTimeModel::kLognormal, "LOGNORMAL", "lognormal"},
       {ServiceTimeModel::kTraceValue, "TRACE_VALUE", "trace-value"}});
  BindEnum<VictimPolicy>(m, "VictimPolicy",
                         "Which agents a scale-in removes (kubernetes_name: the CLI spelling).",
                         {{VictimPolicy::kNewestFirst, "NEWEST_FIRST", "newest-first"},
                          {VictimPolicy::kFewestActive, "FEWEST_ACTIVE", "fewest-active"}});
  BindEnum<ScaleInMode>(m, "ScaleInMode",
                        "What happens to a removed agent's tasks (kubernetes_name: the CLI "
                        "spelling).",
                        {{ScaleInMode::kDrain, "DRAIN", "drain"},
                         {ScaleInMode::kKill, "KILL", "kill"}});
  BindEnum<sim::MemoryModel>(m, "MemoryModel",
                             "What an agent's memory follows besides its idle baseline "
                             "(kubernetes_name: the CLI spelling).",
                             {{sim::MemoryModel::kWork, "WORK", "work"},
                              {sim::MemoryModel::kDataSet, "DATA_SET", "data-set"}});
  BindEnum<sim::GcSpikes>(m, "GcSpikes",
                          "Garbage-collection CPU spikes of the resource model "
                          "(kubernetes_name: the CLI spelling).",
                          {{sim::GcSpikes::kNone, "NONE", "none"},
                           {sim::GcSpikes::kPeriodic, "PERIODIC", "periodic"},
                           {sim::GcSpikes::kRandom, "RANDOM", "random"}});
  BindEnum<sim::Trace::Resample>(m, "Resample", "How Trace.resampled() fills each bin.",
                                 {{sim::Trace::Resample::kSum, "SUM", "sum"},
                                  {sim::Trace::Resample::kLast, "LAST", "last"},
                                  {sim::Trace::Resample::kMean, "MEAN", "mean"}});

  // --- trace.h --------------------------------------------------------------
  py::class_<sim::Trace>(m, "Trace",
                         "A workload trace: (time, value) rows, a value per interval or one "
                         "row per arrival. Columns are read-only numpy views.")
      .def(py::init([](py::handle time_seconds, py::handle values, std::string name,
                       std::vector<std::string> comments) {
             return MakeTrace(time_seconds, values, std::move(name), std::move(comments));
           }),
           py::arg("time_seconds"), py::arg("values"), py::kw_only(), py::arg("name") = "",
           py::arg("comments") = std::vector<std::string>{},
           "From two equal-length arrays; times must not decrease, values must be "
           "finite and not negative (ValueError names the row).")
      .def_readwrite("name", &sim::Trace::name, "A label (the file name for loaded traces).")
      .def_readwrite("comments", &sim::Trace::comments,
                     "The CSV's '#' lines without '# ' (provenance).")
      .def_property_readonly(
          "time_seconds",
          [](py::object self) { return View(self.cast<const sim::Trace&>().time_seconds, self); },
          "float64 (N,) read-only view: row times in seconds.")
      .def_property_readonly(
          "values",
          [](py::object self) { return View(self.cast<const sim::Trace&>().values, self); },
          "float64 (N,) read-only view: row values.")
      .def("__len__", &sim::Trace::size)
      .def_property_readonly("start",
                             [](const sim::Trace& t) {
                               NonEmpty(t);
                               return t.start();
                             },
                             "The first row's time.")
      .def_property_readonly("end",
                             [](const sim::Trace& t) {
                               NonEmpty(t);
                               return t.end();
                             },
                             "The last row's time.")
      .def(
          "value_at",
          [](const sim::Trace& t, double time) {
            NonEmpty(t);
            return t.ValueAt(time);
          },
          py::arg("time"), "The value of the last row at or before `time`.")
      .def(
          "median_interval",
          [](const sim::Trace& t) {
            NonEmpty(t);
            return t.MedianInterval();
          },
          "The median row spacing in seconds.")
      .def("scaled", &sim::Trace::Scaled, py::arg("factor"), "Every value times `factor`.")
      .def(
          "shifted",
          [](const sim::Trace& t, py::handle by) { return t.Shifted(DurationFromPy(by)); },
          py::arg("seconds"), "Every time plus `seconds` (float or timedelta).")
      .def("sliced", &sim::Trace::Sliced, py::arg("start_seconds"), py::arg("end_seconds"),
           "The rows with start_seconds <= time < end_seconds.")
      .def(
          "resampled",
          [](const sim::Trace& t, py::handle interval, py::handle how) {
            const absl::Duration d = PositiveStep(interval, "interval_seconds");
            const auto h = py::isinstance<py::str>(how)
                               ? EnumFromString<sim::Trace::Resample>(how.cast<std::string>())
                               : how.cast<sim::Trace::Resample>();
            NonEmpty(t);
            return t.Resampled(d, h);
          },
          py::arg("interval_seconds"), py::arg("how") = "sum",
          "Onto a regular grid: 'sum' adds the rows in each bin (counts), 'last' "
          "takes the level at the bin start, 'mean' averages the bin's rows.")
      .def(
          "to_csv",
          [](const sim::Trace& t, py::handle path) -> py::object {
            std::string csv = sim::TraceToCsv(t);
            if (path.is_none()) return py::str(csv);
            py::module_::import("pathlib").attr("Path")(path).attr("write_text")(csv);
            return py::none();
          },
          py::arg("path") = py::none(),
          "The CSV text (comments, header, rows); written to `path` if given "
          "(then returns None).")
      .def(
          "__eq__",
          [](const sim::Trace& a, py::object other) -> py::object {
            if (!py::isinstance<sim::Trace>(other)) {
              return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            }
            const auto& b = other.cast<const sim::Trace&>();
            return py::bool_(a.name == b.name && a.comments == b.comments &&
                             a.time_seconds == b.time_seconds && a.values == b.values);
          },
          py::arg("other"))
      .def("__copy__", [](const sim::Trace& t) { return sim::Trace(t); })
      .def("__deepcopy__", [](const sim::Trace& t, py::object) { return sim::Trace(t); },
           py::arg("memo"))
      .def(py::pickle(
          [](py::object self) {
            const auto& t = self.cast<const sim::Trace&>();
            return py::make_tuple(t.name, t.comments, View(t.time_seconds, self),
                                  View(t.values, self));
          },
          [](py::tuple s) {
            if (s.size() != 4) throw py::value_error("bad Trace pickle");
            sim::Trace t;
            t.name = s[0].cast<std::string>();
            t.comments = s[1].cast<std::vector<std::string>>();
            t.time_seconds = ToVector(s[2], "time_seconds");
            t.values = ToVector(s[3], "values");
            return t;
          }))
      .def("__repr__", [](const sim::Trace& t) {
        std::string out = "Trace(name=" + std::string(py::repr(py::str(t.name))) +
                          ", rows=" + std::to_string(t.size());
        if (!t.empty()) {
          out += ", start=" + std::string(py::repr(py::float_(t.start()))) +
                 ", end=" + std::string(py::repr(py::float_(t.end())));
        }
        return out + ")";
      });
  py::object trace_cls = m.attr("Trace");
  trace_cls.attr("__hash__") = py::none();

  // The loaders' options, from keyword arguments. `format`: "auto" (a
  // query_range response when the text starts with '{', else CSV), "csv" or
  // "prometheus-json".
  struct LoadArgs {
    std::string format;
    sim::TraceCsvOptions csv;
    sim::PrometheusTraceOptions prom;
    bool prom_options = false;
    bool csv_options = false;
  };
  auto load_args = [](const std::string& format, const std::optional<std::string>& time_column,
                      const std::optional<std::string>& value_column,
                      const std::optional<std::string>& match, bool sum_series,
                      std::optional<double> step_seconds, const std::string& gaps,
                      const std::string& non_finite, bool null_values) {
    LoadArgs a;
    if (format != "auto" && format != "csv" && format != "prometheus-json") {
      throw py::value_error("format: expected \"auto\", \"csv\" or \"prometheus-json\", got " +
                            std::string(py::repr(py::str(format))));
    }
    a.format = format;
    a.csv.time_column = time_column.value_or("");
    a.csv.value_column = value_column.value_or("");
    a.prom.match = match.value_or("");
    a.prom.sum_series = sum_series;
    if (step_seconds) {
      if (!(*step_seconds > 0) || !std::isfinite(*step_seconds)) {
        throw py::value_error("step_seconds: expected a finite number > 0");
      }
      a.prom.step_seconds = *step_seconds;
    }
    using Gaps = sim::PrometheusTraceOptions::Gaps;
    using NonFinite = sim::PrometheusTraceOptions::NonFinite;
    if (gaps == "error") {
      a.prom.gaps = Gaps::kError;
    } else if (gaps == "zero") {
      a.prom.gaps = Gaps::kZero;
    } else if (gaps == "hold") {
      a.prom.gaps = Gaps::kHold;
    } else {
      throw py::value_error("gaps: expected \"error\", \"zero\" or \"hold\", got " +
                            std::string(py::repr(py::str(gaps))));
    }
    if (non_finite == "error") {
      a.prom.non_finite = NonFinite::kError;
    } else if (non_finite == "skip") {
      a.prom.non_finite = NonFinite::kSkip;
    } else {
      throw py::value_error("non_finite: expected \"error\" or \"skip\", got " +
                            std::string(py::repr(py::str(non_finite))));
    }
    a.prom_options = match || sum_series || step_seconds || gaps != "error" ||
                     non_finite != "error";
    a.csv.allow_null_values = null_values;
    a.csv_options = time_column || value_column || null_values;
    return a;
  };
  // Options of the other format are an error, never ignored (with "auto",
  // once the text shows its format).
  auto parse_any = [](const std::string& text, const LoadArgs& a,
                      const std::string& source) -> absl::StatusOr<sim::Trace> {
    bool json = a.format == "prometheus-json";
    if (a.format == "auto") {
      const size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
      json = first != std::string::npos && text[first] == '{';
    }
    if (!json && a.prom_options) {
      return absl::InvalidArgumentError(
          source + ": match, sum_series, step_seconds, gaps and non_finite apply to a "
                   "Prometheus query_range response (format \"prometheus-json\"), and this is CSV");
    }
    if (json && a.csv_options) {
      return absl::InvalidArgumentError(
          source + ": time_column, value_column and null_values apply to CSV (format \"csv\"), "
                   "and this is "
                   "a Prometheus query_range response");
    }
    return json ? sim::ParsePrometheusTrace(text, a.prom, source)
                : sim::ParseTraceCsv(text, a.csv, source);
  };
  m.def(
      "load_trace",
      [load_args, parse_any](py::handle path, const std::string& format,
                             const std::optional<std::string>& time_column,
                             const std::optional<std::string>& value_column,
                             const std::optional<std::string>& match, bool sum_series,
                             std::optional<double> step_seconds, const std::string& gaps,
                             const std::string& non_finite, bool null_values) {
        const std::string p = PathArg(path);
        const LoadArgs a = load_args(format, time_column, value_column, match, sum_series,
                                     step_seconds, gaps, non_finite, null_values);
        absl::StatusOr<sim::Trace> t;
        {
          py::gil_scoped_release release;
          absl::StatusOr<std::string> text =
              sim::ReadTraceFile(p, std::max(a.csv.max_bytes, a.prom.max_bytes));
          t = text.ok() ? parse_any(*text, a, p) : absl::StatusOr<sim::Trace>(text.status());
        }
        return Unwrap(std::move(t));
      },
      py::arg("path"), py::kw_only(), py::arg("format") = "auto",
      py::arg("time_column") = py::none(), py::arg("value_column") = py::none(),
      py::arg("match") = py::none(), py::arg("sum_series") = false,
      py::arg("step_seconds") = py::none(), py::arg("gaps") = "error",
      py::arg("non_finite") = "error", py::arg("null_values") = false,
      "Reads a trace file. format \"csv\": '#' comment lines (kept as comments), a header "
      "naming the columns, rows; the time column is time_column (default "
      "timestamp_seconds, or the first of two columns) in epoch seconds or ISO 8601 / "
      "RFC 3339, the value column value_column (default value, or the second of two). "
      "format \"prometheus-json\": a saved /api/v1/query_range response; several series "
      "need match (label matchers, e.g. 'pod=\"agent-0\"') or sum_series=True; steps "
      "without a point fail unless gaps=\"zero\" or \"hold\"; NaN/Inf fail unless "
      "non_finite=\"skip\"; step_seconds is the query's step (default: the smallest "
      "spacing). null_values=True (CSV): an empty value, NaN or Inf is a null sample (NaN), "
      "as a query with no result. format \"auto\" (default): JSON when the file starts with "
      "'{', else CSV. "
      "ValueError names file:line and the column (or the series); FileNotFoundError if "
      "missing.");
  m.def(
      "parse_trace",
      [load_args, parse_any](const std::string& text, const std::string& source,
                             const std::string& format,
                             const std::optional<std::string>& time_column,
                             const std::optional<std::string>& value_column,
                             const std::optional<std::string>& match, bool sum_series,
                             std::optional<double> step_seconds, const std::string& gaps,
                             const std::string& non_finite, bool null_values) {
        const LoadArgs a = load_args(format, time_column, value_column, match, sum_series,
                                     step_seconds, gaps, non_finite, null_values);
        absl::StatusOr<sim::Trace> t;
        {
          py::gil_scoped_release release;
          t = parse_any(text, a, source);
        }
        return Unwrap(std::move(t));
      },
      py::arg("text"), py::arg("source") = "<string>", py::kw_only(),
      py::arg("format") = "auto", py::arg("time_column") = py::none(),
      py::arg("value_column") = py::none(), py::arg("match") = py::none(),
      py::arg("sum_series") = false, py::arg("step_seconds") = py::none(),
      py::arg("gaps") = "error", py::arg("non_finite") = "error", py::arg("null_values") = false,
      "As load_trace, for CSV or query_range JSON text; `source` names it in errors.");
  m.def(
      "parse_trace_timestamp",
      [](const std::string& text) { return Unwrap(sim::ParseTraceTimestamp(text)); },
      py::arg("text"),
      "Seconds since the epoch of a trace timestamp: epoch seconds, or ISO 8601 / RFC 3339 "
      "(Z or an offset; no offset means UTC). ValueError says why not.");
  m.def("trace_to_csv", &sim::TraceToCsv, py::arg("trace"), "Trace.to_csv().");
  m.def(
      "constant_trace",
      [](double value, py::handle length, py::handle step) {
        const absl::Duration len = Length(length), st = PositiveStep(step, "step_seconds");
        RaiseIfError(sim::CheckGeneratedTrace(len, st));
        return sim::ConstantTrace(value, len, st);
      },
      py::arg("value"), py::arg("length_seconds"), py::arg("step_seconds") = 60.0,
      "Rows at 0, step, ... up to length, all `value`.");
  m.def(
      "step_trace",
      [](double before, double after, py::handle at, py::handle length, py::handle step) {
        const absl::Duration len = Length(length), st = PositiveStep(step, "step_seconds");
        RaiseIfError(sim::CheckGeneratedTrace(len, st));
        return sim::StepTrace(before, after, DurationFromPy(at), len, st);
      },
      py::arg("before"), py::arg("after"), py::arg("at_seconds"), py::arg("length_seconds"),
      py::arg("step_seconds") = 60.0, "`before` until at_seconds, then `after`.");
  m.def(
      "ramp_trace",
      [](double start_value, double end_value, py::handle length, py::handle step) {
        const absl::Duration len = Length(length), st = PositiveStep(step, "step_seconds");
        RaiseIfError(sim::CheckGeneratedTrace(len, st));
        return sim::RampTrace(start_value, end_value, len, st);
      },
      py::arg("start_value"), py::arg("end_value"), py::arg("length_seconds"),
      py::arg("step_seconds") = 60.0, "A straight line from start_value to end_value.");
  m.def(
      "diurnal_trace",
      [](double mean, double amplitude, py::handle period, py::handle length, py::handle step,
         py::handle phase) {
        const absl::Duration len = Length(length), st = PositiveStep(step, "step_seconds");
        RaiseIfError(sim::CheckGeneratedTrace(len, st));
        return sim::DiurnalTrace(mean, amplitude, PositiveStep(period, "period_seconds"), len,
                                 st, DurationFromPy(phase));
      },
      py::arg("mean"), py::arg("amplitude"), py::arg("period_seconds") = 86400.0,
      py::arg("length_seconds") = 86400.0, py::arg("step_seconds") = 60.0,
      py::arg("phase_seconds") = 0.0,
      "mean + amplitude * sin(2 pi (t - phase) / period), never below 0.");
  m.def(
      "poisson_burst_trace",
      [](double base, double burst_factor, double bursts_per_hour, py::handle burst_length,
         py::handle length, py::handle step, uint64_t seed) {
        if (!(base >= 0) || !(burst_factor >= 0) || !(bursts_per_hour >= 0)) {
          throw py::value_error("base, burst_factor and bursts_per_hour must not be negative");
        }
        const absl::Duration bl = Length(burst_length), len = Length(length),
                             st = PositiveStep(step, "step_seconds");
        RaiseIfError(sim::CheckGeneratedTrace(len, st, bursts_per_hour));
        py::gil_scoped_release release;
        return sim::PoissonBurstTrace(base, burst_factor, bursts_per_hour, bl, len, st, seed);
      },
      py::arg("base"), py::arg("burst_factor"), py::arg("bursts_per_hour"),
      py::arg("burst_length_seconds"), py::arg("length_seconds"),
      py::arg("step_seconds") = 60.0, py::arg("seed") = 1,
      "A Poisson-distributed base level with bursts (a Poisson process of "
      "`bursts_per_hour`, each burst_length_seconds at base x burst_factor). Seeded.");

  // --- summary.h -------------------------------------------------------------
  ValueClass<sim::AlertFiring>(m, "AlertFiring", "One firing of an alert: [start, end).")
      .field("start_seconds", &sim::AlertFiring::start_seconds, "When it started firing.")
      .field("end_seconds", &sim::AlertFiring::end_seconds,
             "When it stopped (the run's end if still firing).")
      .field("open", &sim::AlertFiring::open, "Still firing when the run ended.")
      .finish();
  ValueClass<sim::AlertReport>(m, "AlertReport", "An alert evaluated over a run.")
      .field("name", &sim::AlertReport::name, "The alert's name.")
      .field("expr", &sim::AlertReport::expr, "Its PromQL-like condition.")
      .field("firings", &sim::AlertReport::firings, "Every firing, in time order.")
      .field("firing_seconds", &sim::AlertReport::firing_seconds, "Total time firing.")
      .finish();
  ValueClass<sim::RunSummary>(m, "RunSummary",
                              "What a run amounts to: cost, waits, churn, time at max and "
                              "the seed's two alerts.")
      .field("duration_hours", &sim::RunSummary::duration_hours, "Simulated time.")
      .field("replica_hours", &sim::RunSummary::replica_hours, "Billed replica-hours.")
      .field("cost", &sim::RunSummary::cost, "replica_hours x price_per_replica_hour.")
      .field("mean_replicas", &sim::RunSummary::mean_replicas, "Time-weighted mean.")
      .field("peak_replicas", &sim::RunSummary::peak_replicas,
             "Most replicas billed at once (agent model: alive, starting and draining "
             "agents included).")
      .field("peak_ready_replicas", &sim::RunSummary::peak_ready_replicas,
             "Most ready replicas at once.")
      .field("scale_ups", &sim::RunSummary::scale_ups, "Scale-up events.")
      .field("scale_downs", &sim::RunSummary::scale_downs, "Scale-down events.")
      .field("reversals_within_5m", &sim::RunSummary::reversals_within_5m,
             "Events opposite to the previous one and within 5 minutes of it (flapping).")
      .field("time_at_max_seconds", &sim::RunSummary::time_at_max_seconds,
             "Time with replicas == maxReplicas.")
      .field("time_at_zero_seconds", &sim::RunSummary::time_at_zero_seconds,
             "Time at zero replicas.")
      .field("scales_from_zero", &sim::RunSummary::scales_from_zero,
             "Scale-ups from zero replicas (cold starts).")
      .field("cold_start_tasks", &sim::RunSummary::cold_start_tasks,
             "Agent model: tasks that arrived while no agent was past its startup.")
      .field("fallback_seconds", &sim::RunSummary::fallback_seconds,
             "Time a decision used a fallback value for a failed metric (KEDA).")
      .field("has_waits", &sim::RunSummary::has_waits, "Task waits were recorded.")
      .field("wait_p50", &sim::RunSummary::wait_p50, "Median task wait, seconds.")
      .field("wait_p95", &sim::RunSummary::wait_p95, "95th percentile wait, seconds.")
      .field("wait_p99", &sim::RunSummary::wait_p99, "99th percentile wait, seconds.")
      .field("wait_max", &sim::RunSummary::wait_max, "Longest wait, seconds.")
      .field("wait_mean", &sim::RunSummary::wait_mean, "Mean wait, seconds.")
      .field("share_over_slo", &sim::RunSummary::share_over_slo,
             "Share of tasks that waited longer than wait_slo_seconds.")
      .field("wait_tasks", &sim::RunSummary::wait_tasks,
             "Tasks the wait figures cover: every task that arrived and was not dropped.")
      .field("unserved_tasks", &sim::RunSummary::unserved_tasks,
             "Of those, tasks that never started; each counts its time in the queue.")
      .field("scaling_too_frequent", &sim::RunSummary::scaling_too_frequent,
             "AgentScalingTooFrequent: increase(desired_replicas[5m]) > 3 for 2m.")
      .field("max_replicas_reached", &sim::RunSummary::max_replicas_reached,
             "AgentMaxReplicasReached: current == max for 5m.")
      .field("scaling_too_frequent_changes", &sim::RunSummary::scaling_too_frequent_changes,
             "AgentScalingTooFrequent as meant: changes(desired_replicas[5m]) > 3 for 2m (the "
             "seed's increase() on a gauge fires on a single scale-down).")
      .field("has_forecast", &sim::RunSummary::has_forecast,
             "The run had a forecast floor; the forecast_ fields score it.")
      .field("forecast_scored", &sim::RunSummary::forecast_scored,
             "Forecasts compared with the sample they forecast.")
      .field("forecast_mape", &sim::RunSummary::forecast_mape,
             "Mean absolute percentage error of those forecasts (0.12: 12 %).")
      .field("forecast_coverage", &sim::RunSummary::forecast_coverage,
             "Share of samples inside the forecast's prediction interval.")
      .field("forecast_anomalies", &sim::RunSummary::forecast_anomalies,
             "Samples outside the one-step forecast's interval.")
      .field("forecast_lifted", &sim::RunSummary::forecast_lifted,
             "Decisions the forecast floor raised (forecast-only: would have).")
      .finish();

  m.def(
      "summarize",
      [](py::handle time_seconds, py::handle replicas, double period_seconds,
         std::optional<int32_t> initial_replicas, py::handle billed_replicas,
         std::optional<double> billed_replica_seconds, int32_t max_replicas,
         double price_per_replica_hour, py::handle waits_seconds, double wait_slo_seconds,
         py::handle unserved_waits_seconds, py::handle prometheus_version) {
        Doubles times = Doubles::ensure(time_seconds);
        Ints reps = Ints::ensure(replicas);
        if (!times || !reps || times.ndim() != 1 || reps.ndim() != 1 ||
            times.shape(0) != reps.shape(0)) {
          PyErr_Clear();
          throw py::value_error("time_seconds and replicas must be 1-D arrays of equal length");
        }
        std::optional<Ints> billed;
        if (!billed_replicas.is_none()) {
          billed = Ints::ensure(billed_replicas);
          if (!*billed || billed->ndim() != 1 || billed->shape(0) != times.shape(0)) {
            PyErr_Clear();
            throw py::value_error("billed_replicas must be a 1-D array like replicas");
          }
        }
        std::optional<Doubles> waits, unserved;
        if (!waits_seconds.is_none()) {
          waits = Doubles::ensure(waits_seconds);
          if (!*waits || waits->ndim() != 1) {
            PyErr_Clear();
            throw py::value_error("waits_seconds must be a 1-D array");
          }
        }
        if (!unserved_waits_seconds.is_none()) {
          unserved = Doubles::ensure(unserved_waits_seconds);
          if (!*unserved || unserved->ndim() != 1) {
            PyErr_Clear();
            throw py::value_error("unserved_waits_seconds must be a 1-D array");
          }
        }
        sim::SummaryInputs in;
        in.time_seconds = absl::MakeConstSpan(times.data(), times.shape(0));
        in.period_seconds = period_seconds;
        in.replicas = absl::MakeConstSpan(reps.data(), reps.shape(0));
        in.initial_replicas = initial_replicas.value_or(-1);
        if (billed) in.billed_replicas = absl::MakeConstSpan(billed->data(), billed->shape(0));
        in.billed_replica_seconds = billed_replica_seconds.value_or(-1);
        in.max_replicas = max_replicas;
        in.price_per_replica_hour = price_per_replica_hour;
        if (waits) in.waits_seconds = absl::MakeConstSpan(waits->data(), waits->shape(0));
        if (unserved) {
          in.unserved_waits_seconds = absl::MakeConstSpan(unserved->data(), unserved->shape(0));
        }
        in.wait_slo_seconds = wait_slo_seconds;
        in.prometheus_version = Conv<metrics::PrometheusVersion>::Set(prometheus_version);
        py::gil_scoped_release release;
        return sim::Summarize(in);
      },
      py::arg("time_seconds"), py::arg("replicas"), py::kw_only(),
      py::arg("period_seconds") = 15.0, py::arg("initial_replicas") = py::none(),
      py::arg("billed_replicas") = py::none(), py::arg("billed_replica_seconds") = py::none(),
      py::arg("max_replicas") = 0, py::arg("price_per_replica_hour") = 1.0,
      py::arg("waits_seconds") = py::none(), py::arg("wait_slo_seconds") = 60.0,
      py::arg("unserved_waits_seconds") = py::none(), py::arg("prometheus_version") = 3,
      "A RunSummary from per-sync series: sync times, replicas after each sync "
      "(what the alerts and flapping look at), optionally the billed replicas, "
      "per-task waits (and those of tasks never started, as time in the queue), and the "
      "replicas before the first sync.");
  m.def(
      "prometheus_increase",
      [](py::handle times_in, py::handle values_in, double range_start,
         double range_end, py::handle prometheus_version) -> std::optional<double> {
        std::vector<double> times = ToVector(times_in, "times");
        std::vector<double> values = ToVector(values_in, "values");
        if (times.size() != values.size()) {
          throw py::value_error("times and values must have the same length");
        }
        bool defined = false;
        const double v = sim::PrometheusIncrease(
            times, values, range_start, range_end, &defined,
            Conv<metrics::PrometheusVersion>::Set(prometheus_version));
        if (!defined) return std::nullopt;
        return v;
      },
      py::arg("times"), py::arg("values"), py::arg("range_start"), py::arg("range_end"),
      py::kw_only(), py::arg("prometheus_version") = 3,
      "Prometheus' increase() over the samples in (range_start, range_end] "
      "([range_start, range_end] with prometheus_version=2), with counter resets and "
      "extrapolation; None with fewer than two samples.");

  // --- fluid.h ----------------------------------------------------------------
  ValueClass<sim::MetricOutage>(m, "MetricOutage",
                                "A window in which reading a metric fails (a Prometheus "
                                "outage): the policy sees the metric as failed.")
      .field("metric", &sim::MetricOutage::metric, "The metric's name; '' for every metric.")
      .field("start_seconds", &sim::MetricOutage::start_seconds,
             "Seconds since the epoch, inclusive.")
      .field("end_seconds", &sim::MetricOutage::end_seconds, "Seconds since the epoch, exclusive.")
      .finish();
  ValueClass<sim::FluidOptions>(m, "FluidOptions", "Options of the fluid replay.")
      .field("period_seconds", &sim::FluidOptions::period, "Sync period (default 15).")
      .field("max_syncs", &sim::FluidOptions::max_syncs,
             "The most syncs a replay may take (default 5,000,000); longer fails before "
             "allocating.")
      .field("initial_replicas", &sim::FluidOptions::initial_replicas,
             "Replicas before the first sync; -1: minReplicas.")
      .field("price_per_replica_hour", &sim::FluidOptions::price_per_replica_hour,
             "For RunSummary.cost.")
      .field("prometheus_version", &sim::FluidOptions::prometheus_version,
             "The alerts' range semantics: 3, left-open (t-5m, t]; 2, closed [t-5m, t].")
      .field("config", &sim::FluidOptions::config, "The controller's flags and tolerance.")
      .field("outages", &sim::FluidOptions::outages,
             "MetricOutage windows in which reading a metric fails.")
      .field("schedule", &sim::FluidOptions::schedule,
             "A ScheduleSpec whose bounds apply over the trace's span, or None.")
      .field("forecast", &sim::FluidOptions::forecast,
             "A ForecastSpec: a forecast floor around the policy, or None.")
      .finish();

  py::class_<PyFluidResult>(m, "FluidResult",
                            "What a fluid replay did: numpy arrays with one entry per sync. "
                            "limit_reason and path hold Reason and DecisionPath values.")
      .def_readonly("trace_meaning", &PyFluidResult::trace_meaning,
                    "How the traces were read: 'gauge' (the fleet's total of a metric).")
      .def_readonly("trace_reading", &PyFluidResult::trace_reading,
                    "The reading in one line, naming the metrics.")
      .def_readonly("driven_metrics", &PyFluidResult::driven_metrics,
                    "Spec metrics that had a trace.")
      .def_readonly("omitted_metrics", &PyFluidResult::omitted_metrics,
                    "Spec metrics without one (left out of the replay).")
      .def_readonly("period_seconds", &PyFluidResult::period_seconds,
                    "The period it synced at (the options', or the policy's own "
                    "spec.syncPeriodSeconds).")
      .def_readonly("time_seconds", &PyFluidResult::time_seconds, "float64 sync times.")
      .def_readonly("demand", &PyFluidResult::demand, "float64: the first driven metric's D.")
      .def_readonly("current_replicas", &PyFluidResult::current_replicas,
                    "int32: replicas before each sync.")
      .def_readonly("replicas", &PyFluidResult::replicas,
                    "int32: replicas after each sync (applied at once).")
      .def_readonly("metric_value", &PyFluidResult::metric_value,
                    "float64: the first driven metric's per-pod value as the engine saw it.")
      .def_readonly("limit_reason", &PyFluidResult::limit_reason,
                    "int32 Reason values of ScalingLimited.")
      .def_readonly("path", &PyFluidResult::path, "int32 DecisionPath values.")
      .def_readonly("scale_ups", &PyFluidResult::scale_ups, "Scale-ups applied.")
      .def_readonly("scale_downs", &PyFluidResult::scale_downs, "Scale-downs applied.")
      .def_readonly("replica_hours", &PyFluidResult::replica_hours,
                    "Sum of replicas x period, hours.")
      .def_readonly("target", &PyFluidResult::target,
                    "The first driven metric's target in plain units (None for Utilization).")
      .def_readonly("peak_per_pod_value", &PyFluidResult::peak_per_pod_value,
                    "The highest per-pod value the engine saw (NaN if none was valid).")
      .def_readonly("time_over_target_seconds", &PyFluidResult::time_over_target_seconds,
                    "Syncs with the per-pod value above the target, times the period "
                    "(None without a target).")
      .def_readonly("summary", &PyFluidResult::summary, "The RunSummary (no waits).")
      .def("__len__", [](const PyFluidResult& r) { return r.time_seconds.shape(0); })
      .def("__repr__", [](const PyFluidResult& r) {
        return "FluidResult(syncs=" + std::to_string(r.time_seconds.shape(0)) +
               ", driven_metrics=" + std::string(py::repr(py::cast(r.driven_metrics))) +
               ", replica_hours=" + std::string(py::repr(py::float_(r.replica_hours))) +
               ", scale_ups=" + std::to_string(r.scale_ups) +
               ", scale_downs=" + std::to_string(r.scale_downs) + ")";
      });

  m.def(
      "fluid_replay",
      [](Policy& policy, py::handle traces, std::optional<std::string> metric,
         std::optional<sim::FluidOptions> options, py::handle period_seconds,
         std::optional<int32_t> initial_replicas,
         std::optional<double> price_per_replica_hour) {
        sim::FluidOptions opt = options.value_or(sim::FluidOptions{});
        if (!period_seconds.is_none()) opt.period = DurationFromPy(period_seconds);
        if (initial_replicas) opt.initial_replicas = *initial_replicas;
        if (price_per_replica_hour) opt.price_per_replica_hour = *price_per_replica_hour;
        hpa::AutoscalerSpec names;
        names.metrics = policy.metrics();
        std::vector<py::object> keep;
        const sim::MetricTraces mt = TracesArg(names, traces, metric, &keep);
        absl::StatusOr<sim::FluidResult> r;
        {
          py::gil_scoped_release release;
          r = sim::FluidReplay(policy, mt, opt);
        }
        return ToPy(Unwrap(std::move(r)));
      },
      py::arg("policy"), py::arg("traces"), py::kw_only(), py::arg("metric") = py::none(),
      py::arg("options") = py::none(), py::arg("period_seconds") = py::none(),
      py::arg("initial_replicas") = py::none(), py::arg("price_per_replica_hour") = py::none(),
      "The same replay of any Policy (it keeps its state; a metric without a "
      "trace is observed as failed).");
  m.def(
      "fluid_replay",
      [](const hpa::AutoscalerSpec& spec, py::handle traces, std::optional<std::string> metric,
         std::optional<sim::FluidOptions> options, py::handle period_seconds,
         std::optional<int32_t> initial_replicas,
         std::optional<double> price_per_replica_hour,
         std::optional<hpa::ControllerConfig> config) {
        sim::FluidOptions opt = options.value_or(sim::FluidOptions{});
        if (!period_seconds.is_none()) opt.period = DurationFromPy(period_seconds);
        if (initial_replicas) opt.initial_replicas = *initial_replicas;
        if (price_per_replica_hour) opt.price_per_replica_hour = *price_per_replica_hour;
        if (config) opt.config = *config;
        std::vector<py::object> keep;
        const sim::MetricTraces mt = TracesArg(spec, traces, metric, &keep);
        absl::StatusOr<sim::FluidResult> r;
        {
          py::gil_scoped_release release;
          r = sim::FluidReplay(spec, mt, opt);
        }
        return ToPy(Unwrap(std::move(r)));
      },
      py::arg("spec"), py::arg("traces"), py::kw_only(), py::arg("metric") = py::none(),
      py::arg("options") = py::none(), py::arg("period_seconds") = py::none(),
      py::arg("initial_replicas") = py::none(), py::arg("price_per_replica_hour") = py::none(),
      py::arg("config") = py::none(),
      "Replays demand traces through the engine, GIL released. `traces` is "
      "{metric name: Trace}, or one Trace for `metric` (default the spec's first "
      "metric). Each of the R replicas reports ceil(D x 1000 / R) milli; each "
      "rescale is applied at once. Keyword options override `options`.");

  // --- agent_model.h ----------------------------------------------------------
  ValueClass<sim::ResourceModel>(
      m, "ResourceModel",
      "Per-agent CPU and memory of the agent model: requests, and use at a scrape of "
      "cpu = min(limit, idle + running x per task + GC spike), memory = idle + running x "
      "per task (+ the data set held, memory_model data-set). The defaults are ours "
      "(the seed gives only the targets): 70 running tasks use 70 % of the CPU request "
      "and 79.7 % of the memory request.")
      .field("cpu_request_millicores", &sim::ResourceModel::cpu_request_millicores,
             "CPU request (reservation) per agent (1000).")
      .field("cpu_limit_millicores", &sim::ResourceModel::cpu_limit_millicores,
             "CPU use never exceeds this; at least the request; inf: no limit (2000).")
      .field("memory_request_mib", &sim::ResourceModel::memory_request_mib,
             "Memory request (reservation) per agent, MiB (1024).")
      .field("idle_cpu_millicores", &sim::ResourceModel::idle_cpu_millicores,
             "CPU an agent uses with no task (70).")
      .field("idle_memory_mib", &sim::ResourceModel::idle_memory_mib,
             "Memory an agent uses with no task, MiB (256).")
      .field("cpu_per_task_millicores", &sim::ResourceModel::cpu_per_task_millicores,
             "CPU per running task (9).")
      .field("memory_per_task_mib", &sim::ResourceModel::memory_per_task_mib,
             "Memory per running task, MiB (8).")
      .field("memory_model", &sim::ResourceModel::memory_model,
             "work: memory follows the running tasks; data-set: plus a data set that grows "
             "with the tasks the agent has finished and is released only with the agent.")
      .field("data_set_mib_per_task", &sim::ResourceModel::data_set_mib_per_task,
             "data-set: MiB each finished task leaves held (4).")
      .field("data_set_cap_mib", &sim::ResourceModel::data_set_cap_mib,
             "data-set: the most an agent holds, MiB; inf: no cap (768).")
      .field("gc_spikes", &sim::ResourceModel::gc_spikes,
             "none, periodic (every gc_interval at a per-agent phase) or random (exponential "
             "gaps of mean gc_interval).")
      .field("gc_spike_millicores", &sim::ResourceModel::gc_spike_millicores,
             "CPU a GC spike adds (800).")
      .field("gc_spike_duration_seconds", &sim::ResourceModel::gc_spike_duration,
             "How long a spike lasts (30).")
      .field("gc_interval_seconds", &sim::ResourceModel::gc_interval,
             "periodic: time between spike starts; random: mean gap between spikes (600).")
      .field("container", &sim::ResourceModel::container,
             "The agent's one container, for ContainerResource metrics (\"agent\").")
      .finish();

  ValueClass<sim::AgentModelOptions>(m, "AgentModelOptions",
                                     "Options of the agent model (see run_agent_model). "
                                     "Enum fields accept the CLI spellings.")
      .field("arrivals", &sim::AgentModelOptions::arrivals,
             "uniform: a row's count spread evenly over its interval; poisson: a Poisson "
             "process at that rate; per-row: one task per row.")
      .field("interval_seconds", &sim::AgentModelOptions::interval,
             "Time each row covers; 0: the trace's median spacing.")
      .field("service", &sim::AgentModelOptions::service, "Service-time model.")
      .field("service_seconds", &sim::AgentModelOptions::service_seconds,
             "The fixed service time, or the mean.")
      .field("lognormal_sigma", &sim::AgentModelOptions::lognormal_sigma,
             "Sigma of the lognormal's underlying normal.")
      .field("trace_value_factor", &sim::AgentModelOptions::trace_value_factor,
             "trace-value: seconds per unit of the row's value.")
      .field("slots", &sim::AgentModelOptions::slots, "Tasks an agent runs at once.")
      .field("startup_delay_seconds", &sim::AgentModelOptions::startup_delay,
             "From creation to ready.")
      .field("victims", &sim::AgentModelOptions::victims, "Scale-in victim order.")
      .field("scale_in", &sim::AgentModelOptions::scale_in, "drain or kill on scale-in.")
      .field("scrape_interval_seconds", &sim::AgentModelOptions::scrape_interval,
             "Prometheus scrape interval.")
      .field("adapter_window_seconds", &sim::AgentModelOptions::adapter_window,
             "The adapter's avg_over_time window.")
      .field("sync_period_seconds", &sim::AgentModelOptions::sync_period, "HPA sync period.")
      .field("requests_per_task", &sim::AgentModelOptions::requests_per_task,
             "app_active_request_count = running tasks x this.")
      .field("queue_metric", &sim::AgentModelOptions::queue_metric,
             "The External metric that reports the queue length.")
      .field("queue_capacity", &sim::AgentModelOptions::queue_capacity,
             "Arrivals beyond this many waiting are lost; -1: no limit.")
      .field("max_syncs", &sim::AgentModelOptions::max_syncs,
             "The most syncs a run may take, the drain included (default 5,000,000); longer "
             "fails before allocating.")
      .field("initial_replicas", &sim::AgentModelOptions::initial_replicas,
             "Ready agents at the start; -1: minReplicas.")
      .field("seed", &sim::AgentModelOptions::seed, "Seed of every random draw.")
      .field("drain_limit_seconds", &sim::AgentModelOptions::drain_limit,
             "After the trace, with tasks still queued, the policy and fleet run on until the "
             "queue is empty or this long has passed (86400; 0: stop at the trace's end).")
      .field("max_tasks", &sim::AgentModelOptions::max_tasks,
             "The most tasks one run may bring (20,000,000); a trace over it is an error "
             "naming the row.")
      .field("price_per_replica_hour", &sim::AgentModelOptions::price_per_replica_hour,
             "For RunSummary.cost.")
      .field("wait_slo_seconds", &sim::AgentModelOptions::wait_slo_seconds,
             "For RunSummary.share_over_slo.")
      .field("prometheus_version", &sim::AgentModelOptions::prometheus_version,
             "The alerts' range semantics: 3, left-open (t-5m, t]; 2, closed [t-5m, t].")
      .field("record_waits", &sim::AgentModelOptions::record_waits,
             "Keep every task's wait (waits_seconds).")
      .field("config", &sim::AgentModelOptions::config, "The controller's flags and tolerance.")
      .field("outages", &sim::AgentModelOptions::outages,
             "MetricOutage windows in which reading a metric fails.")
      .field("schedule", &sim::AgentModelOptions::schedule,
             "A ScheduleSpec whose bounds apply over the trace's span, or None.")
      .field("forecast", &sim::AgentModelOptions::forecast,
             "A ForecastSpec: a forecast floor around the policy, or None.")
      .field("jobs", &sim::AgentModelOptions::jobs,
             "Each agent is a Job: one task, then it exits (a KEDA ScaledJob's fleet).")
      .field("resources", &sim::AgentModelOptions::resources,
             "A ResourceModel: per-agent CPU and memory, for the Resource metrics cpu and "
             "memory and the result's utilization series; None: none, unless the policy "
             "reads cpu or memory (then the ResourceModel defaults).")
      .finish();

  py::class_<PyAgentResult>(m, "AgentModelResult",
                            "What an agent-model run did: numpy arrays with one entry per "
                            "sync, every task's wait, and task counters "
                            "(arrived == completed + queued + running + lost).")
      .def_readonly("trace_meaning", &PyAgentResult::trace_meaning,
                    "How the trace was read: 'arrivals' (tasks arriving per row).")
      .def_readonly("trace_reading", &PyAgentResult::trace_reading,
                    "The reading in one line, with the row interval and the spread.")
      .def_readonly("time_seconds", &PyAgentResult::time_seconds, "float64 sync times.")
      .def_readonly("demand", &PyAgentResult::demand, "float64: the trace value in force.")
      .def_readonly("ready_replicas", &PyAgentResult::ready_replicas,
                    "int32: ready agents (not draining).")
      .def_readonly("desired_replicas", &PyAgentResult::desired_replicas,
                    "int32: spec.replicas after the sync.")
      .def_readonly("alive_replicas", &PyAgentResult::alive_replicas,
                    "int32: starting + ready + draining agents.")
      .def_readonly("queue_length", &PyAgentResult::queue_length, "int64 waiting tasks.")
      .def_readonly("running_tasks", &PyAgentResult::running_tasks, "int64 running tasks.")
      .def_readonly("metric_names", &PyAgentResult::metric_names, "The spec's metric names.")
      .def_readonly("metric_values", &PyAgentResult::metric_values,
                    "float64 (metrics, syncs): each metric's value as the engine saw it "
                    "(plain units; NaN when the metric failed).")
      .def_readonly("limit_reason", &PyAgentResult::limit_reason,
                    "int32 Reason values of ScalingLimited.")
      .def_readonly("path", &PyAgentResult::path, "int32 DecisionPath values.")
      .def_readonly("waits_seconds", &PyAgentResult::waits_seconds,
                    "float64: per started task, in start order, arrival to first start.")
      .def_readonly("unserved_waits_seconds", &PyAgentResult::unserved_waits_seconds,
                    "float64: per task still queued at the end that never started, its time "
                    "in the queue (a lower bound of its wait).")
      .def_readonly("drain_seconds", &PyAgentResult::drain_seconds,
                    "Time simulated after the trace's end to drain the queue.")
      .def_readonly("tasks_arrived", &PyAgentResult::tasks_arrived, "Tasks that arrived.")
      .def_readonly("tasks_completed", &PyAgentResult::tasks_completed, "Tasks finished.")
      .def_readonly("tasks_queued_at_end", &PyAgentResult::tasks_queued_at_end,
                    "Tasks still waiting at the end, after the drain: the never served, and "
                    "killed tasks waiting to restart.")
      .def_readonly("tasks_running_at_end", &PyAgentResult::tasks_running_at_end,
                    "Tasks still running at the end.")
      .def_readonly("tasks_lost", &PyAgentResult::tasks_lost, "Dropped: the queue was full.")
      .def_readonly("tasks_restarted", &PyAgentResult::tasks_restarted,
                    "Killed while running and re-queued.")
      .def_readonly("lost_work_seconds", &PyAgentResult::lost_work_seconds,
                    "Work thrown away by kills.")
      .def_readonly("cpu_utilization", &PyAgentResult::cpu_utilization,
                    "float64: with a resource model, the ready agents' mean CPU use in "
                    "percent of the request at each sync (NaN with none sampled); empty "
                    "without one.")
      .def_readonly("memory_utilization", &PyAgentResult::memory_utilization,
                    "float64: the same for memory.")
      .def_readonly("cpu_utilization_mean", &PyAgentResult::cpu_utilization_mean,
                    "Mean of cpu_utilization over the syncs with a value.")
      .def_readonly("cpu_utilization_max", &PyAgentResult::cpu_utilization_max,
                    "Highest cpu_utilization.")
      .def_readonly("memory_utilization_mean", &PyAgentResult::memory_utilization_mean,
                    "Mean of memory_utilization over the syncs with a value.")
      .def_readonly("memory_utilization_max", &PyAgentResult::memory_utilization_max,
                    "Highest memory_utilization.")
      .def_readonly("resource_reading", &PyAgentResult::resource_reading,
                    "The resource model in use in one line ('' without one).")
      .def_readonly("summary", &PyAgentResult::summary, "The RunSummary.")
      .def("__len__", [](const PyAgentResult& r) { return r.time_seconds.shape(0); })
      .def("__repr__", [](const PyAgentResult& r) {
        return "AgentModelResult(syncs=" + std::to_string(r.time_seconds.shape(0)) +
               ", tasks_arrived=" + std::to_string(r.tasks_arrived) +
               ", tasks_completed=" + std::to_string(r.tasks_completed) +
               ", replica_hours=" + std::string(py::repr(py::float_(r.summary.replica_hours))) +
               ", wait_p99=" + std::string(py::repr(py::float_(r.summary.wait_p99))) + ")";
      });

  m.def(
      "run_agent_model",
      [](Policy& policy, py::object trace, std::optional<sim::AgentModelOptions> options) {
        const sim::Trace& t = trace.cast<const sim::Trace&>();
        const sim::AgentModelOptions opt = options.value_or(sim::AgentModelOptions{});
        absl::StatusOr<sim::AgentModelResult> r;
        {
          py::gil_scoped_release release;
          r = sim::RunAgentModel(policy, t, opt);
        }
        return ToPy(Unwrap(std::move(r)));
      },
      py::arg("policy"), py::arg("trace"), py::arg("options") = py::none(),
      "The agent model under any Policy (it keeps its state; options.config is "
      "not used).");
  m.def(
      "run_agent_model",
      [](const hpa::AutoscalerSpec& spec, py::object trace,
         std::optional<sim::AgentModelOptions> options) {
        const sim::Trace& t = trace.cast<const sim::Trace&>();
        const sim::AgentModelOptions opt = options.value_or(sim::AgentModelOptions{});
        absl::StatusOr<sim::AgentModelResult> r;
        {
          py::gil_scoped_release release;
          r = sim::RunAgentModel(spec, t, opt);
        }
        return ToPy(Unwrap(std::move(r)));
      },
      py::arg("spec"), py::arg("trace"), py::arg("options") = py::none(),
      "Runs the agent model (tasks, agents with slots, startup delay, scale-in, "
      "the scrape/adapter pipeline) under the spec, GIL released. ValueError for "
      "bad options or a metric the model does not report.");
}

}  // namespace agentscale::python
