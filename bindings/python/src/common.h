// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Shared machinery of the agentscale._core module:
//   * the one mapping from absl::Status to Python exceptions (RaiseIfError);
//   * conversions at the boundary (absl::Time <-> float seconds since the
//     Unix epoch or datetime, absl::Duration <-> float seconds or timedelta,
//     enums <-> Python enums or their Kubernetes spellings);
//   * ValueClass<T>: binds a plain C++ struct as a Python value type with
//     keyword construction, properties, __repr__, __eq__, to_dict/from_dict,
//     to_json/from_json, copy and pickling, all driven by one field table.
#ifndef AGENTSCALE_BINDINGS_PYTHON_COMMON_H_
#define AGENTSCALE_BINDINGS_PYTHON_COMMON_H_

#include <pybind11/native_enum.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/policy.h"
#include "agentscale/observation.h"
#include "agentscale/hpa/conditions.h"
#include "agentscale/hpa/normalize.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/hpa/replica_calculator.h"
#include "agentscale/hpa/selector.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/metrics/extrapolation.h"
#include "agentscale/hpa/validation.h"

namespace agentscale::python {

namespace py = pybind11;

// ---------------------------------------------------------------------------
// Errors: the single place where absl::Status becomes a Python exception.
// ---------------------------------------------------------------------------

// How a NotFound status surfaces: a missing file or a missing name.
enum class NotFoundAs { kFile, kKey };

// agentscale.Error (a RuntimeError subclass), created at module init.
py::handle ErrorType();

// Throws the Python exception for a non-OK status:
//   InvalidArgument -> ValueError (the message keeps field path and
//                      file:line:column);
//   NotFound        -> FileNotFoundError (kFile) or KeyError (kKey);
//   anything else   -> agentscale.Error, with .code set to the status code
//                      name ("FAILED_PRECONDITION", ...).
[[noreturn]] void RaiseStatus(const absl::Status& status,
                              NotFoundAs not_found = NotFoundAs::kFile);

inline void RaiseIfError(const absl::Status& status,
                         NotFoundAs not_found = NotFoundAs::kFile) {
  if (!status.ok()) RaiseStatus(status, not_found);
}

template <typename T>
T Unwrap(absl::StatusOr<T> v, NotFoundAs not_found = NotFoundAs::kFile) {
  if (!v.ok()) RaiseStatus(v.status(), not_found);
  return *std::move(v);
}

std::string StatusCodeName(absl::StatusCode code);
absl::StatusCode StatusCodeFromName(const std::string& name);

// ---------------------------------------------------------------------------
// Time and durations.
// ---------------------------------------------------------------------------

// Float seconds since the Unix epoch, rounded to the microsecond (a float64
// near today's epoch resolves 0.24 us, and datetime carries microseconds),
// or a datetime (naive means UTC). +-inf are the infinite future/past.
absl::Time TimeFromPy(py::handle h);

// A view of a str (its UTF-8 form, cached in the object) or of a bytes
// object's buffer (immutable, so it may be read without the GIL); valid while
// `h` is alive. TypeError naming `what` for anything else.
absl::string_view TextArg(py::handle h, const char* what);
// The same instant as float seconds since the epoch (+-inf for infinite).
double TimeToPy(absl::Time t);
// Float seconds (rounded to the nanosecond) or a timedelta.
absl::Duration DurationFromPy(py::handle h);
double DurationToPy(absl::Duration d);

// ---------------------------------------------------------------------------
// Enums: registered as Python enum.Enum classes (UPPER_SNAKE members) with a
// `kubernetes_name` property and a `from_kubernetes_name` classmethod. Every
// enum-typed field also accepts the Kubernetes spelling ("AverageValue") or
// the member name ("AVERAGE_VALUE") as a string, and to_dict() writes the
// Kubernetes spelling.
// ---------------------------------------------------------------------------

template <typename E>
struct EnumEntry {
  E value;
  const char* py_name;
  const char* k8s_name;
};

template <typename E>
struct EnumTable {
  static std::vector<EnumEntry<E>>& entries() {
    static std::vector<EnumEntry<E>> e;
    return e;
  }
  static const char*& name() {
    static const char* n = "";
    return n;
  }
};

template <typename E>
const char* EnumK8sName(E e) {
  for (const auto& x : EnumTable<E>::entries()) {
    if (x.value == e) return x.k8s_name;
  }
  return "";
}

template <typename E>
E EnumFromString(const std::string& s) {
  for (const auto& x : EnumTable<E>::entries()) {
    if (s == x.k8s_name || s == x.py_name) return x.value;
  }
  std::string valid;
  for (const auto& x : EnumTable<E>::entries()) {
    if (!valid.empty()) valid += ", ";
    valid += "\"" + std::string(x.k8s_name) + "\"";
  }
  throw py::value_error("unknown " + std::string(EnumTable<E>::name()) +
                        " \"" + s + "\"; valid: " + valid);
}

// Registers E as `name` in `m` (an enum.Enum subclass).
template <typename E>
void BindEnum(py::module_& m, const char* name, const char* doc,
              std::vector<EnumEntry<E>> entries) {
  EnumTable<E>::entries() = entries;
  EnumTable<E>::name() = name;
  py::native_enum<E> ne(m, name, "enum.Enum", doc);
  for (const auto& e : entries) ne.value(e.py_name, e.value);
  ne.finalize();
  py::object cls = m.attr(name);
  py::object property = py::module_::import("builtins").attr("property");
  py::object classmethod = py::module_::import("builtins").attr("classmethod");
  cls.attr("kubernetes_name") = property(py::cpp_function(
      [](E e) { return std::string(EnumK8sName(e)); }, py::arg("self"),
      "The spelling Kubernetes uses (\"AverageValue\", \"ScaleUpLimit\")."));
  cls.attr("from_kubernetes_name") = classmethod(py::cpp_function(
      [](py::object, const std::string& s) { return EnumFromString<E>(s); },
      py::arg("cls"), py::arg("name"),
      "The member for a Kubernetes spelling (or a member name); ValueError "
      "if unknown."));
}

// ---------------------------------------------------------------------------
// Value types and their field tables.
// ---------------------------------------------------------------------------

template <typename T>
struct FieldDef {
  std::string name;
  std::function<py::object(const T&)> get;
  std::function<void(T&, py::handle)> set;
  std::function<py::object(const T&)> plain;
  bool in_repr = true;
};

template <typename T>
struct ValueTable {
  static std::vector<FieldDef<T>>& fields() {
    static std::vector<FieldDef<T>> f;
    return f;
  }
  static std::string& name() {
    static std::string n;
    return n;
  }
};

// Marks the structs bound with ValueClass (their Conv reads dicts).
template <typename T>
struct IsValue : std::false_type {};
#define AGENTSCALE_PY_VALUE(T) \
  template <>                  \
  struct IsValue<T> : std::true_type {}

AGENTSCALE_PY_VALUE(hpa::LabelSelectorRequirement);
AGENTSCALE_PY_VALUE(hpa::LabelSelector);
AGENTSCALE_PY_VALUE(hpa::ObjectReference);
AGENTSCALE_PY_VALUE(hpa::MetricTarget);
AGENTSCALE_PY_VALUE(hpa::MetricSpec);
AGENTSCALE_PY_VALUE(hpa::ScalingPolicy);
AGENTSCALE_PY_VALUE(hpa::ScalingRules);
AGENTSCALE_PY_VALUE(hpa::Behavior);
AGENTSCALE_PY_VALUE(hpa::AutoscalerSpec);
AGENTSCALE_PY_VALUE(hpa::ControllerConfig);
AGENTSCALE_PY_VALUE(hpa::ResourceList);
AGENTSCALE_PY_VALUE(hpa::Container);
AGENTSCALE_PY_VALUE(hpa::ReadyCondition);
AGENTSCALE_PY_VALUE(hpa::Pod);
AGENTSCALE_PY_VALUE(hpa::PodSample);
AGENTSCALE_PY_VALUE(hpa::ContainerUsage);
AGENTSCALE_PY_VALUE(hpa::PodResourceSample);
AGENTSCALE_PY_VALUE(hpa::Tolerances);
AGENTSCALE_PY_VALUE(hpa::ReadinessConfig);
AGENTSCALE_PY_VALUE(hpa::ResourceReplicas);
AGENTSCALE_PY_VALUE(hpa::MetricReplicas);
AGENTSCALE_PY_VALUE(hpa::Condition);
AGENTSCALE_PY_VALUE(hpa::FieldError);
AGENTSCALE_PY_VALUE(hpa::Recommendation);
AGENTSCALE_PY_VALUE(hpa::ScaleEvent);
AGENTSCALE_PY_VALUE(hpa::Limited);
AGENTSCALE_PY_VALUE(AutoscalerState);
AGENTSCALE_PY_VALUE(MetricResult);
AGENTSCALE_PY_VALUE(Decision);
AGENTSCALE_PY_VALUE(MetricObservation);
AGENTSCALE_PY_VALUE(SelectorCheck::OtherAutoscaler);
AGENTSCALE_PY_VALUE(SelectorCheck);
AGENTSCALE_PY_VALUE(Observation);
AGENTSCALE_PY_VALUE(config::SkippedDocument);
AGENTSCALE_PY_VALUE(config::ManifestDocument);
AGENTSCALE_PY_VALUE(config::LoadedManifests);

template <typename T>
py::dict ToDict(const T& t) {
  py::dict d;
  for (const auto& f : ValueTable<T>::fields()) d[py::str(f.name)] = f.plain(t);
  return d;
}

template <typename T>
void SetFields(T& t, py::handle mapping) {
  if (!py::isinstance<py::dict>(mapping)) {
    throw py::type_error(ValueTable<T>::name() + ": expected a dict, got " +
                         std::string(py::str(py::type::of(mapping).attr("__name__"))));
  }
  for (auto item : py::reinterpret_borrow<py::dict>(mapping)) {
    const std::string key = py::str(item.first);
    bool found = false;
    for (const auto& f : ValueTable<T>::fields()) {
      if (f.name == key) {
        f.set(t, item.second);
        found = true;
        break;
      }
    }
    if (!found) {
      throw py::type_error(ValueTable<T>::name() + ": unknown field '" + key + "'");
    }
  }
}

template <typename T>
T FromDict(py::handle mapping) {
  T t{};
  SetFields(t, mapping);
  return t;
}

// Conversion of one field type: Get (the Python-facing value), Set (from the
// Python-facing value or its plain form) and Plain (JSON-able form).
template <typename M, typename Enable = void>
struct Conv {
  static py::object Get(const M& m) { return py::cast(m); }
  static M Set(py::handle h) { return h.cast<M>(); }
  static py::object Plain(const M& m) { return py::cast(m); }
};

template <>
struct Conv<bool> {
  static py::object Get(bool b) { return py::bool_(b); }
  static bool Set(py::handle h) {
    if (!py::isinstance<py::bool_>(h)) throw py::type_error("expected a bool");
    return h.cast<bool>();
  }
  static py::object Plain(bool b) { return py::bool_(b); }
};

template <typename M>
struct Conv<M, std::enable_if_t<std::is_enum_v<M>>> {
  static py::object Get(M e) { return py::cast(e); }
  static M Set(py::handle h) {
    if (py::isinstance<py::str>(h)) return EnumFromString<M>(h.cast<std::string>());
    return h.cast<M>();
  }
  static py::object Plain(M e) { return py::str(EnumK8sName(e)); }
};

// A Prometheus version reads and prints as its number, 2 or 3.
template <>
struct Conv<metrics::PrometheusVersion> {
  static py::object Get(metrics::PrometheusVersion v) { return py::int_(static_cast<int>(v)); }
  static metrics::PrometheusVersion Set(py::handle h) {
    if (py::isinstance<py::bool_>(h) || !py::isinstance<py::int_>(h)) {
      throw py::type_error("prometheus_version must be the int 2 or 3");
    }
    const int64_t v = h.cast<int64_t>();
    if (v == 2) return metrics::PrometheusVersion::k2;
    if (v == 3) return metrics::PrometheusVersion::k3;
    throw py::value_error("prometheus_version must be 2 or 3, got " + std::to_string(v));
  }
  static py::object Plain(metrics::PrometheusVersion v) { return Get(v); }
};

template <typename M>
struct Conv<M, std::enable_if_t<IsValue<M>::value>> {
  static py::object Get(const M& m) { return py::cast(m); }
  static M Set(py::handle h) {
    if (py::isinstance<py::dict>(h)) return FromDict<M>(h);
    return h.cast<M>();
  }
  static py::object Plain(const M& m) { return ToDict(m); }
};

template <>
struct Conv<absl::Time> {
  static py::object Get(absl::Time t) { return py::float_(TimeToPy(t)); }
  static absl::Time Set(py::handle h) { return TimeFromPy(h); }
  static py::object Plain(absl::Time t) { return py::float_(TimeToPy(t)); }
};

template <>
struct Conv<absl::Duration> {
  static py::object Get(absl::Duration d) { return py::float_(DurationToPy(d)); }
  static absl::Duration Set(py::handle h) { return DurationFromPy(h); }
  static py::object Plain(absl::Duration d) { return py::float_(DurationToPy(d)); }
};

// absl::Status fields read as the message (None when OK); they accept a
// message (stored as UNAVAILABLE, a failed fetch) or a {"code", "message"}
// dict; the plain form is that dict, so round trips keep the code.
template <>
struct Conv<absl::Status> {
  static py::object Get(const absl::Status& s) {
    if (s.ok()) return py::none();
    return py::str(std::string(s.message()));
  }
  static absl::Status Set(py::handle h) {
    if (h.is_none()) return absl::OkStatus();
    if (py::isinstance<py::str>(h)) {
      return absl::UnavailableError(h.cast<std::string>());
    }
    if (py::isinstance<py::dict>(h)) {
      py::dict d = py::reinterpret_borrow<py::dict>(h);
      std::string code = d.contains("code") ? d["code"].cast<std::string>() : "UNKNOWN";
      std::string msg = d.contains("message") ? d["message"].cast<std::string>() : "";
      return absl::Status(StatusCodeFromName(code), msg);
    }
    throw py::type_error("expected None, a message string or {code, message}");
  }
  static py::object Plain(const absl::Status& s) {
    if (s.ok()) return py::none();
    py::dict d;
    d["code"] = StatusCodeName(s.code());
    d["message"] = std::string(s.message());
    return d;
  }
};

template <typename X>
struct Conv<std::optional<X>> {
  static py::object Get(const std::optional<X>& o) {
    return o ? Conv<X>::Get(*o) : py::none();
  }
  static std::optional<X> Set(py::handle h) {
    if (h.is_none()) return std::nullopt;
    return Conv<X>::Set(h);
  }
  static py::object Plain(const std::optional<X>& o) {
    return o ? Conv<X>::Plain(*o) : py::none();
  }
};

template <typename C, typename X>
struct SeqConv {
  static py::object Get(const C& c) {
    py::list l;
    for (const auto& x : c) l.append(Conv<X>::Get(x));
    return l;
  }
  static C Set(py::handle h) {
    if (py::isinstance<py::str>(h) || !py::isinstance<py::sequence>(h)) {
      throw py::type_error("expected a list");
    }
    C c;
    for (auto x : py::reinterpret_borrow<py::sequence>(h)) c.push_back(Conv<X>::Set(x));
    return c;
  }
  static py::object Plain(const C& c) {
    py::list l;
    for (const auto& x : c) l.append(Conv<X>::Plain(x));
    return l;
  }
};
template <typename X>
struct Conv<std::vector<X>> : SeqConv<std::vector<X>, X> {};
template <typename X>
struct Conv<std::deque<X>> : SeqConv<std::deque<X>, X> {};

// Pod labels: a list of (key, value) pairs; a dict is accepted too.
template <>
struct Conv<std::vector<std::pair<std::string, std::string>>> {
  using L = std::vector<std::pair<std::string, std::string>>;
  static py::object Get(const L& l) { return py::cast(l); }
  static L Set(py::handle h) {
    if (py::isinstance<py::dict>(h)) {
      L out;
      for (auto item : py::reinterpret_borrow<py::dict>(h)) {
        out.emplace_back(item.first.cast<std::string>(), item.second.cast<std::string>());
      }
      return out;
    }
    return h.cast<L>();
  }
  static py::object Plain(const L& l) {
    py::list out;
    for (const auto& kv : l) out.append(py::make_tuple(kv.first, kv.second));
    return out;
  }
};

template <>
struct Conv<std::shared_ptr<const hpa::AutoscalerSpec>> {
  using P = std::shared_ptr<const hpa::AutoscalerSpec>;
  static py::object Get(const P& p) { return p ? py::cast(*p) : py::none(); }
  static P Set(py::handle h);
  static py::object Plain(const P& p);
};

// Binds a struct as a Python value type. Fields are registered with field();
// finish() adds the generic protocol.
template <typename T>
class ValueClass {
 public:
  ValueClass(py::module_& m, const char* name, const char* doc)
      : cls_(m, name, doc) {
    ValueTable<T>::name() = name;
    ValueTable<T>::fields().clear();
  }

