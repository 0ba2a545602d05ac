// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale.Policy: the policy seam (policy/policy.h) in Python. C++
// policies (HorizontalAutoscaler) are subclasses; a Python class that
// subclasses it and implements family(), min_replicas(), max_replicas(),
// metrics(), decide(now, observation) and commit(decision) (optionally
// commit_failed, state_json, import_state_json) runs through every driver
// that takes a Policy: evaluate_series(), fluid_replay(), run_agent_model().
// The drivers release the GIL; each call into Python takes it back.

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "agentscale/policy/observation_json.h"
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"
#include "common.h"

namespace agentscale::python {
namespace {

// A Python exception raised by a policy method, as a Status the drivers
// report (with its type and message).
absl::Status FromPython(py::error_already_set& e, const char* method) {
  return absl::InvalidArgumentError(std::string("Policy.") + method + "() raised " +
                                    e.what());
}

// Forwards the seam to a Python subclass's methods.
class PyPolicy : public Policy {
 public:
  PyPolicy() = default;

  std::string family() const override {
    PYBIND11_OVERRIDE_PURE(std::string, Policy, family, );
  }
  int32_t min_replicas() const override {
    PYBIND11_OVERRIDE_PURE(int32_t, Policy, min_replicas, );
  }
  int32_t max_replicas() const override {
    PYBIND11_OVERRIDE_PURE(int32_t, Policy, max_replicas, );
  }
  const std::vector<hpa::MetricSpec>& metrics() const override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Policy*>(this), "metrics");
    if (!f) throw py::type_error("a Policy subclass must define metrics()");
    metrics_ = f().cast<std::vector<hpa::MetricSpec>>();
    return metrics_;
  }
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Policy*>(this), "decide");
    if (!f) return absl::UnimplementedError("a Policy subclass must define decide()");
    try {
      *out = f(TimeToPy(now), obs).cast<Decision>();
    } catch (py::error_already_set& e) {
      return FromPython(e, "decide");
    } catch (const py::cast_error& e) {
      return absl::InvalidArgumentError(std::string("Policy.decide() must return a "
                                                    "Decision: ") + e.what());
    }
    return absl::OkStatus();
  }
  absl::Status Commit(Decision& d) override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Policy*>(this), "commit");
    if (!f) return absl::UnimplementedError("a Policy subclass must define commit()");
    try {
      f(d);
    } catch (py::error_already_set& e) {
      return FromPython(e, "commit");
    }
    d.committed = true;
    return absl::OkStatus();
  }
  absl::Status CommitFailed(Decision& d, const absl::Status& error) override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Policy*>(this), "commit_failed");
    if (f) {
      try {
        f(d, std::string(error.message()));
      } catch (py::error_already_set& e) {
        return FromPython(e, "commit_failed");
      }
    }
    d.committed = true;
    return absl::OkStatus();
  }
  // A subclass may define sync_period_seconds() -> float | None; a value
  // that is not a positive finite number of seconds is ignored.
  std::optional<absl::Duration> sync_period() const override {
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Policy*>(this), "sync_period_seconds");
    if (!f) return std::nullopt;
    py::object v = f();
    if (v.is_none()) return std::nullopt;
    const double seconds = v.cast<double>();
    if (!(seconds > 0) || !std::isfinite(seconds)) return std::nullopt;
    return absl::Seconds(seconds);
  }
  PolicyState ExportPolicyState() const override {
    PolicyState s;
    s.family = family();
    py::gil_scoped_acquire gil;
    py::function f = py::get_override(static_cast<const Policy*>(this), "state_json");
    if (f) s.state_json = f().cast<std::string>();
    return s;
  }
  absl::Status ImportPolicyState(const PolicyState& state) override {
    if (absl::Status st = CheckPolicyState(state, family(), 0); !st.ok()) return st;
    py::gil_scoped_acquire gil;
    py::function f =
        py::get_override(static_cast<const Policy*>(this), "import_state_json");
    if (!f) return absl::OkStatus();
    try {
      f(state.state_json);
    } catch (py::error_already_set& e) {
      return FromPython(e, "import_state_json");
    }
    return absl::OkStatus();
  }
  std::unique_ptr<Policy> Clone() const override;

 private:
  mutable std::vector<hpa::MetricSpec> metrics_;
};

