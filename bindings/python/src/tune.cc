// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: queueing theory for a first guess at a fleet
// (agentscale/tune/queueing.h).

#include <pybind11/numpy.h>

#include <string>
#include <vector>

#include "agentscale/sim/trace.h"
#include "agentscale/tune/queueing.h"
#include "common.h"

namespace agentscale::python {

AGENTSCALE_PY_VALUE(tune::WaitSlo);

namespace {

template <typename T>
py::array_t<T> Array(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
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
}

}  // namespace agentscale::python