  py::class_<T>& cls() { return cls_; }

  // A data member exposed as `name`. Members that are themselves value types
  // (or optional value types) are returned by reference, so that
  // `spec.behavior.scale_up.select_policy = ...` changes `spec`.
  template <typename M>
  ValueClass& field(const char* name, M T::*pm, const char* doc,
                    bool in_repr = true) {
    const std::string fname = name;
    auto setter = [pm, fname](T& t, py::handle h) {
      try {
        t.*pm = Conv<M>::Set(h);
      } catch (py::cast_error&) {
        throw py::type_error(ValueTable<T>::name() + "." + fname + ": cannot use " +
                             std::string(py::str(py::repr(h))));
      }
    };
    ValueTable<T>::fields().push_back(
        {fname, [pm](const T& t) { return Conv<M>::Get(t.*pm); }, setter,
         [pm](const T& t) { return Conv<M>::Plain(t.*pm); }, in_repr});
    if constexpr (IsValue<M>::value) {
      cls_.def_property(
          name, [pm](T& t) -> M& { return t.*pm; },
          [setter](T& t, py::handle h) { setter(t, h); },
          py::return_value_policy::reference_internal, doc);
    } else if constexpr (IsOptionalValue<M>::value) {
      using X = typename M::value_type;
      cls_.def_property(
          name, [pm](T& t) -> X* { return (t.*pm) ? &*(t.*pm) : nullptr; },
          [setter](T& t, py::handle h) { setter(t, h); },
          py::return_value_policy::reference_internal, doc);
    } else {
      cls_.def_property(
          name, [pm](const T& t) { return Conv<M>::Get(t.*pm); },
          [setter](T& t, py::handle h) { setter(t, h); }, doc);
    }
    return *this;
  }

