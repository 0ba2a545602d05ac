// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: queueing theory for a first guess at a fleet
// (agentscale/tune/queueing.h).

#include <pybind11/numpy.h>

#include <string>
#include <vector>

#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/trace.h"
#include "agentscale/tune/queueing.h"
#include "agentscale/tune/search.h"
#include "common.h"

namespace agentscale::python {

AGENTSCALE_PY_VALUE(tune::WaitSlo);
AGENTSCALE_PY_VALUE(sim::AgentModelOptions);
AGENTSCALE_PY_VALUE(tune::Parameter);
AGENTSCALE_PY_VALUE(tune::Evaluation);

namespace {

template <typename T>
py::array_t<T> Array(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
}

// A list of Traces (or one) as the options' traces.
tune::TuneOptions WithTraces(tune::TuneOptions options, py::handle traces) {
  options.traces.clear();
  if (py::isinstance<sim::Trace>(traces)) {
    options.traces.push_back(traces.cast<const sim::Trace&>());
  } else {
    for (py::handle t : traces) {
      if (!py::isinstance<sim::Trace>(t)) {
        throw py::type_error("traces: expected a Trace or a list of Traces, got " +
                             std::string(py::str(py::type::of(t).attr("__name__"))));
      }
      options.traces.push_back(t.cast<const sim::Trace&>());
    }
  }
  return options;
}

// A search point as a {name: value} dict.
py::dict PointDict(const std::vector<std::string>& names, const std::vector<double>& x) {
  py::dict d;
  for (size_t j = 0; j < names.size() && j < x.size(); ++j) d[py::str(names[j])] = x[j];
  return d;
}

}  // namespace

void BindTune(py::module_& m) {
  ValueClass<tune::WaitSlo>(
      m, "WaitSlo",
      "A wait objective: at most share_over of the tasks wait longer than wait_seconds. "
      "WaitSlo.quantile(0.95, 60) is 'p95 wait <= 60 s'.")
      .field("wait_seconds", &tune::WaitSlo::wait_seconds, "The wait, seconds (60).")
      .field("share_over", &tune::WaitSlo::share_over,
             "The share of tasks that may wait longer, in (0, 1) (0.05).")
      .finish()
      .cls()
      .def_static("quantile", &tune::WaitSlo::Quantile, py::arg("quantile"),
                  py::arg("wait_seconds"), "The q-quantile of the wait at most wait_seconds.")
      .def_static("share", &tune::WaitSlo::ShareOver, py::arg("wait_seconds"),
                  py::arg("share_over"),
                  "At most share_over of the tasks wait longer than wait_seconds.")
      .def("__str__", &tune::WaitSlo::ToString);

  m.def(
      "parse_wait_slo",
      [](const std::string& text) { return Unwrap(tune::ParseWaitSlo(text)); }, py::arg("text"),
      "A WaitSlo from text: 'p95_wait<=60s', 'p99.9<=2m', 'wait>60s<=1%'. ValueError "
      "otherwise.");
  m.def("saturation_cap", &tune::SaturationCap, py::arg("slots"), py::arg("tolerance") = 0.1,
        py::arg("margin") = 0.0,
        "The highest target below slots / ((1 + tolerance) (1 + margin)): above it a "
        "saturated fleet never scales up.");
  m.def("erlang_c", &tune::ErlangC, py::arg("servers"), py::arg("offered_load"),
        "Erlang C: the probability that a task waits in an M/M/c queue with `servers` slots "
        "at `offered_load` erlangs (arrival rate x mean service time); 1 at or above the "
        "slots, NaN for bad arguments.");
  m.def("wait_exceedance", &tune::WaitExceedance, py::arg("servers"), py::arg("offered_load"),
        py::arg("service_seconds"), py::arg("wait_seconds"),
        "P(wait > wait_seconds) in the M/M/c queue.");
  m.def("wait_quantile", &tune::WaitQuantile, py::arg("servers"), py::arg("offered_load"),
        py::arg("service_seconds"), py::arg("quantile"),
        "The quantile of the wait in the M/M/c queue, seconds (inf when saturated).");
  m.def("mean_wait", &tune::MeanWait, py::arg("servers"), py::arg("offered_load"),
        py::arg("service_seconds"), "The mean wait in the M/M/c queue, seconds.");
  m.def(
      "slots_for_wait_slo",
      [](double offered_load, double service_seconds, const tune::WaitSlo& slo) {
        return Unwrap(tune::SlotsForWaitSlo(offered_load, service_seconds, slo));
      },
      py::arg("offered_load"), py::arg("service_seconds"), py::arg("slo") = tune::WaitSlo{},
      "The fewest slots whose M/M/c wait meets the SLO at this load. ValueError for bad "
      "arguments.");

  ValueClass<tune::SteadySizing>(
      m, "SteadySizing",
      "One steady load sized for a wait SLO (size_for_steady_load): the slots and agents, "
      "the app_active_task_count target per agent, and the waits of the sized fleet.")
      .field("offered_load", &tune::SteadySizing::offered_load, "Erlangs (busy slots).")
      .field("slots", &tune::SteadySizing::slots, "Slots the SLO needs.")
      .field("agents", &tune::SteadySizing::agents, "Agents holding them.")
      .field("target_per_agent", &tune::SteadySizing::target_per_agent,
             "The AverageValue target (NaN without load).")
      .field("wait_quantile_seconds", &tune::SteadySizing::wait_quantile_seconds,
             "The sized fleet's wait at the SLO's quantile.")
      .field("share_over", &tune::SteadySizing::share_over,
             "The sized fleet's share of tasks waiting longer than the SLO's wait.")
      .field("mean_wait_seconds", &tune::SteadySizing::mean_wait_seconds, "Its mean wait.")
      .field("utilization", &tune::SteadySizing::utilization, "Busy share of its slots.")
      .finish();
  m.def(
      "size_for_steady_load",
      [](double arrival_rate, double service_seconds, int32_t slots_per_agent,
         const tune::WaitSlo& slo, double tolerance) {
        return Unwrap(
            tune::SizeForSteadyLoad(arrival_rate, service_seconds, slots_per_agent, slo, tolerance));
      },
      py::arg("arrival_rate"), py::arg("service_seconds"), py::arg("slots_per_agent"),
      py::arg("slo") = tune::WaitSlo{}, py::arg("tolerance") = 0.1,
      "Sizes one steady load (tasks per second) for a wait SLO: e.g. "
      "size_for_steady_load(2.0, 300, 100, WaitSlo.quantile(0.95, 60)).agents == 7.");

  ValueClass<tune::FleetSizingOptions>(
      m, "FleetSizingOptions", "What size_fleet assumes of the agents and the policy.")
      .field("slots", &tune::FleetSizingOptions::slots, "Slots per agent (100).")
      .field("service_seconds", &tune::FleetSizingOptions::service_seconds,
             "Mean service time (300).")
      .field("slo", &tune::FleetSizingOptions::slo, "The WaitSlo (p95 <= 60 s).")
      .field("interval_seconds", &tune::FleetSizingOptions::interval,
             "Time one trace row covers (0: the median spacing).")
      .field("startup_delay_seconds", &tune::FleetSizingOptions::startup_delay,
             "From decision to a ready agent (60).")
      .field("sync_period_seconds", &tune::FleetSizingOptions::sync_period,
             "The policy's sync period (15).")
      .field("metric_window_seconds", &tune::FleetSizingOptions::metric_window,
             "The metric's averaging window (60).")
      .field("tolerance", &tune::FleetSizingOptions::tolerance,
             "The HPA's scale-up tolerance (0.1).")
      .field("min_agents", &tune::FleetSizingOptions::min_agents, "Fewest agents (1).")
      .field("max_agents", &tune::FleetSizingOptions::max_agents, "Most agents.")
      .field("coverage", &tune::FleetSizingOptions::coverage,
             "Share of loaded rows the target serves, (0, 1] (0.99).")
      .field("price_per_agent_hour", &tune::FleetSizingOptions::price_per_agent_hour,
             "For FleetSizing.cost (1).")
      .finish();

  py::class_<tune::FleetSizing>(
      m, "FleetSizing",
      "A trace sized for a wait SLO (size_fleet): per row the load, the slots and agents "
      "it needs, the agents needed within the reaction lead and the target for them; the "
      "target that serves the rows, and the sized fleet's agent-hours.")
      .def_readonly("interval_seconds", &tune::FleetSizing::interval_seconds)
      .def_readonly("lead_seconds", &tune::FleetSizing::lead_seconds)
      .def_property_readonly("time_seconds",
                             [](const tune::FleetSizing& f) { return Array(f.time_seconds); })
      .def_property_readonly("arrival_rate",
                             [](const tune::FleetSizing& f) { return Array(f.arrival_rate); })
      .def_property_readonly("offered_load",
                             [](const tune::FleetSizing& f) { return Array(f.offered_load); })
      .def_property_readonly("slots_needed",
                             [](const tune::FleetSizing& f) { return Array(f.slots_needed); })
      .def_property_readonly("agents_needed",
                             [](const tune::FleetSizing& f) { return Array(f.agents_needed); })
      .def_property_readonly("agents_ahead",
                             [](const tune::FleetSizing& f) { return Array(f.agents_ahead); })
      .def_property_readonly("row_target",
                             [](const tune::FleetSizing& f) { return Array(f.row_target); })
      .def_readonly("target_per_agent", &tune::FleetSizing::target_per_agent)
      .def_property_readonly("binding_row",
                             [](const tune::FleetSizing& f) -> py::object {
                               if (f.binding_row < 0) return py::none();
                               return py::int_(f.binding_row);
                             })
      .def_readonly("rows_missed", &tune::FleetSizing::rows_missed)
      .def_readonly("rows_over_max", &tune::FleetSizing::rows_over_max)
      .def_readonly("agent_hours", &tune::FleetSizing::agent_hours)
      .def_readonly("cost", &tune::FleetSizing::cost)
      .def_readonly("mean_agents", &tune::FleetSizing::mean_agents)
      .def_readonly("peak_agents", &tune::FleetSizing::peak_agents)
      .def_readonly("fewest_agents", &tune::FleetSizing::fewest_agents)
      .def_readonly("assumptions", &tune::FleetSizing::assumptions)
      .def("explain", &tune::FleetSizing::Explain,
           "A few lines: the target, the row that sets it, the sized fleet, the assumptions.")
      .def("__repr__", [](const tune::FleetSizing& f) {
        return "FleetSizing(rows=" + std::to_string(f.time_seconds.size()) +
               ", target_per_agent=" + std::string(py::str(py::float_(f.target_per_agent))) +
               ", peak_agents=" + std::to_string(f.peak_agents) + ")";
      });
  m.def(
      "size_fleet",
      [](const sim::Trace& trace, const tune::FleetSizingOptions& options) {
        return Unwrap(tune::SizeFleet(trace, options));
      },
      py::arg("trace"), py::arg("options") = tune::FleetSizingOptions{},
      "Sizes a fleet for a wait SLO over a trace of arrivals per row (the agent model's "
      "reading): Erlang C per row, the reaction lead, the HPA's tolerance. The first guess "
      "of a tune; docs/tune.md lists the assumptions. ValueError names the option or row.");

  // --- the search ---------------------------------------------------------------
  ValueClass<tune::Parameter>(m, "Parameter",
                              "A searched parameter: bounds, integer or not, first and "
                              "smallest step.")
      .field("name", &tune::Parameter::name, "Its name.")
      .field("lower", &tune::Parameter::lower, "Lower bound.")
      .field("upper", &tune::Parameter::upper, "Upper bound.")
      .field("integer", &tune::Parameter::integer, "Integer values only.")
      .field("initial_step", &tune::Parameter::initial_step, "The first step.")
      .field("min_step", &tune::Parameter::min_step, "The smallest step.")
      .finish();
  ValueClass<tune::Evaluation>(
      m, "Evaluation",
      "What a point scored: feasible first, then by cost; infeasible points by violation.")
      .field("feasible", &tune::Evaluation::feasible, "Meets every limit.")
      .field("cost", &tune::Evaluation::cost, "To minimize among feasible points.")
      .field("violation", &tune::Evaluation::violation,
             "How far over the limits (0 when feasible).")
      .field("why", &tune::Evaluation::why, "Why it is infeasible.")
      .finish();
  m.def("better", &tune::Better, py::arg("a"), py::arg("b"),
        "True when evaluation a beats b (feasible first, then cost; else violation).");

  py::class_<tune::PatternSearch>(
      m, "PatternSearch",
      "A compass search over bounded, possibly integer parameters, by ask and tell: "
      "evaluate ask()'s points however you like and tell() the Evaluations in order.")
      .def(py::init([](std::vector<tune::Parameter> parameters, std::vector<double> start,
                       int64_t max_evaluations) {
             tune::PatternSearch::Options o;
             o.max_evaluations = max_evaluations;
             return Unwrap(tune::PatternSearch::Create(std::move(parameters), std::move(start), o));
           }),
           py::arg("parameters"), py::arg("start"), py::kw_only(),
           py::arg("max_evaluations") = 500)
      .def("ask", &tune::PatternSearch::Ask, "The next points (empty when done).")
      .def(
          "tell",
          [](tune::PatternSearch& s, const std::vector<tune::Evaluation>& results) {
            RaiseIfError(s.Tell(results));
          },
          py::arg("results"), "The evaluations of the last ask's points, in order.")
      .def_property_readonly("done", &tune::PatternSearch::done)
      .def_property_readonly("best_point", &tune::PatternSearch::best_point)
      .def_property_readonly("best", &tune::PatternSearch::best)
      .def_property_readonly("steps", &tune::PatternSearch::steps)
      .def_property_readonly("evaluations", &tune::PatternSearch::evaluations)
      .def_property_readonly("stop_reason", &tune::PatternSearch::stop_reason)
      .def_property_readonly("history", [](const tune::PatternSearch& s) {
        py::list out;
        for (const tune::PatternSearch::Record& r : s.history()) {
          out.append(py::make_tuple(r.point, r.evaluation, r.round));
        }
        return out;
      });

  ValueClass<tune::TuneOptions>(
      m, "TuneOptions",
      "What tune_hpa searches and how: the SLO, the agent model, the parameters and their "
      "bounds (0: the default), limits, the evaluation budget and threads.")
      .field("slo", &tune::TuneOptions::slo, "The WaitSlo.")
      .field("model", &tune::TuneOptions::model, "The AgentModelOptions every candidate runs on.")
      .field("search_target", &tune::TuneOptions::search_target, "Search the target.")
      .field("search_min_replicas", &tune::TuneOptions::search_min_replicas,
             "Search minReplicas.")
      .field("search_scale_down_window", &tune::TuneOptions::search_scale_down_window,
             "Search the scale-down stabilization window.")
      .field("max_target", &tune::TuneOptions::max_target,
             "0: saturation_cap(slots, tolerance, saturation_margin).")
      .field("saturation_margin", &tune::TuneOptions::saturation_margin,
             "How far below slots / (1 + tolerance) the target stays (0.05).")
      .field("max_min_replicas", &tune::TuneOptions::max_min_replicas, "0: maxReplicas.")
      .field("max_scale_down_window_seconds", &tune::TuneOptions::max_scale_down_window_seconds,
             "0: 3600.")
      .field("max_reversals_per_hour", &tune::TuneOptions::max_reversals_per_hour,
             "Scale reversals within 5 minutes per hour (negative: no limit).")
      .field("max_evaluations", &tune::TuneOptions::max_evaluations, "Budget (200).")
      .field("threads", &tune::TuneOptions::threads, "Threads per batch (0: the cores).")
      .finish();

  py::class_<tune::TunedConfig>(m, "TunedConfig",
                                "A candidate and how it did on each trace.")
      .def_readonly("spec", &tune::TunedConfig::spec)
      .def_readonly("evaluation", &tune::TunedConfig::evaluation)
      .def_readonly("share_over", &tune::TunedConfig::share_over)
      .def_readonly("wait_p95_seconds", &tune::TunedConfig::wait_p95_seconds)
      .def_readonly("cost", &tune::TunedConfig::cost)
      .def(py::pickle(
          [](const tune::TunedConfig& c) {
            return py::make_tuple(py::cast(c.spec).attr("to_dict")(), py::cast(c.evaluation),
                                  c.share_over, c.wait_p95_seconds, c.cost);
          },
          [](py::tuple t) {
            tune::TunedConfig c;
            c.spec = py::module_::import("agentscale").attr("AutoscalerSpec").attr("from_dict")(
                t[0]).cast<hpa::AutoscalerSpec>();
            c.evaluation = t[1].cast<tune::Evaluation>();
            c.share_over = t[2].cast<std::vector<double>>();
            c.wait_p95_seconds = t[3].cast<std::vector<double>>();
            c.cost = t[4].cast<std::vector<double>>();
            return c;
          }));

  py::class_<tune::TuneResult>(m, "TuneResult",
                               "What tune_hpa found: the best config (or why none met the "
                               "SLO), the baseline, every candidate and the Pareto front.")
      .def_readonly("guess", &tune::TuneResult::guess)
      .def_readonly("start", &tune::TuneResult::start)
      .def_readonly("found", &tune::TuneResult::found)
      .def_readonly("best", &tune::TuneResult::best)
      .def_readonly("why_none", &tune::TuneResult::why_none)
      .def_readonly("baseline", &tune::TuneResult::baseline)
      .def_readonly("parameter_names", &tune::TuneResult::parameter_names)
      .def_readonly("stop_reason", &tune::TuneResult::stop_reason)
      .def_readonly("pareto", &tune::TuneResult::pareto)
      .def_property_readonly("history", [](const tune::TuneResult& r) {
        py::list out;
        for (const tune::PatternSearch::Record& rec : r.history) {
          out.append(py::make_tuple(PointDict(r.parameter_names, rec.point), rec.evaluation));
        }
        return out;
      });

  py::class_<tune::HpaTuner>(
      m, "HpaTuner",
      "tune_hpa step by step: ask() the candidate specs, evaluate each with evaluate_hpa "
      "(anywhere: an Executor, a Dask cluster), tell() the TunedConfigs in order, finish().")
      .def(py::init([](const hpa::AutoscalerSpec& base, py::handle traces,
                       const tune::TuneOptions& options) {
             return Unwrap(tune::HpaTuner::Create(base, WithTraces(options, traces)));
           }),
           py::arg("base"), py::arg("traces"), py::arg("options") = tune::TuneOptions{})
      .def_property_readonly("done", &tune::HpaTuner::done)
      .def_property_readonly("evaluations", &tune::HpaTuner::evaluations)
      .def("ask", &tune::HpaTuner::Ask)
      .def(
          "tell",
          [](tune::HpaTuner& t, std::vector<tune::TunedConfig> results) {
            RaiseIfError(t.Tell(std::move(results)));
          },
          py::arg("results"))
      .def("finish", &tune::HpaTuner::Finish);

  m.def(
      "evaluate_hpa",
      [](const hpa::AutoscalerSpec& spec, py::handle traces, const tune::TuneOptions& options) {
        tune::TuneOptions o = WithTraces(options, traces);
        py::gil_scoped_release release;
        return tune::EvaluateHpa(spec, o);
      },
      py::arg("spec"), py::arg("traces"), py::arg("options") = tune::TuneOptions{},
      "One candidate on the agent model over every trace: feasible when it meets the SLO on "
      "each; cost summed.");
  m.def(
      "tune_hpa",
      [](const hpa::AutoscalerSpec& base, py::handle traces, const tune::TuneOptions& options,
         py::object progress) {
        tune::TuneOptions o = WithTraces(options, traces);
        std::function<void(int64_t, int64_t)> cb;
        if (!progress.is_none()) {
          cb = [progress](int64_t done, int64_t most) {
            py::gil_scoped_acquire acquire;
            progress(done, most);
          };
        }
        absl::StatusOr<tune::TuneResult> r;
        {
          py::gil_scoped_release release;
          r = tune::TuneHpa(base, o, cb);
        }
        return Unwrap(std::move(r));
      },
      py::arg("base"), py::arg("traces"), py::arg("options") = tune::TuneOptions{},
      py::arg("progress") = py::none(),
      "Searches the base HPA's target, minReplicas and scale-down window on the agent model "
      "for the cheapest config meeting options.slo on every trace, from the queueing guess. "
      "progress(done, most) after each batch.");
}

}  // namespace agentscale::python
