// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: cron schedules and KEDA's cron window
// (agentscale/schedule/cron.h).

#include <optional>
#include <string>

#include "agentscale/schedule/cron.h"
#include "common.h"

namespace agentscale::python {

void BindSchedule(py::module_& m) {
  py::class_<schedule::CronSchedule>(
      m, "CronSchedule",
      "A cron line with robfig/cron v3's meaning (what KEDA's cron trigger "
      "parses): five fields, minute hour day-of-month month day-of-week; "
      "docs/cron.md.")
      .def_static(
          "parse",
          [](const std::string& spec, bool seconds, bool descriptors) {
            schedule::CronParseOptions o;
            o.seconds = seconds;
            o.descriptors = descriptors;
            return Unwrap(schedule::CronSchedule::Parse(spec, o));
          },
          py::arg("spec"), py::kw_only(), py::arg("seconds") = false,
          py::arg("descriptors") = false,
          "Parses a cron line; ValueError quoting the part at fault. seconds: a "
          "leading seconds field; descriptors: @daily and the like.")
      .def(
          "next",
          [](const schedule::CronSchedule& s, py::handle after,
             const std::string& timezone) -> std::optional<double> {
            const absl::TimeZone zone = Unwrap(schedule::LoadZone(timezone));
            std::optional<absl::Time> t = s.Next(TimeFromPy(after), zone);
            if (!t.has_value()) return std::nullopt;
            return TimeToPy(*t);
          },
          py::arg("after"), py::arg("timezone") = "UTC",
          "The first instant strictly after `after` (Unix seconds or a "
          "datetime) that the schedule names, read in `timezone` (an IANA "
          "name; the line's own TZ= prefix wins), as Unix seconds; None if "
          "there is none within five years.")
      .def_property_readonly("spec", &schedule::CronSchedule::spec, "The line as written.")
      .def("__repr__", [](const schedule::CronSchedule& s) {
        return "CronSchedule.parse(" + std::string(py::str(py::repr(py::str(s.spec())))) + ")";
      });

  m.def(
      "cron_window_open",
      [](const std::string& start, const std::string& end, const std::string& timezone,
         py::handle at) {
        const schedule::CronWindow w = Unwrap(schedule::CronWindow::Create(start, end, timezone));
        return w.ContainsUncached(TimeFromPy(at));
      },
      py::arg("start"), py::arg("end"), py::arg("timezone"), py::arg("at"),
      "Whether KEDA's cron trigger with these start and end lines in this "
      "zone is open at `at` (Unix seconds or a datetime): from each start "
      "(inclusive) to the next end (exclusive).");
}

}  // namespace agentscale::python