  // A data member whose Python form is another type M: `to` converts the
  // member to M, `from` back, and Conv<M> does the rest (e.g. integer
  // milliseconds since the epoch read and written as float seconds).
  template <typename M, typename Member>
  ValueClass& field_as(const char* name, Member T::*pm, M (*to)(const Member&),
                       Member (*from)(const M&), const char* doc, bool in_repr = true) {
    const std::string fname = name;
    auto setter = [pm, from, fname](T& t, py::handle h) {
      try {
        t.*pm = from(Conv<M>::Set(h));
      } catch (py::cast_error&) {
        throw py::type_error(ValueTable<T>::name() + "." + fname + ": cannot use " +
                             std::string(py::str(py::repr(h))));
      }
    };
    auto get = [pm, to](const T& t) { return Conv<M>::Get(to(t.*pm)); };
    ValueTable<T>::fields().push_back(
        {fname, get, setter, [pm, to](const T& t) { return Conv<M>::Plain(to(t.*pm)); },
         in_repr});
    cls_.def_property(name, get, [setter](T& t, py::handle h) { setter(t, h); }, doc);
    return *this;
  }

  struct Options {
    bool json = true;    // generic to_json/from_json
    bool pickle = true;  // generic pickling through to_dict
  };

  ValueClass& finish(Options opt) {
    std::string init_doc = "Keyword construction; every field is optional:";
    for (const auto& f : ValueTable<T>::fields()) init_doc += " " + f.name;
    init_doc += ".";
    cls_.def(py::init([](const py::kwargs& kw) {
               T t{};
               SetFields(t, kw);
               return t;
             }),
             init_doc.c_str());
    cls_.def("__repr__", [](const T& t) {
      std::string out = ValueTable<T>::name() + "(";
      bool first = true;
      for (const auto& f : ValueTable<T>::fields()) {
        if (!f.in_repr) continue;
        if (!first) out += ", ";
        first = false;
        out += f.name + "=" + std::string(py::str(py::repr(f.get(t))));
      }
      return out + ")";
    });
    cls_.def(
        "__eq__",
        [](const T& a, py::object other) -> py::object {
          if (!py::isinstance<T>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
          const T& b = other.cast<const T&>();
          if constexpr (HasEq<T>::value) {
            return py::bool_(a == b);
          } else {
            return py::bool_(ToDict(a).equal(ToDict(b)));
          }
        },
        py::arg("other"));
    cls_.attr("__hash__") = py::none();
    cls_.def("to_dict", [](const T& t) { return ToDict(t); },
             "A dict of plain Python values (enums as Kubernetes spellings, times "
             "as float seconds), suitable for JSON; from_dict() reads it back.");
    cls_.def_static("from_dict", [](py::handle d) { return FromDict<T>(d); },
                    py::arg("data"), "Builds the value from to_dict()'s form.");
    if (opt.json) {
      cls_.def(
          "to_json",
          [](const T& t, py::object indent) {
            return py::module_::import("json").attr("dumps")(ToDict(t), py::arg("indent") = indent);
          },
          py::kw_only(), py::arg("indent") = py::none(), "to_dict() as JSON text.");
      cls_.def_static(
          "from_json",
          [](const std::string& text) {
            return FromDict<T>(py::module_::import("json").attr("loads")(text));
          },
          py::arg("text"), "Reads to_json()'s text.");
    }
    if (opt.pickle) {
      cls_.def(py::pickle([](const T& t) { return ToDict(t); },
                          [](py::dict d) { return FromDict<T>(d); }));
    }
    cls_.def("__copy__", [](const T& t) { return T(t); });
    cls_.def("__deepcopy__", [](const T& t, py::object) { return T(t); }, py::arg("memo"));
    return *this;
  }
  ValueClass& finish() { return finish(Options{}); }

 private:
  template <typename M>
  struct IsOptionalValue : std::false_type {};
  template <typename X>
  struct IsOptionalValue<std::optional<X>> : IsValue<X> {};

  template <typename X, typename = void>
  struct HasEq : std::false_type {};
  template <typename X>
  struct HasEq<X, std::void_t<decltype(std::declval<const X&>() == std::declval<const X&>())>>
      : std::true_type {};

  py::class_<T> cls_;
};

// Module parts, defined in the other translation units.
extern py::object g_error_type;
// A number in plain units (rounded up to milli) or a quantity string.
int64_t MilliFromPy(py::handle h);
// A family's policy plus the lock that serializes its mutating calls (as
// HorizontalAutoscaler's binding does): KEDA's and AWS's policies in Python.
template <typename P>
struct PyLocked final : public Policy {
  explicit PyLocked(std::unique_ptr<P> p) : policy(std::move(p)) {}
  std::unique_ptr<P> policy;
  mutable std::mutex mu;