// A copy of a Python policy (copy.deepcopy of the object), kept alive here.
class HeldPolicy final : public Policy {
 public:
  explicit HeldPolicy(py::object obj) : obj_(std::move(obj)), p_(obj_.cast<Policy*>()) {}
  ~HeldPolicy() override {
    py::gil_scoped_acquire gil;
    obj_ = py::object();
  }
  std::string family() const override { return p_->family(); }
  int32_t min_replicas() const override { return p_->min_replicas(); }
  int32_t max_replicas() const override { return p_->max_replicas(); }
  const std::vector<hpa::MetricSpec>& metrics() const override { return p_->metrics(); }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    return p_->Decide(now, obs, out);
  }
  absl::Status Commit(Decision& d) override { return p_->Commit(d); }
  absl::Status CommitFailed(Decision& d, const absl::Status& e) override {
    return p_->CommitFailed(d, e);
  }
  PolicyState ExportPolicyState() const override { return p_->ExportPolicyState(); }
  absl::Status ImportPolicyState(const PolicyState& s) override {
    return p_->ImportPolicyState(s);
  }
  std::unique_ptr<Policy> Clone() const override { return p_->Clone(); }

 private:
  py::object obj_;
  Policy* p_;
};

std::unique_ptr<Policy> PyPolicy::Clone() const {
  py::gil_scoped_acquire gil;
  py::object self = py::cast(static_cast<const Policy*>(this));
  return std::make_unique<HeldPolicy>(py::module_::import("copy").attr("deepcopy")(self));
}

}  // namespace

void BindPolicy(py::module_& m) {
  m.def(
      "observation_from_json",
      [](const std::string& text, const std::vector<hpa::MetricSpec>& metrics,
         const std::string& source, py::handle default_time) {
        TimedObservation o = Unwrap(
            ObservationFromJson(text, metrics, source, TimeFromPy(default_time)));
        return py::make_tuple(TimeToPy(o.time), std::move(o.observation));
      },
      py::arg("text"), py::arg("metrics"), py::arg("source") = "<observation>",
      py::arg("default_time") = 0.0,
      "(time, Observation) from the observation JSON format (policy/"
      "observation_json.h); ValueError names the source, line:col or field.");

  py::class_<Policy, PyPolicy>(
      m, "Policy",
      "A scaling policy: decides a replica count from an Observation. "
      "HorizontalAutoscaler is one; subclass it in Python to write your own and "
      "run it through evaluate_series(), fluid_replay() and run_agent_model().")
      .def(py::init<>())
      .def("family", &Policy::family, "The family's name, e.g. 'hpa'.")
      .def("min_replicas", &Policy::min_replicas, "The lowest count it decides.")
      .def("max_replicas", &Policy::max_replicas, "The highest count it decides.")
      .def("metrics", &Policy::metrics,
           "The metrics it reads, as MetricSpecs (name, type, target).")
      .def(
          "sync_period_seconds",
          [](const Policy& p) -> std::optional<double> {
            const std::optional<absl::Duration> d = p.sync_period();
            if (!d.has_value()) return std::nullopt;
            return absl::ToDoubleSeconds(*d);
          },
          "The sync period it asks for (an HPA's spec.syncPeriodSeconds with "
          "HPAConfigurableSyncPeriod on), or None for the driver's own.")
      .def(
          "decide",
          [](Policy& p, py::handle now, const Observation& obs) {
            const absl::Time t = TimeFromPy(now);
            Decision d;
            RaiseIfError(p.Decide(t, obs, &d));
            return d;
          },
          py::arg("now"), py::arg("observation"),
          "One decision at `now` (float seconds since the epoch, or a datetime).")
      .def(
          "commit", [](Policy& p, Decision& d) { RaiseIfError(p.Commit(d)); },
          py::arg("decision"), "The decision was applied.")
      .def(
          "commit_failed",
          [](Policy& p, Decision& d, const std::string& message) {
            RaiseIfError(p.CommitFailed(d, absl::UnavailableError(message)));
          },
          py::arg("decision"), py::arg("message"), "Applying the decision failed.")
      .def(
          "policy_state_json",
          [](const Policy& p, int indent) {
            return PolicyStateToJson(p.ExportPolicyState(), indent);
          },
          py::kw_only(), py::arg("indent") = 2,
          "The policy's memory as an agentscale.policy-state/v1 JSON document.")
      .def(
          "import_policy_state_json",
          [](Policy& p, const std::string& text) {
            PolicyState s = Unwrap(PolicyStateFromJson(text));
            RaiseIfError(p.ImportPolicyState(s));
          },
          py::arg("text"), "Replaces the policy's memory from policy_state_json().");
}

}  // namespace agentscale::python
