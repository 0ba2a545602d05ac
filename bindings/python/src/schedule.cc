// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: cron schedules and KEDA's cron window
// (agentscale/schedule/cron.h).

#include <optional>
#include <string>
#include <vector>

#include "agentscale/config/schedule.h"
#include "agentscale/schedule/cron.h"
#include "agentscale/schedule/schedule.h"
#include "common.h"

namespace agentscale::python {

void BindSchedule(py::module_& m) {
  BindEnum<schedule::ScheduleRule::Kind>(
      m, "ScheduleRuleKind", "A schedule rule's kind: a window between cron lines, or days.",
      {{schedule::ScheduleRule::Kind::kWindow, "WINDOW", "window"},
       {schedule::ScheduleRule::Kind::kDays, "DAYS", "days"}});
  ValueClass<schedule::ScheduleRule>(
      m, "ScheduleRule",
      "One rule of a schedule (docs/schedules.md): in force from any start line until the next "
      "end line (WINDOW), or on the local days `days` names (DAYS); raises the minimum and/or "
      "lowers the maximum.")
      .field("name", &schedule::ScheduleRule::name, "The rule's name (explanations name it).")
      .field("kind", &schedule::ScheduleRule::kind, "ScheduleRuleKind.")
      .field("start", &schedule::ScheduleRule::start, "WINDOW: cron lines that open it.")
      .field("end", &schedule::ScheduleRule::end, "WINDOW: cron lines that close it.")
      .field("days", &schedule::ScheduleRule::days,
             "DAYS: '28-31' (days of month) or 'dom month dow'.")
      .field("min_replicas", &schedule::ScheduleRule::min_replicas, "The minimum it raises to.")
      .field("max_replicas", &schedule::ScheduleRule::max_replicas, "The maximum it lowers to.")
      .finish();
  ValueClass<schedule::ScheduleSpec>(
      m, "ScheduleSpec", "A schedule: rules read in one time zone (docs/schedules.md).")
      .field("name", &schedule::ScheduleSpec::name, "metadata.name.")
      .field("timezone", &schedule::ScheduleSpec::timezone, "An IANA zone ('UTC').")
      .field("rules", &schedule::ScheduleSpec::rules, "ScheduleRules.")
      .field("source_kind", &schedule::ScheduleSpec::source_kind,
             "'ConfigMap' when read from one (its zone and amounts came from the load "
             "options), else 'Schedule'.")
      .finish();
  m.def(
      "load_schedule",
      [](const py::object& path, const std::string& timezone, int32_t min_replicas) {
        config::ScheduleLoadOptions o;
        o.timezone = timezone;
        o.min_replicas = min_replicas;
        const std::string p = py::str(py::module_::import("os").attr("fspath")(path));
        return Unwrap(config::LoadScheduleFile(p, o));
      },
      py::arg("path"), py::kw_only(), py::arg("timezone") = "UTC", py::arg("min_replicas") = 1,
      "Loads the first ConfigMap (the seed's predictive schedule, verbatim) or Schedule "
      "(agentscale.dev/v1alpha1) of a YAML file. A ConfigMap says when, not how many or in "
      "which zone: its rules get min_replicas, in timezone. ValueError with file:line:col.");
  m.def(
      "load_schedule_string",
      [](const std::string& yaml, const std::string& source_name, const std::string& timezone,
         int32_t min_replicas) {
        config::ScheduleLoadOptions o;
        o.timezone = timezone;
        o.min_replicas = min_replicas;
        return Unwrap(config::LoadScheduleString(yaml, source_name, o));
      },
      py::arg("yaml"), py::arg("source_name") = "<string>", py::kw_only(),
      py::arg("timezone") = "UTC", py::arg("min_replicas") = 1, "load_schedule for YAML text.");
  m.def("config_map_default_min_replicas", &config::ConfigMapDefaultMinReplicas,
        py::arg("policy_max_replicas"),
        "How many replicas a ConfigMap's rules hold when nobody says: half the policy's "
        "maximum, rounded up, at least 1.");
  m.def("dump_schedule", &config::DumpSchedule, py::arg("schedule"),
        "The schedule as a Schedule document (load_schedule reads it back the same).");
  m.def(
      "validate_schedule",
      [](const schedule::ScheduleSpec& s) {
        py::list out;
        for (const hpa::FieldError& e : schedule::ValidateSchedule(s)) {
          out.append(py::make_tuple(e.path, e.message));
        }
        return out;
      },
      py::arg("schedule"), "Every problem as (path, message); empty when valid.");
  m.def(
      "expand_schedule",
      [](const schedule::ScheduleSpec& s, py::handle from, py::handle to) {
        std::vector<BoundsWindow> w =
            Unwrap(schedule::ExpandSchedule(s, TimeFromPy(from), TimeFromPy(to)));
        py::list out;
        for (const BoundsWindow& b : w) {
          py::dict d;
          d["rule"] = b.name;
          d["start"] = TimeToPy(b.start);
          d["end"] = TimeToPy(b.end);
          d["min_replicas"] = b.min_replicas.has_value() ? py::object(py::int_(*b.min_replicas))
                                                         : py::object(py::none());
          d["max_replicas"] = b.max_replicas.has_value() ? py::object(py::int_(*b.max_replicas))
                                                         : py::object(py::none());
          out.append(d);
        }
        return out;
      },
      py::arg("schedule"), py::arg("start"), py::arg("end"),
      "When each rule is in force in [start, end) (Unix seconds or datetimes), ordered by "
      "start: dicts with rule, start, end, min_replicas, max_replicas.");

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