  std::string family() const override { return policy->family(); }
  int32_t min_replicas() const override { return policy->min_replicas(); }
  int32_t max_replicas() const override { return policy->max_replicas(); }
  const std::vector<hpa::MetricSpec>& metrics() const override { return policy->metrics(); }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    std::lock_guard<std::mutex> l(mu);
    return policy->Decide(now, obs, out);
  }
  absl::Status Commit(Decision& d) override {
    std::lock_guard<std::mutex> l(mu);
    return policy->Commit(d);
  }
  absl::Status CommitFailed(Decision& d, const absl::Status& error) override {
    std::lock_guard<std::mutex> l(mu);
    return policy->CommitFailed(d, error);
  }
  PolicyState ExportPolicyState() const override {
    std::lock_guard<std::mutex> l(mu);
    return policy->ExportPolicyState();
  }
  absl::Status ImportPolicyState(const PolicyState& state) override {
    std::lock_guard<std::mutex> l(mu);
    return policy->ImportPolicyState(state);
  }
  std::unique_ptr<Policy> Clone() const override {
    std::lock_guard<std::mutex> l(mu);
    std::unique_ptr<Policy> copy = policy->Clone();
    return std::make_unique<PyLocked<P>>(std::unique_ptr<P>(static_cast<P*>(copy.release())));
  }
};
void BindQuantities(py::module_& m);
void BindEnums(py::module_& m);
void BindHpa(py::module_& m);
void BindPolicy(py::module_& m);
void BindEngine(py::module_& m);
void BindConfig(py::module_& m);
// metrics.cc: the series store, exposition parser, adapter rules, scraper,
// Prometheus query client and the engine's own metrics.
void BindMetrics(py::module_& m);

}  // namespace agentscale::python

#endif  // AGENTSCALE_BINDINGS_PYTHON_COMMON_H_
