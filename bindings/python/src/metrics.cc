// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: the metrics layer — the series store (with numpy batch
// appends), the Prometheus exposition parser, the adapter rules that turn
// series into engine observations, the scraper, the Prometheus query client
// and the engine's own metrics.
//
// Conventions at this boundary, as in the rest of the module: times are float
// seconds since the epoch (or datetimes), durations float seconds, label sets
// dicts. The store's unit is the millisecond: a timestamp is rounded to the
// microsecond (as every time argument is) and then floored to the
// millisecond, in append() and append_batch() alike. Batch appends, parsing,
// scrapes and HTTP queries run with the GIL released (the C++ store is
// thread-safe, see series_store.h). The scraper and the query client need
// cpp-httplib; without it (AGENTSCALE_HAVE_HTTP 0) their classes are still
// bound, so the module imports and type-checks the same, and raise
// agentscale.Error when used.

#include <pybind11/numpy.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/metrics/exposition.h"
#include "agentscale/metrics/query_client.h"
#include "agentscale/metrics/scraper.h"
#include "agentscale/drivers/self_metrics.h"
#include "agentscale/metrics/series_store.h"
#include "common.h"

#ifndef AGENTSCALE_HAVE_HTTP
#define AGENTSCALE_HAVE_HTTP 0
#endif

namespace agentscale::python {

using metrics::Label;
using metrics::Labels;
using metrics::SeriesRef;
using metrics::SeriesStore;

AGENTSCALE_PY_VALUE(metrics::SeriesStoreOptions);
AGENTSCALE_PY_VALUE(metrics::AppendCounts);
AGENTSCALE_PY_VALUE(metrics::StoreStats);
AGENTSCALE_PY_VALUE(metrics::SeriesInfo);
AGENTSCALE_PY_VALUE(metrics::FamilyInfo);
AGENTSCALE_PY_VALUE(metrics::ParsedSample);
AGENTSCALE_PY_VALUE(metrics::Exposition);
AGENTSCALE_PY_VALUE(metrics::ScrapeTarget);
AGENTSCALE_PY_VALUE(metrics::ScraperOptions);
AGENTSCALE_PY_VALUE(metrics::ScrapeResult);
AGENTSCALE_PY_VALUE(metrics::TargetStats);
AGENTSCALE_PY_VALUE(metrics::QueryClientOptions);
AGENTSCALE_PY_VALUE(metrics::InstantSample);
AGENTSCALE_PY_VALUE(metrics::ResourceLabel);

namespace {

// ---------------------------------------------------------------------------
// Arguments.
// ---------------------------------------------------------------------------

std::string TypeName(py::handle h) {
  return py::str(py::type::of(h).attr("__name__")).cast<std::string>();
}

// A label set: a mapping of str to str, or a sequence of (name, value) pairs.
// None is the empty set.
Labels LabelsFromPy(py::handle h, const std::string& what) {
  Labels out;
  if (h.is_none()) return out;
  auto add = [&](py::handle name, py::handle value) {
    if (!py::isinstance<py::str>(name) || !py::isinstance<py::str>(value)) {
      throw py::type_error(what + ": label names and values must be str, got " +
                           TypeName(name) + " and " + TypeName(value));
    }
    out.push_back({name.cast<std::string>(), value.cast<std::string>()});
  };
  if (py::isinstance<py::dict>(h)) {
    for (auto item : py::reinterpret_borrow<py::dict>(h)) add(item.first, item.second);
    return out;
  }
  if (py::hasattr(h, "items") && !py::isinstance<py::str>(h)) {  // any Mapping
    for (auto item : h.attr("items")()) {
      py::sequence kv = py::reinterpret_borrow<py::sequence>(item);
      add(kv[0], kv[1]);
    }
    return out;
  }
  if (py::isinstance<py::sequence>(h) && !py::isinstance<py::str>(h) &&
      !py::isinstance<py::bytes>(h)) {
    for (auto item : py::reinterpret_borrow<py::sequence>(h)) {
      if (!py::isinstance<py::sequence>(item) || py::isinstance<py::str>(item) ||
          py::len(item) != 2) {
        throw py::type_error(what + ": expected a dict of str to str or (name, value) pairs");
      }
      py::sequence kv = py::reinterpret_borrow<py::sequence>(item);
      add(kv[0], kv[1]);
    }
    return out;
  }
  throw py::type_error(what + ": expected a dict of str to str, got " + TypeName(h));
}

py::dict LabelsToPy(const Labels& labels) {
  py::dict d;
  for (const Label& l : labels) d[py::str(l.name)] = py::str(l.value);
  return d;
}

// A SeriesRef, or its integer id (SeriesRef.id, an element of refs_for()).
SeriesRef RefFromPy(py::handle h, const char* what = "series") {
  if (py::isinstance<SeriesRef>(h)) return h.cast<SeriesRef>();
  if (!py::isinstance<py::bool_>(h) && PyIndex_Check(h.ptr())) {
    py::int_ i = py::reinterpret_steal<py::int_>(PyNumber_Index(h.ptr()));
    if (!i) throw py::error_already_set();
    if (i < py::int_(0) || i > py::int_(UINT64_MAX)) {
      throw py::value_error(std::string(what) + ": a series id is a uint64, got " +
                            std::string(py::str(i)));
    }
    return SeriesRef::FromId(i.cast<uint64_t>());
  }
  throw py::type_error(std::string(what) + ": expected a SeriesRef or its id, got " +
                       TypeName(h));
}

// A path argument: str or os.PathLike.
std::string PathArg(py::handle h) {
  return py::str(py::module_::import("os").attr("fspath")(h)).cast<std::string>();
}

// Float seconds since the epoch -> the store's milliseconds, exactly as
// ToMillis(TimeFromPy(x)): rounded to the microsecond, floored to the ms.
bool MillisFromSeconds(double x, int64_t* ms) {
  if (!std::isfinite(x) || std::fabs(x) > 9.0e12) return false;
  const double s = std::floor(x);
  const int64_t us = std::llround((x - s) * 1e6);  // 0 ..= 1e6
  *ms = static_cast<int64_t>(s) * 1000 + us / 1000;
  return true;
}

std::optional<absl::Time> MillisToTime(const std::optional<int64_t>& ms) {
  if (!ms) return std::nullopt;
  return absl::FromUnixMillis(*ms);
}
std::optional<int64_t> TimeToMillis(const std::optional<absl::Time>& t) {
  if (!t) return std::nullopt;
  return metrics::ToMillis(*t);
}
absl::Time MillisToTimeRequired(const int64_t& ms) { return absl::FromUnixMillis(ms); }
int64_t TimeToMillisRequired(const absl::Time& t) { return metrics::ToMillis(t); }

// ---------------------------------------------------------------------------
// numpy batch arguments.
// ---------------------------------------------------------------------------

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

// A 0-d or 1-d numeric array (no copy for contiguous float64). `kind` of
// the input must be a real number ('i', 'u', 'f').
Doubles NumericArray(py::handle h, const char* what, bool allow_scalar) {
  py::array a = py::array::ensure(h);
  if (!a) {
    PyErr_Clear();
    throw py::type_error(std::string(what) + ": expected an array of numbers, got " +
                         TypeName(h));
  }
  const char kind = a.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u') {
    throw py::type_error(std::string(what) + ": expected float64 (or integer) numbers, got dtype " +
                         std::string(py::str(a.dtype())));
  }
  if (a.ndim() > 1 || (a.ndim() == 0 && !allow_scalar)) {
    throw py::value_error(std::string(what) + ": expected a 1-D array, got " +
                          std::to_string(a.ndim()) + " dimensions");
  }
  Doubles d = Doubles::ensure(a);
  if (!d) throw py::error_already_set();
  return d;
}

// Series ids as uint64: an integer array (uint64 is used without a copy), or
// a sequence of SeriesRef objects.
struct RefIds {
  py::array array;  // keeps the data alive
  const uint64_t* u = nullptr;
  const int64_t* i = nullptr;  // signed input: checked for negatives
  std::vector<uint64_t> owned;
  py::ssize_t size = 0;
};

RefIds RefArray(py::handle h) {
  RefIds r;
  py::array a = py::array::ensure(h);
  if (!a) {
    PyErr_Clear();
    throw py::type_error("refs: expected an array of series ids, got " + TypeName(h));
  }
  if (a.ndim() != 1) {
    throw py::value_error("refs: expected a 1-D array, got " + std::to_string(a.ndim()) +
                          " dimensions");
  }
  r.size = a.shape(0);
  const char kind = a.dtype().kind();
  if (kind == 'O') {  // e.g. a list of SeriesRef
    r.owned.reserve(static_cast<size_t>(r.size));
    for (py::ssize_t k = 0; k < r.size; ++k) {
      py::object item = a.attr("__getitem__")(k);
      r.owned.push_back(RefFromPy(item, ("refs[" + std::to_string(k) + "]").c_str()).id());
    }
    r.u = r.owned.data();
    return r;
  }
  if (kind == 'u') {
    auto u = py::array_t<uint64_t, py::array::c_style | py::array::forcecast>::ensure(a);
    if (!u) throw py::error_already_set();
    r.u = u.data();
    r.array = std::move(u);
    return r;
  }
  if (kind == 'i') {
    auto i = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(a);
    if (!i) throw py::error_already_set();
    r.i = i.data();
    r.array = std::move(i);
    return r;
  }
  throw py::type_error(
      "refs: expected integer series ids (uint64: SeriesRef.id, refs_for()), got dtype " +
      std::string(py::str(a.dtype())));
}

std::string LengthMismatch(const char* fn, std::initializer_list<std::pair<const char*, py::ssize_t>> sizes) {
  std::string out = std::string(fn) + ": ";
  bool first = true;
  for (const auto& [name, n] : sizes) {
    if (!first) out += ", ";
    first = false;
    out += std::string(name) + " has " + std::to_string(n);
  }
  return out + " elements; they must have the same length";
}

// Converts `ts` (n values, or one broadcast when `scalar`) to milliseconds;
// -1 when all are fine, else the index of the first bad one.
py::ssize_t ConvertTimes(const double* ts, bool scalar, py::ssize_t n, std::vector<int64_t>* out) {
  out->resize(static_cast<size_t>(n));
  if (scalar) {
    int64_t ms;
    if (!MillisFromSeconds(ts[0], &ms)) return 0;
    for (auto& x : *out) x = ms;
    return -1;
  }
  for (py::ssize_t k = 0; k < n; ++k) {
    if (!MillisFromSeconds(ts[k], &(*out)[static_cast<size_t>(k)])) return k;
  }
  return -1;
}

[[noreturn]] void BadTime(const Doubles& ts, py::ssize_t k) {
  const double x = ts.ndim() == 0 ? ts.data()[0] : ts.data()[k];
  throw py::value_error("timestamps" + (ts.ndim() == 0 ? std::string() : "[" + std::to_string(k) + "]") +
                        " is " + std::string(py::str(py::float_(x))) +
                        ": timestamps must be finite seconds since the epoch");
}

metrics::AppendCounts AppendBatch(SeriesStore& store, py::handle refs_in, py::handle ts_in,
                                  py::handle values_in) {
  RefIds refs = RefArray(refs_in);
  Doubles ts = NumericArray(ts_in, "timestamps", /*allow_scalar=*/true);
  Doubles values = NumericArray(values_in, "values", /*allow_scalar=*/false);
  const py::ssize_t n = refs.size;
  const bool scalar_ts = ts.ndim() == 0;
  if ((!scalar_ts && ts.shape(0) != n) || values.shape(0) != n) {
    throw py::value_error(LengthMismatch(
        "append_batch",
        {{"refs", n}, {"timestamps", scalar_ts ? 1 : ts.shape(0)}, {"values", values.shape(0)}}));
  }
  const double* tp = ts.data();
  const double* vp = values.data();
  py::ssize_t bad_time = -1, bad_ref = -1;
  metrics::AppendCounts counts;
  {
    // One pass builds the batch (the only copy); nothing is appended if any
    // timestamp or id is bad.
    py::gil_scoped_release release;
    std::vector<metrics::RefSample> samples;
    samples.reserve(static_cast<size_t>(n));
    int64_t ms = 0;
    if (scalar_ts && n > 0 && !MillisFromSeconds(tp[0], &ms)) bad_time = 0;
    for (py::ssize_t k = 0; k < n && bad_time < 0; ++k) {
      if (!scalar_ts && !MillisFromSeconds(tp[k], &ms)) {
        bad_time = k;
        break;
      }
      uint64_t id;
      if (refs.u != nullptr) {
        id = refs.u[k];
      } else if (refs.i[k] < 0) {
        bad_ref = k;
        break;
      } else {
        id = static_cast<uint64_t>(refs.i[k]);
      }
      samples.push_back({SeriesRef::FromId(id), ms, vp[k]});
    }
    if (bad_time < 0 && bad_ref < 0) counts = store.AppendBatch(samples);
  }
  if (bad_time >= 0) BadTime(ts, bad_time);
  if (bad_ref >= 0) {
    throw py::value_error("refs[" + std::to_string(bad_ref) + "] is " +
                          std::to_string(refs.i[bad_ref]) + ": series ids are not negative");
  }
  return counts;
}

// `metric` is one name for every sample or a sequence of n names (n: the
// length of argument `other`).
std::vector<std::string> MetricNames(py::handle metric, py::ssize_t n, const char* fn,
                                     const char* other) {
  if (py::isinstance<py::str>(metric)) return {metric.cast<std::string>()};
  if (!py::isinstance<py::sequence>(metric) || py::isinstance<py::bytes>(metric)) {
    throw py::type_error(std::string(fn) + ": metric must be a str or a sequence of str, got " +
                         TypeName(metric));
  }
  std::vector<std::string> out;
  for (auto item : py::reinterpret_borrow<py::sequence>(metric)) {
    if (!py::isinstance<py::str>(item)) {
      throw py::type_error(std::string(fn) + ": metric names must be str, got " + TypeName(item));
    }
    out.push_back(item.cast<std::string>());
  }
  if (static_cast<py::ssize_t>(out.size()) != n) {
    throw py::value_error(LengthMismatch(fn, {{"metric", static_cast<py::ssize_t>(out.size())},
                                              {other, n}}));
  }
  return out;
}

bool IsMapping(py::handle h) {
  return py::isinstance<py::dict>(h) ||
         (py::hasattr(h, "items") && py::hasattr(h, "keys") && !py::isinstance<py::str>(h));
}

// One label set per sample, from a sequence of mappings.
std::vector<Labels> LabelSets(py::handle labels, const char* fn) {
  if (IsMapping(labels) || py::isinstance<py::str>(labels) ||
      !py::isinstance<py::sequence>(labels)) {
    throw py::type_error(std::string(fn) +
                         ": labels must be a sequence of dicts, one per series");
  }
  std::vector<Labels> out;
  size_t k = 0;
  for (auto item : py::reinterpret_borrow<py::sequence>(labels)) {
    out.push_back(LabelsFromPy(item, "labels[" + std::to_string(k++) + "]"));
  }
  return out;
}

metrics::AppendCounts AppendLabeled(SeriesStore& store, py::handle metric, py::handle labels,
                                    py::handle ts_in, py::handle values_in) {
  Doubles ts = NumericArray(ts_in, "timestamps", /*allow_scalar=*/true);
  Doubles values = NumericArray(values_in, "values", /*allow_scalar=*/false);
  const py::ssize_t n = values.shape(0);
  const bool scalar_ts = ts.ndim() == 0;
  if (!scalar_ts && ts.shape(0) != n) {
    throw py::value_error(
        LengthMismatch("append_labeled", {{"timestamps", ts.shape(0)}, {"values", n}}));
  }
  // Label sets: one shared (a mapping, or None) or one per sample.
  std::vector<Labels> sets;
  if (labels.is_none() || IsMapping(labels)) {
    sets.push_back(LabelsFromPy(labels, "labels"));
  } else {
    sets = LabelSets(labels, "append_labeled");
    if (static_cast<py::ssize_t>(sets.size()) != n) {
      throw py::value_error(LengthMismatch(
          "append_labeled", {{"labels", static_cast<py::ssize_t>(sets.size())}, {"values", n}}));
    }
  }
  std::vector<std::string> names;
  if (py::isinstance<py::str>(metric)) {
    names.push_back(metric.cast<std::string>());
  } else {
    names = MetricNames(metric, n, "append_labeled", "values");
  }
  const double* tp = ts.data();
  const double* vp = values.data();
  py::ssize_t bad_time = -1;
  metrics::AppendCounts counts;
  {
    py::gil_scoped_release release;
    std::vector<int64_t> ms;
    bad_time = ConvertTimes(tp, scalar_ts, n, &ms);
    if (bad_time < 0) {
      std::vector<metrics::LabeledSample> samples(static_cast<size_t>(n));
      for (size_t k = 0; k < samples.size(); ++k) {
        const std::string& name = names.size() == 1 ? names[0] : names[k];
        const Labels& l = sets.size() == 1 ? sets[0] : sets[k];
        samples[k] = {name, l, ms[k], vp[k]};
      }
      counts = store.AppendBatch(samples);
    }
  }
  if (bad_time >= 0) BadTime(ts, bad_time);
  return counts;
}

py::array RefsFor(SeriesStore& store, py::handle metric, py::handle labels) {
  std::vector<Labels> sets = LabelSets(labels, "refs_for");
  const auto n = static_cast<py::ssize_t>(sets.size());
  std::vector<std::string> names = py::isinstance<py::str>(metric)
                                       ? std::vector<std::string>{metric.cast<std::string>()}
                                       : MetricNames(metric, n, "refs_for", "labels");
  auto* ids = new std::vector<uint64_t>(sets.size());
  py::capsule owner(ids, [](void* p) { delete static_cast<std::vector<uint64_t>*>(p); });
  absl::Status error;
  size_t bad = 0;
  {
    py::gil_scoped_release release;
    for (size_t k = 0; k < sets.size(); ++k) {
      absl::StatusOr<SeriesRef> ref =
          store.GetOrCreate(names.size() == 1 ? names[0] : names[k], sets[k]);
      if (!ref.ok()) {
        error = ref.status();
        bad = k;
        break;
      }
      (*ids)[k] = ref->id();
    }
  }
  if (!error.ok()) {
    RaiseStatus(absl::Status(error.code(), absl::StrCat("labels[", bad, "]: ", error.message())));
  }
  return py::array_t<uint64_t>({n}, ids->data(), owner);
}

// ---------------------------------------------------------------------------
// Errors of the exposition parser: agentscale.ExpositionError (a ValueError)
// with .line.
// ---------------------------------------------------------------------------

PyObject* g_exposition_error = nullptr;  // owned by the module (and leaked)

// Parse errors ("line N: ...") become ExpositionError; any other status the
// usual exception.
[[noreturn]] void RaiseParseError(const absl::Status& status) {
  const std::string msg(status.message());
  absl::string_view rest(msg);
  int line = 0;
  const bool numbered = status.code() == absl::StatusCode::kInvalidArgument &&
                        absl::ConsumePrefix(&rest, "line ") &&
                        absl::SimpleAtoi(rest.substr(0, rest.find(':')), &line);
  if (!numbered) RaiseStatus(status);
  py::object exc = py::reinterpret_borrow<py::object>(g_exposition_error)(msg);
  exc.attr("line") = line;
  PyErr_SetObject(g_exposition_error, exc.ptr());
  throw py::error_already_set();
}

// ---------------------------------------------------------------------------
// HTTP: the scraper and the query client, when built with cpp-httplib.
// ---------------------------------------------------------------------------

constexpr bool kHaveHttp = AGENTSCALE_HAVE_HTTP != 0;

#if !AGENTSCALE_HAVE_HTTP
[[noreturn]] void NoHttp(const char* what) {
  RaiseStatus(absl::UnimplementedError(absl::StrCat(
      what,
      " needs cpp-httplib, and this build of agentscale was made without it "
      "(agentscale.HAVE_HTTP is False): install it (Debian/Ubuntu: apt-get install "
      "libcpp-httplib-dev, or bash scripts/install-deps.sh), then reinstall agentscale "
      "(pip install --force-reinstall .)")));
}
#endif

struct PyScraper {
#if AGENTSCALE_HAVE_HTTP
  std::unique_ptr<metrics::Scraper> scraper;
#endif
  metrics::Scraper& get() {
#if AGENTSCALE_HAVE_HTTP
    return *scraper;
#else
    NoHttp("Scraper");
#endif
  }
};

struct PyPrometheusClient {
  metrics::QueryClientOptions options;
#if AGENTSCALE_HAVE_HTTP
  std::unique_ptr<metrics::PrometheusClient> client;
#endif
  const metrics::PrometheusClient& get() const {
#if AGENTSCALE_HAVE_HTTP
    return *client;
#else
    NoHttp("PrometheusClient");
#endif
  }
};

metrics::ScrapeTarget TargetFromPy(py::handle h, size_t k) {
  if (py::isinstance<py::str>(h)) {
#if AGENTSCALE_HAVE_HTTP
    return Unwrap(metrics::ParseScrapeTarget(h.cast<std::string>()));
#else
    (void)k;
    NoHttp("parse_scrape_target");
#endif
  }
  if (py::isinstance<py::dict>(h)) return FromDict<metrics::ScrapeTarget>(h);
  if (py::isinstance<metrics::ScrapeTarget>(h)) return h.cast<metrics::ScrapeTarget>();
  throw py::type_error("targets[" + std::to_string(k) +
                       "]: expected a ScrapeTarget or an address \"host[:port][/path]\", got " +
                       TypeName(h));
}

std::string SelectorString(const metrics::SeriesSelector& s) {
  std::string out = s.metric + "{";
  for (size_t i = 0; i < s.matchers.size(); ++i) {
    if (i > 0) out += ",";
    out += s.matchers[i].ToString();
  }
  return out + "}";
}

const char* GroupName(metrics::GroupAggregation g) {
  switch (g) {
    case metrics::GroupAggregation::kNone:
      return "";
    case metrics::GroupAggregation::kSum:
      return "sum";
    case metrics::GroupAggregation::kAvg:
      return "avg";
    case metrics::GroupAggregation::kMax:
      return "max";
    case metrics::GroupAggregation::kMin:
      return "min";
  }
  return "";
}

std::vector<std::string> MatcherStrings(const std::vector<metrics::LabelMatcher>& matchers) {
  std::vector<std::string> out;
  out.reserve(matchers.size());
  for (const auto& x : matchers) out.push_back(x.ToString());
  return out;
}

// A value-type argument that may also be given as its to_dict() form (None:
// T{}, e.g. the empty selector); a wrong type is a TypeError naming `what`.
template <typename T>
T ValueArg(py::handle h, const char* what, const char* expected) {
  if (h.is_none()) return T{};
  try {
    return Conv<T>::Set(h);
  } catch (py::cast_error&) {
    throw py::type_error(std::string(what) + ": expected " + expected + ", got " + TypeName(h));
  }
}

hpa::LabelSelector SelectorArg(py::handle h) {
  return ValueArg<hpa::LabelSelector>(h, "selector", "a LabelSelector, a dict or None");
}

// A status whose message is prefixed with the argument it is about.
template <typename T>
T UnwrapArg(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    RaiseStatus(absl::Status(v.status().code(), absl::StrCat(what, ": ", v.status().message())));
  }
  return *std::move(v);
}

void CheckArg(const absl::Status& st, const char* what) {
  if (!st.ok()) RaiseStatus(absl::Status(st.code(), absl::StrCat(what, ": ", st.message())));
}

}  // namespace

// Label sets cross as dicts (to_dict() too); a list of (name, value) pairs
// is accepted as well.
template <>
struct Conv<Labels> {
  static py::object Get(const Labels& l) { return LabelsToPy(l); }
  static Labels Set(py::handle h) { return LabelsFromPy(h, "labels"); }
  static py::object Plain(const Labels& l) { return LabelsToPy(l); }
};

// A SeriesRef reads as itself, is set from a SeriesRef or its id, and is its
// id in to_dict().
template <>
struct Conv<SeriesRef> {
  static py::object Get(SeriesRef r) { return py::cast(r); }
  static SeriesRef Set(py::handle h) { return RefFromPy(h); }
  static py::object Plain(SeriesRef r) { return py::int_(r.id()); }
};

namespace {

void BindMetricEnums(py::module_& m) {
  namespace mx = metrics;
  BindEnum<mx::Aggregation>(
      m, "Aggregation",
      "The store's window functions; kubernetes_name is the PromQL function name "
      "(\"avg_over_time\", ..., \"rate\", \"increase\"; LATEST, the instant selector, "
      "is \"\"). Arguments that take an Aggregation accept that name too.",
      {{mx::Aggregation::kAvgOverTime, "AVG_OVER_TIME", "avg_over_time"},
       {mx::Aggregation::kMaxOverTime, "MAX_OVER_TIME", "max_over_time"},
       {mx::Aggregation::kMinOverTime, "MIN_OVER_TIME", "min_over_time"},
       {mx::Aggregation::kSumOverTime, "SUM_OVER_TIME", "sum_over_time"},
       {mx::Aggregation::kLastOverTime, "LAST_OVER_TIME", "last_over_time"},
       {mx::Aggregation::kCountOverTime, "COUNT_OVER_TIME", "count_over_time"},
       {mx::Aggregation::kRate, "RATE", "rate"},
       {mx::Aggregation::kIncrease, "INCREASE", "increase"},
       {mx::Aggregation::kLatest, "LATEST", ""}});
  BindEnum<mx::AppendResult>(
      m, "AppendResult",
      "What one append did (kubernetes_name: \"ok\", or the AppendCounts field that "
      "counts the rejection, e.g. \"out_of_order\").",
      {{mx::AppendResult::kOk, "OK", "ok"},
       {mx::AppendResult::kOutOfOrder, "OUT_OF_ORDER", "out_of_order"},
       {mx::AppendResult::kDuplicate, "DUPLICATE", "duplicate"},
       {mx::AppendResult::kUnknownSeries, "UNKNOWN_SERIES", "unknown_series"},
       {mx::AppendResult::kInvalidSeries, "INVALID_SERIES", "invalid_series"}});
  BindEnum<mx::MetricType>(m, "MetricType",
                           "A metric family's # TYPE (kubernetes_name: the exposition spelling).",
                           {{mx::MetricType::kUntyped, "UNTYPED", "untyped"},
                            {mx::MetricType::kCounter, "COUNTER", "counter"},
                            {mx::MetricType::kGauge, "GAUGE", "gauge"},
                            {mx::MetricType::kHistogram, "HISTOGRAM", "histogram"},
                            {mx::MetricType::kSummary, "SUMMARY", "summary"}});
  m.def(
      "parse_aggregation",
      [](const std::string& name) { return Unwrap(mx::ParseAggregation(name)); }, py::arg("name"),
      "The Aggregation for a PromQL range function name (\"avg_over_time\", \"rate\", ...); "
      "ValueError lists the supported ones.");
  m.def("stale_marker", &mx::StaleMarker,
        "Prometheus' staleness marker: a NaN with one exact bit pattern (samples() shows "
        "it where a series was marked stale).");
  m.def("is_stale_marker", &mx::IsStaleMarker, py::arg("value"),
        "Whether `value` is the staleness marker (an ordinary NaN is not).");
}

void BindSeriesStore(py::module_& m) {
  namespace mx = metrics;
  py::class_<SeriesRef>(m, "SeriesRef",
                        "A handle to one series of a SeriesStore, cheap to copy and hashable. "
                        "`id` packs it into one integer (the element type of refs_for() and "
                        "append_batch()). A ref of a garbage-collected series reads as an "
                        "unknown series, never as another one.")
      .def_static(
          "from_id", [](py::handle id) { return RefFromPy(id, "id"); }, py::arg("id"),
          "The ref with this id (any uint64; one the store did not hand out is unknown).")
      .def_property_readonly("id", &SeriesRef::id, "The ref as a uint64 (0 for no series).")
      .def_property_readonly("valid", &SeriesRef::valid,
                             "False only for the null ref (id 0); a valid ref may still "
                             "name a collected series.")
      .def(
          "__eq__",
          [](SeriesRef a, py::object other) -> py::object {
            if (!py::isinstance<SeriesRef>(other)) {
              return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            }
            return py::bool_(a == other.cast<SeriesRef>());
          },
          py::arg("other"))
      .def("__hash__", [](SeriesRef r) { return py::hash(py::int_(r.id())); })
      .def("__repr__", [](SeriesRef r) { return "SeriesRef(id=" + std::to_string(r.id()) + ")"; })
      .def(py::pickle([](SeriesRef r) { return py::make_tuple(r.id()); },
                      [](py::tuple t) { return SeriesRef::FromId(t[0].cast<uint64_t>()); }));

  ValueClass<mx::SeriesStoreOptions>(m, "SeriesStoreOptions", "A SeriesStore's options.")
      .field("lookback_seconds", &mx::SeriesStoreOptions::lookback,
             "Prometheus' lookback delta (300): a series whose newest sample is older is "
             "missing.")
      .field("require_fresh", &mx::SeriesStoreOptions::require_fresh,
             "Apply the lookback and staleness markers to window queries too (True); False: "
             "window functions see every sample in their range, exactly as PromQL.")
      .field("prometheus_version", &mx::SeriesStoreOptions::prometheus_version,
             "Range and lookback semantics: 3, left-open (now - w, now]; 2, closed.")
      .field("gc_after_seconds", &mx::SeriesStoreOptions::gc_after,
             "collect_garbage() removes series whose newest sample is older (600; at least "
             "lookback_seconds).")
      .finish();
  ValueClass<mx::AppendCounts> counts(m, "AppendCounts", "What one batch append did.");
  counts.field("appended", &mx::AppendCounts::appended, "Samples stored.")
      .field("out_of_order", &mx::AppendCounts::out_of_order,
             "Rejected: older than the series' newest sample.")
      .field("duplicate", &mx::AppendCounts::duplicate,
             "Rejected: the same timestamp as the series' newest sample.")
      .field("unknown_series", &mx::AppendCounts::unknown_series,
             "Rejected: an unknown or garbage-collected series id.")
      .field("invalid_series", &mx::AppendCounts::invalid_series,
             "Rejected: (by labels) an invalid metric or label name.")
      .field("created_series", &mx::AppendCounts::created_series,
             "Series created by this batch.")
      .finish();
  counts.cls().def_property_readonly("rejected", &mx::AppendCounts::rejected,
                                     "Every rejected sample.");
  ValueClass<mx::StoreStats> stats(m, "StoreStats", "A SeriesStore's size and counters.");
  stats.field("series", &mx::StoreStats::series, "Live series.")
      .field("samples", &mx::StoreStats::samples, "Samples held.")
      .field("appended", &mx::StoreStats::appended, "Cumulative: samples appended.")
      .field("out_of_order", &mx::StoreStats::out_of_order, "Cumulative: rejected, out of order.")
      .field("duplicate", &mx::StoreStats::duplicate, "Cumulative: rejected, duplicate.")
      .field("unknown_series", &mx::StoreStats::unknown_series,
             "Cumulative: rejected, unknown series.")
      .field("invalid_series", &mx::StoreStats::invalid_series,
             "Cumulative: rejected, invalid names.")
      .field("collected_series", &mx::StoreStats::collected_series,
             "Cumulative: series removed by collect_garbage().")
      .field("memory_bytes", &mx::StoreStats::memory_bytes, "Estimated heap use, bytes.")
      .finish();
  stats.cls().def_property_readonly("bytes_per_series", &mx::StoreStats::bytes_per_series,
                                    "memory_bytes / series (0 when empty).");
  ValueClass<mx::SeriesInfo>(m, "SeriesInfo", "One series, as select() lists it.")
      .field("ref", &mx::SeriesInfo::ref, "Its SeriesRef (to_dict(): the id).")
      .field("metric", &mx::SeriesInfo::metric, "The metric name.")
      .field("labels", &mx::SeriesInfo::labels, "The labels, sorted by name.")
      .finish();

  auto aggregation_arg = [](py::handle h) { return Conv<mx::Aggregation>::Set(h); };
  py::class_<SeriesStore, std::unique_ptr<SeriesStore>>(
      m, "SeriesStore",
      "In-memory time series, one per (metric, labels), queried with PromQL's window "
      "functions at a given `now`. Missing is never zero: a query returns None when the "
      "series has no sample in its window or (require_fresh) its newest sample is older "
      "than the lookback or a staleness marker. Samples of one series must come in time "
      "order; older (out of order) and equal (duplicate) timestamps are rejected and "
      "counted. Timestamps are whole milliseconds: float seconds are rounded to the "
      "microsecond, then floored to the millisecond. Thread-safe; batch appends run "
      "without the GIL.")
      .def(py::init([](const std::optional<mx::SeriesStoreOptions>& options,
                       py::handle lookback_seconds, py::handle require_fresh,
                       py::handle gc_after_seconds, py::handle prometheus_version) {
             mx::SeriesStoreOptions o = options.value_or(mx::SeriesStoreOptions{});
             if (!prometheus_version.is_none()) {
               o.prometheus_version = Conv<mx::PrometheusVersion>::Set(prometheus_version);
             }
             if (!lookback_seconds.is_none()) o.lookback = DurationFromPy(lookback_seconds);
             if (!require_fresh.is_none()) o.require_fresh = Conv<bool>::Set(require_fresh);
             if (!gc_after_seconds.is_none()) o.gc_after = DurationFromPy(gc_after_seconds);
             return Unwrap(SeriesStore::Create(o));
           }),
           py::arg("options") = py::none(), py::kw_only(), py::arg("lookback_seconds") = py::none(),
           py::arg("require_fresh") = py::none(), py::arg("gc_after_seconds") = py::none(),
           py::arg("prometheus_version") = py::none(),
           "A store with `options` (default SeriesStoreOptions()), the keywords overriding "
           "its fields. ValueError unless lookback_seconds > 0 and gc_after_seconds >= "
           "lookback_seconds.")
      .def_property_readonly("options", &SeriesStore::options, "The SeriesStoreOptions.")
      .def_property_readonly(
          "retention_seconds",
          [](const SeriesStore& s) { return DurationToPy(s.retention()); },
          "How much history each series keeps: max(lookback, the longest registered or "
          "queried window).")
      .def(
          "get_or_create",
          [](SeriesStore& s, const std::string& metric, py::handle labels) {
            return Unwrap(s.GetOrCreate(metric, LabelsFromPy(labels, "labels")));
          },
          py::arg("metric"), py::arg("labels") = py::none(),
          "The series for (metric, labels), created if absent. ValueError names an invalid "
          "metric or label name, a duplicate label or a __name__ label. Labels with an empty "
          "value are dropped (Prometheus: the same as no label).")
      .def(
          "find",
          [](const SeriesStore& s, const std::string& metric,
             py::handle labels) -> std::optional<SeriesRef> {
            return s.Find(metric, LabelsFromPy(labels, "labels"));
          },
          py::arg("metric"), py::arg("labels") = py::none(), "The series if it exists, else None.")
      .def(
          "append",
          [](SeriesStore& s, py::handle series, py::handle timestamp, double value,
             py::handle labels) {
            const absl::Time t = TimeFromPy(timestamp);
            if (py::isinstance<py::str>(series)) {
              return s.Append(series.cast<std::string>(), LabelsFromPy(labels, "labels"), t,
                              value);
            }
            if (!labels.is_none()) {
              throw py::type_error("append: labels= goes with a metric name, not a SeriesRef");
            }
            return s.Append(RefFromPy(series), t, value);
          },
          py::arg("series"), py::arg("timestamp"), py::arg("value"), py::kw_only(),
          py::arg("labels") = py::none(),
          "Appends one sample to `series`: a SeriesRef (or its id), or a metric name with "
          "labels= (the series is created if need be). Returns the AppendResult; a rejected "
          "sample is counted in stats(), never merged.")
      .def(
          "append_batch",
          [](SeriesStore& s, py::handle refs, py::handle timestamps, py::handle values) {
            return AppendBatch(s, refs, timestamps, values);
          },
          py::arg("refs"), py::arg("timestamps"), py::arg("values"),
          "Appends N samples under one lock, without the GIL.\n\n"
          "refs: integer array (N,) of series ids (uint64, from refs_for() or SeriesRef.id; "
          "a list of SeriesRef works too, slower).\n"
          "timestamps: float64 (N,) seconds since the epoch, or one number for all "
          "(rounded to the microsecond, floored to the millisecond).\n"
          "values: float64 (N,).\n"
          "Contiguous uint64/float64 arrays are read in place; anything else is converted "
          "first. Samples are applied in order; a rejected one does not stop the batch. "
          "Returns the AppendCounts. ValueError for unequal lengths or a non-finite "
          "timestamp (nothing is appended then); TypeError for non-numeric dtypes.")
      .def(
          "append_labeled",
          [](SeriesStore& s, py::handle metric, py::handle labels, py::handle timestamps,
             py::handle values) { return AppendLabeled(s, metric, labels, timestamps, values); },
          py::arg("metric"), py::arg("labels"), py::arg("timestamps"), py::arg("values"),
          "Appends N samples addressed by name and labels, creating series as needed, under "
          "one lock without the GIL. metric: one name, or N names. labels: one dict for "
          "every sample (or None), or a sequence of N dicts. timestamps, values: as "
          "append_batch(). Invalid names are counted (invalid_series), not raised.")
      .def(
          "refs_for",
          [](SeriesStore& s, py::handle metric, py::handle labels) {
            return RefsFor(s, metric, labels);
          },
          py::arg("metric"), py::arg("labels"),
          "uint64 array of the series ids for N label sets (a sequence of dicts) of `metric` "
          "(one name, or N names), creating the series as needed: resolve once, then "
          "append_batch() many times. ValueError names the first invalid label set (the "
          "series before it exist by then).")
      .def(
          "mark_stale",
          [](SeriesStore& s, py::handle series, py::handle timestamp) {
            return s.MarkStale(RefFromPy(series), TimeFromPy(timestamp));
          },
          py::arg("series"), py::arg("timestamp"),
          "Appends a staleness marker: the series reads as missing from `timestamp` until "
          "a newer sample arrives.")
      .def(
          "register_window",
          [](SeriesStore& s, py::handle window) { s.RegisterWindow(DurationFromPy(window)); },
          py::arg("window_seconds"), "Keeps at least this much history per series from now on.")
      .def(
          "query",
          [aggregation_arg](const SeriesStore& s, py::handle series, py::handle aggregation,
                            py::handle window, py::handle now) {
            return s.Query(RefFromPy(series), aggregation_arg(aggregation), DurationFromPy(window),
                           TimeFromPy(now));
          },
          py::arg("series"), py::arg("aggregation"), py::arg("window_seconds"), py::arg("now"),
          "`aggregation` (an Aggregation or its PromQL name, e.g. \"avg_over_time\") over "
          "(now - window_seconds, now] ([now - window_seconds, now] with prometheus_version "
          "2), as Prometheus evaluates it; None when PromQL returns "
          "nothing or the series is stale or missing (never 0). window_seconds is ignored "
          "for LATEST.")
      .def(
          "latest",
          [](const SeriesStore& s, py::handle series, py::handle now) {
            return s.Latest(RefFromPy(series), TimeFromPy(now));
          },
          py::arg("series"), py::arg("now"),
          "The newest sample at or before `now` within the lookback (PromQL's instant "
          "selector), or None.")
      .def(
          "select",
          [](const SeriesStore& s, const std::string& metric, py::handle labels,
             const std::optional<std::string>& selector) {
            const Labels want = LabelsFromPy(labels, "labels");
            std::optional<mx::SeriesSelector> sel;
            if (selector) sel = Unwrap(mx::ParseSeriesSelector(*selector));
            std::vector<mx::SeriesInfo> out;
            {
              py::gil_scoped_release release;
              out = s.Select(metric, [&want](const Labels& l) {
                for (const Label& w : want) {
                  const std::string* v = mx::FindLabel(l, w.name);
                  if ((v == nullptr ? std::string() : *v) != w.value) return false;
                }
                return true;
              });
              // The selector runs on the copies Select() returned, after the
              // store's read lock is released, and its =~ / !~ are RE2:
              // linear in each label value, so a hostile selector such as
              // pod=~"(a|a)*b" neither hangs nor holds the lock.
              if (sel) {
                std::vector<mx::SeriesInfo> kept;
                for (auto& info : out) {
                  if (sel->Matches(info.metric, info.labels)) kept.push_back(std::move(info));
                }
                out = std::move(kept);
              }
            }
            return out;
          },
          py::arg("metric") = "", py::arg("labels") = py::none(), py::kw_only(),
          py::arg("selector") = py::none(),
          "The series of `metric` (every metric when \"\") whose labels have the given "
          "values (a value \"\" matches an absent label) and that match `selector`, a "
          "PromQL series selector such as 'app_active_task_count{pod=~\"agent-.*\"}'.")
      .def(
          "samples",
          [](const SeriesStore& s, py::handle series) {
            const SeriesRef ref = RefFromPy(series);
            std::vector<mx::Sample> samples;
            {
              py::gil_scoped_release release;
              samples = s.Samples(ref);
            }
            auto* ts = new std::vector<double>(samples.size());
            auto* vs = new std::vector<double>(samples.size());
            for (size_t k = 0; k < samples.size(); ++k) {
              (*ts)[k] = static_cast<double>(samples[k].timestamp_ms) / 1000.0;
              (*vs)[k] = samples[k].value;
            }
            py::capsule own_t(ts, [](void* p) { delete static_cast<std::vector<double>*>(p); });
            py::capsule own_v(vs, [](void* p) { delete static_cast<std::vector<double>*>(p); });
            const auto n = static_cast<py::ssize_t>(samples.size());
            return py::make_tuple(py::array_t<double>({n}, ts->data(), own_t),
                                  py::array_t<double>({n}, vs->data(), own_v));
          },
          py::arg("series"),
          "(timestamps, values): float64 arrays of the samples the series holds (seconds "
          "since the epoch; staleness markers included, see is_stale_marker()). Empty for "
          "an unknown series.")
      .def(
          "collect_garbage",
          [](SeriesStore& s, py::handle now) {
            const absl::Time t = TimeFromPy(now);
            py::gil_scoped_release release;
            return s.CollectGarbage(t);
          },
          py::arg("now"),
          "Removes series whose newest sample is older than now - gc_after_seconds (their "
          "refs become unknown); returns how many.")
      .def("stats", &SeriesStore::Stats, "The StoreStats.")
      .def("__repr__", [](const SeriesStore& s) {
        const mx::StoreStats st = s.Stats();
        return "SeriesStore(series=" + std::to_string(st.series) +
               ", samples=" + std::to_string(st.samples) + ")";
      });
}

void BindExposition(py::module_& m) {
  namespace mx = metrics;
  ValueClass<mx::FamilyInfo>(m, "FamilyInfo", "A metric family's # TYPE and # HELP.")
      .field("name", &mx::FamilyInfo::name, "The family name.")
      .field("type", &mx::FamilyInfo::type, "MetricType (UNTYPED without # TYPE).")
      .field("help", &mx::FamilyInfo::help, "The # HELP text, unescaped.")
      .finish();
  ValueClass<mx::ParsedSample>(m, "ParsedSample", "One sample of an exposition.")
      .field("metric", &mx::ParsedSample::name,
             "The sample name as written, e.g. \"rpc_seconds_bucket\".")
      .field("family", &mx::ParsedSample::family, "Its family, e.g. \"rpc_seconds\".")
      .field("type", &mx::ParsedSample::type, "The family's MetricType.")
      .field("labels", &mx::ParsedSample::labels, "Labels as written (unescaped).")
      .field("value", &mx::ParsedSample::value, "The value (NaN and +-inf allowed).")
      .field_as<std::optional<absl::Time>>(
          "timestamp", &mx::ParsedSample::timestamp_ms, &MillisToTime, &TimeToMillis,
          "The sample's own timestamp, float seconds since the epoch (whole ms), or None.")
      .finish();
  ValueClass<mx::Exposition>(m, "Exposition", "A parsed /metrics body.")
      .field("families", &mx::Exposition::families, "FamilyInfo per family with # TYPE/# HELP.")
      .field("samples", &mx::Exposition::samples, "ParsedSample list, in order.")
      .finish();
  m.def(
      "parse_exposition",
      [](py::handle text) {
        const absl::string_view body = TextArg(text, "text");
        absl::StatusOr<mx::Exposition> e;
        {
          py::gil_scoped_release release;
          e = mx::ParseExposition(body);
        }
        if (!e.ok()) RaiseParseError(e.status());
        return *std::move(e);
      },
      py::arg("text"),
      "Parses the Prometheus text exposition format 0.0.4 (str or bytes). "
      "ExpositionError (a ValueError) names the line, in .line and in the message.");
  m.def(
      "append_exposition",
      [](py::handle text, SeriesStore& store, py::handle now, py::handle target_labels) {
        const absl::string_view body = TextArg(text, "text");
        const Labels labels = LabelsFromPy(target_labels, "target_labels");
        const absl::Time t = TimeFromPy(now);
        absl::StatusOr<mx::AppendCounts> c;
        {
          py::gil_scoped_release release;
          c = mx::AppendExposition(body, labels, t, &store);
        }
        if (!c.ok()) RaiseParseError(c.status());
        return *c;
      },
      py::arg("text"), py::arg("store"), py::arg("now"), py::kw_only(),
      py::arg("target_labels") = py::none(),
      "Parses `text` and appends every sample to `store`, as one scrape of a target: "
      "target_labels (e.g. pod, namespace) are added to every series (a scraped label "
      "that clashes becomes exported_<name>); samples without a timestamp get `now`. On "
      "a parse error (ExpositionError) nothing is appended.");
}

void BindAdapter(py::module_& m) {
  namespace mx = metrics;
  ValueClass<mx::ResourceLabel>(
      m, "ResourceLabel",
      "A label naming objects of a resource other than pod and namespace, for Object "
      "metrics (resources.overrides `service: {resource: service}`).")
      .field("label", &mx::ResourceLabel::label, "The series label (\"service\").")
      .field("resource", &mx::ResourceLabel::resource,
             "The resource as written (\"service\", \"services\", \"deployment\", ...); it "
             "matches an object whose lowercased kind is its singular or plural form.")
      .field("group", &mx::ResourceLabel::group,
             "API group (\"\": any; otherwise the object's apiVersion group must equal it).")
      .finish();
  py::class_<mx::MetricRule>(
      m, "MetricRule",
      "One adapter rule (prometheus-adapter's rules[], the custom metrics API: Pods and "
      "Object metrics), taken apart.")
      .def(py::init([](const std::string& series_query, const std::string& metrics_query,
                       const std::string& name_matches, const std::string& name_as,
                       const std::string& pod_label, const std::string& namespace_label,
                       py::handle object_labels, bool resource_template) {
             mx::MetricRule r;
             r.series = UnwrapArg(mx::ParseSeriesSelector(series_query), "series_query");
             CheckArg(mx::ParseMetricsQuery(metrics_query, &r), "metrics_query");
             r.name_matches = name_matches;
             r.name_as = name_as;
             r.pod_label = pod_label;
             r.namespace_label = namespace_label;
             r.object_labels = ValueArg<std::vector<mx::ResourceLabel>>(
                 object_labels, "object_labels", "a list of ResourceLabel or dicts");
             r.resource_template = resource_template;
             return r;
           }),
           py::kw_only(), py::arg("series_query"), py::arg("metrics_query"),
           py::arg("name_matches") = "^(.*)$", py::arg("name_as") = "",
           py::arg("pod_label") = "pod", py::arg("namespace_label") = "",
           py::arg("object_labels") = py::none(), py::arg("resource_template") = false,
           "A rule from its parts: series_query (a series selector) and metrics_query are "
           "parsed as in a configuration (ValueError names the argument); "
           "pod_label \"\" makes a rule for Object metrics only (object_labels or "
           "resource_template). MetricAdapter.from_rules() checks the rest.")
      .def_property_readonly(
          "series_query", [](const mx::MetricRule& r) { return SelectorString(r.series); },
          "seriesQuery as a selector: metric{matchers}.")
      .def_readonly("name_matches", &mx::MetricRule::name_matches, "name.matches: an RE2 (Go regexp) pattern, not anchored; \"\" is \".*\".")
      .def_readonly("name_as", &mx::MetricRule::name_as, "name.as (\"\": $1 or $0).")
      .def_readonly("pod_label", &mx::MetricRule::pod_label,
                    "The label naming the pod (\"\": an Object-only rule).")
      .def_readonly("namespace_label", &mx::MetricRule::namespace_label,
                    "The label naming the namespace (\"\": none).")
      .def_readonly("object_labels", &mx::MetricRule::object_labels,
                    "ResourceLabels naming other resources' objects (Object metrics).")
      .def_readonly("resource_template", &mx::MetricRule::resource_template,
                    "resources.template \"<<.Resource>>\": an object of kind K is named by the "
                    "label lowercase(K), besides pod and namespace.")
      .def_readonly("aggregation", &mx::MetricRule::aggregation, "The range function.")
      .def_property_readonly(
          "window_seconds", [](const mx::MetricRule& r) { return DurationToPy(r.window); },
          "The range, seconds.")
      .def_property_readonly(
          "extra_matchers",
          [](const mx::MetricRule& r) { return MatcherStrings(r.extra_matchers); },
          "metricsQuery's own matchers, as written (name op \"value\").")
      .def_property_readonly(
          "group", [](const mx::MetricRule& r) { return std::string(GroupName(r.group)); },
          "The outer aggregation by pod: \"sum\", \"avg\", \"max\", \"min\" or \"\".")
      .def_readonly("metrics_query", &mx::MetricRule::metrics_query, "metricsQuery as written.")
      .def("__repr__", [](const mx::MetricRule& r) {
        return "MetricRule(series_query=" + std::string(py::repr(py::str(SelectorString(r.series)))) +
               ", metrics_query=" + std::string(py::repr(py::str(r.metrics_query))) + ")";
      });
  py::class_<mx::ExternalRule>(
      m, "ExternalRule",
      "One external adapter rule (prometheus-adapter's externalRules[], the external "
      "metrics API: External metrics), taken apart.")
      .def(py::init([](const std::string& series_query, const std::string& metrics_query,
                       const std::string& name_matches, const std::string& name_as,
                       bool namespaced, const std::string& namespace_label) {
             mx::ExternalRule r;
             r.series = UnwrapArg(mx::ParseSeriesSelector(series_query), "series_query");
             CheckArg(mx::ParseExternalMetricsQuery(metrics_query, &r), "metrics_query");
             r.name_matches = name_matches;
             r.name_as = name_as;
             r.namespaced = namespaced;
             r.namespace_label = namespace_label;
             return r;
           }),
           py::kw_only(), py::arg("series_query"), py::arg("metrics_query"),
           py::arg("name_matches") = "^(.*)$", py::arg("name_as") = "",
           py::arg("namespaced") = true, py::arg("namespace_label") = "",
           "A rule from its parts, parsed as in a configuration (ValueError names the "
           "argument). A namespaced rule (the default) needs namespace_label; "
           "MetricAdapter.from_rules() checks that.")
      .def_property_readonly(
          "series_query", [](const mx::ExternalRule& r) { return SelectorString(r.series); },
          "seriesQuery as a selector: metric{matchers}.")
      .def_readonly("name_matches", &mx::ExternalRule::name_matches, "name.matches: an RE2 (Go regexp) pattern, not anchored; \"\" is \".*\".")
      .def_readonly("name_as", &mx::ExternalRule::name_as, "name.as (\"\": $1 or $0).")
      .def_readonly("namespaced", &mx::ExternalRule::namespaced,
                    "resources.namespaced: only series in the HPA's namespace count (True).")
      .def_readonly("namespace_label", &mx::ExternalRule::namespace_label,
                    "The label naming the namespace (\"\": none).")
      .def_readonly("aggregation", &mx::ExternalRule::aggregation,
                    "The range function (LATEST: an instant selector).")
      .def_property_readonly(
          "window_seconds", [](const mx::ExternalRule& r) { return DurationToPy(r.window); },
          "The range, seconds (0 for LATEST).")
      .def_property_readonly(
          "extra_matchers",
          [](const mx::ExternalRule& r) { return MatcherStrings(r.extra_matchers); },
          "metricsQuery's own matchers, as written (name op \"value\").")
      .def_property_readonly(
          "group", [](const mx::ExternalRule& r) { return std::string(GroupName(r.group)); },
          "The outer aggregation over series: \"sum\", \"avg\", \"max\", \"min\" or \"\" "
          "(one value per series).")
      .def_readonly("group_by", &mx::ExternalRule::group_by,
                    "`by (l1, l2)`: one value per group; [] (no `by`, or <<.GroupBy>>): one "
                    "value over all series.")
      .def_readonly("metrics_query", &mx::ExternalRule::metrics_query,
                    "metricsQuery as written.")
      .def("__repr__", [](const mx::ExternalRule& r) {
        return "ExternalRule(series_query=" +
               std::string(py::repr(py::str(SelectorString(r.series)))) +
               ", metrics_query=" + std::string(py::repr(py::str(r.metrics_query))) + ")";
      });
  m.def(
      "selector_matchers",
      [](py::handle selector) {
        const hpa::LabelSelector sel = SelectorArg(selector);
        return MatcherStrings(Unwrap(mx::SelectorMatchers(sel)));
      },
      py::arg("selector"),
      "The PromQL label matchers (name op \"value\") prometheus-adapter puts into "
      "<<.LabelMatchers>> for an HPA metric selector (a LabelSelector or its dict): "
      "matchLabels k: v -> k=\"v\", In -> k=~\"a|b\", NotIn -> k!~\"a|b\" (values sorted), "
      "Exists -> k!=\"\", DoesNotExist -> k=\"\". ValueError for a key that is not a "
      "Prometheus label name, an unknown operator or values that do not fit it.");
  py::class_<mx::MetricAdapter>(
      m, "MetricAdapter",
      "Adapter rules (the prometheus-adapter configuration subset) applied in-process to "
      "a SeriesStore: per metric a selector, a window function and the label naming the "
      "pod or object. rules serve Pods and Object metrics, external_rules External ones; "
      "fill_observation_for_spec() fills all of an HPA spec's, with Kubernetes' rules: a "
      "missing or stale series gives no sample (a missing pod, never 0), values are "
      "truncated to milli-units as the adapter serves them. Immutable; safe to share "
      "between threads. The fill methods run without the GIL.")
      .def_static(
          "from_config", [](const std::string& yaml) { return Unwrap(mx::MetricAdapter::FromConfig(yaml)); },
          py::arg("yaml"),
          "Reads a prometheus-adapter configuration (YAML text: rules and externalRules); "
          "ValueError names the unsupported or invalid field with its line and column.")
      .def_static(
          "from_config_file",
          [](py::handle path) { return Unwrap(mx::MetricAdapter::FromConfigFile(PathArg(path))); },
          py::arg("path"), "As from_config, from a file; FileNotFoundError if missing.")
      .def_static(
          "from_rules",
          [](std::vector<mx::MetricRule> rules, std::vector<mx::ExternalRule> external_rules) {
            return Unwrap(mx::MetricAdapter::FromRules(std::move(rules), std::move(external_rules)));
          },
          py::arg("rules"), py::arg("external_rules") = py::tuple(),
          "An adapter from MetricRules and ExternalRules (constructed, or taken from other "
          "adapters' rules / external_rules). ValueError names the bad rule "
          "(\"externalRules[0].resources: ...\").")
      .def_property_readonly("rules", &mx::MetricAdapter::rules, "The MetricRules, in order.")
      .def_property_readonly("external_rules", &mx::MetricAdapter::external_rules,
                             "The ExternalRules, in order.")
      .def(
          "register_windows",
          [](const mx::MetricAdapter& a, SeriesStore& store) { a.RegisterWindows(&store); },
          py::arg("store"),
          "Makes `store` keep every rule's window of samples (external rules' too).")
      .def(
          "metric_names",
          [](const mx::MetricAdapter& a, const SeriesStore& store) {
            py::gil_scoped_release release;
            return a.MetricNames(store);
          },
          py::arg("store"), "The metric names the store's series expose through the rules.")
      .def(
          "external_metric_names",
          [](const mx::MetricAdapter& a, const SeriesStore& store) {
            py::gil_scoped_release release;
            return a.ExternalMetricNames(store);
          },
          py::arg("store"),
          "The metric names the store's series expose through the external rules.")
      .def(
          "fill",
          [](const mx::MetricAdapter& a, const SeriesStore& store, py::handle now,
             const std::vector<hpa::Pod>& pods, MetricObservation& out,
             const std::string& namespace_name) {
            const absl::Time t = TimeFromPy(now);
            py::gil_scoped_release release;
            a.Fill(store, t, pods, namespace_name, &out);
          },
          py::arg("store"), py::arg("now"), py::arg("pods"), py::arg("metric_observation"),
          py::arg("namespace") = "",
          "Adds to metric_observation.pod_samples one value per pod of `pods` that has one "
          "for metric_observation.metric at `now`; sets its error when no series of the "
          "metric exists (\"metric not found\") or a pod has several and the rule does not "
          "aggregate them. namespace: filter on the rule's namespace label (\"\": any).")
      .def(
          "fill_observation",
          [](const mx::MetricAdapter& a, const SeriesStore& store, py::handle now,
             Observation& obs, const std::string& namespace_name) {
            const absl::Time t = TimeFromPy(now);
            py::gil_scoped_release release;
            a.FillObservation(store, t, namespace_name, &obs);
          },
          py::arg("store"), py::arg("now"), py::arg("observation"), py::arg("namespace") = "",
          "fill() for every named metric of `observation` (add_metric() first), over its "
          "pods; changes `observation` in place. Pods metrics only: see "
          "fill_observation_for_spec() for Object and External ones.")
      .def(
          "fill_pods",
          [](const mx::MetricAdapter& a, const SeriesStore& store, py::handle now,
             const std::vector<hpa::Pod>& pods, MetricObservation& out,
             const std::string& namespace_name, py::handle selector) {
            const absl::Time t = TimeFromPy(now);
            const hpa::LabelSelector sel = SelectorArg(selector);
            py::gil_scoped_release release;
            a.FillPods(store, t, pods, namespace_name, sel, &out);
          },
          py::arg("store"), py::arg("now"), py::arg("pods"), py::arg("metric_observation"),
          py::arg("namespace") = "", py::arg("selector") = py::none(),
          "fill() with the HPA's metric selector (a LabelSelector or its dict; None: none) "
          "applied to the series as <<.LabelMatchers>> (see selector_matchers()). Series "
          "it filters out count as absent, not as an error; a selector that does not "
          "translate sets metric_observation.error.")
      .def(
          "fill_object",
          [](const mx::MetricAdapter& a, const SeriesStore& store, py::handle now,
             py::handle described_object, MetricObservation& out,
             const std::string& namespace_name, py::handle selector) {
            const absl::Time t = TimeFromPy(now);
            const auto object = ValueArg<hpa::ObjectReference>(
                described_object, "described_object", "an ObjectReference or a dict");
            const hpa::LabelSelector sel = SelectorArg(selector);
            py::gil_scoped_release release;
            a.FillObject(store, t, namespace_name, object, sel, &out);
          },
          py::arg("store"), py::arg("now"), py::arg("described_object"),
          py::arg("metric_observation"), py::arg("namespace") = "",
          py::arg("selector") = py::none(),
          "An Object metric: sets metric_observation.object_value_milli to the value of "
          "metric_observation.metric for the series whose label for the object's kind "
          "(ResourceLabel, the template; kind Pod: the pod label; Namespace: the namespace) "
          "equals described_object.name, in `namespace` when the rule has a namespace "
          "label. Sets metric_observation.error when no rule maps the kind, no series has "
          "the metric, the object has no fresh series, or it has several and the rule does "
          "not aggregate them.")
      .def(
          "fill_external",
          [](const mx::MetricAdapter& a, const SeriesStore& store, py::handle now,
             MetricObservation& out, const std::string& namespace_name, py::handle selector) {
            const absl::Time t = TimeFromPy(now);
            const hpa::LabelSelector sel = SelectorArg(selector);
            py::gil_scoped_release release;
            a.FillExternal(store, t, namespace_name, sel, &out);
          },
          py::arg("store"), py::arg("now"), py::arg("metric_observation"),
          py::arg("namespace") = "", py::arg("selector") = py::none(),
          "An External metric: appends to metric_observation.external_values_milli one "
          "value per matching series of metric_observation.metric with a value at `now` "
          "(in `namespace` for a namespaced rule), or one per group when the rule "
          "aggregates. Sets metric_observation.error only when no series exposes the metric; "
          "an empty result stays empty, and the engine fails the metric with Kubernetes' "
          "\"no metrics returned from external metrics API\".")
      .def(
          "fill_spec_metric",
          [](const mx::MetricAdapter& a, const SeriesStore& store, py::handle now,
             py::handle metric, const std::vector<hpa::Pod>& pods, MetricObservation& out,
             const std::string& namespace_name) {
            const absl::Time t = TimeFromPy(now);
            const auto spec = ValueArg<hpa::MetricSpec>(metric, "metric", "a MetricSpec or a dict");
            py::gil_scoped_release release;
            a.FillSpecMetric(store, t, spec, pods, namespace_name, &out);
          },
          py::arg("store"), py::arg("now"), py::arg("metric"), py::arg("pods"),
          py::arg("metric_observation"), py::arg("namespace") = "",
          "One metric of an HPA spec (a MetricSpec), by its type: Pods -> fill_pods(), "
          "Object -> fill_object(), External -> fill_external(), each with the metric's "
          "selector; metric_observation.metric is set to metric.name. Resource and "
          "ContainerResource metrics are not served by the adapter: metric_observation is "
          "left untouched.")
      .def(
          "fill_observation_for_spec",
          [](const mx::MetricAdapter& a, const SeriesStore& store, py::handle now,
             const hpa::AutoscalerSpec& spec, Observation& obs) {
            const absl::Time t = TimeFromPy(now);
            const hpa::AutoscalerSpec copy = spec;
            py::gil_scoped_release release;
            a.FillObservationForSpec(store, t, copy, &obs);
          },
          py::arg("store"), py::arg("now"), py::arg("spec"), py::arg("observation"),
          "fill_spec_metric() for every Pods, Object and External metric of `spec` (an "
          "AutoscalerSpec), over observation.pods in spec.namespace. Each metric's "
          "MetricObservation is the one HorizontalAutoscaler.evaluate() will read for it "
          "(unnamed at the metric's position, else the first unused one of that name) or "
          "is appended, and is reset first, so one Observation can be refilled every sync. "
          "Resource metrics are left to the caller. Changes `observation` in place.")
      .def("__repr__", [](const mx::MetricAdapter& a) {
        return "MetricAdapter(rules=" + std::to_string(a.rules().size()) +
               ", external_rules=" + std::to_string(a.external_rules().size()) + ")";
      });
}

void BindScraper(py::module_& m) {
  namespace mx = metrics;
  ValueClass<mx::ScrapeTarget> target(m, "ScrapeTarget", "One /metrics endpoint.");
  target.field("host", &mx::ScrapeTarget::host, "Host name or address (\"127.0.0.1\").")
      .field("port", &mx::ScrapeTarget::port, "TCP port (8000).")
      .field("path", &mx::ScrapeTarget::path, "HTTP path (\"/metrics\").")
      .field("labels", &mx::ScrapeTarget::labels,
             "Added to every scraped series (e.g. pod, namespace); empty: "
             "{instance: host:port}.")
      .finish();
  target.cls().def(
      "name",
      [](const mx::ScrapeTarget& t) -> std::string {
#if AGENTSCALE_HAVE_HTTP
        return t.Name();
#else
        (void)t;
        NoHttp("ScrapeTarget.name");
#endif
      },
      "\"host:port/path\", as messages and stats name the target.");
  m.def(
      "parse_scrape_target",
      [](const std::string& address, py::handle labels) -> mx::ScrapeTarget {
        Labels l = LabelsFromPy(labels, "labels");
#if AGENTSCALE_HAVE_HTTP
        return Unwrap(mx::ParseScrapeTarget(address, std::move(l)));
#else
        (void)address;
        NoHttp("parse_scrape_target");
#endif
      },
      py::arg("address"), py::arg("labels") = py::none(),
      "A ScrapeTarget from \"[http://]host[:port][/path]\" (port 8000, path /metrics by "
      "default); ValueError if malformed.");
  ValueClass<mx::ScraperOptions>(m, "ScraperOptions", "A Scraper's timeouts and limits.")
      .field("connect_timeout_seconds", &mx::ScraperOptions::connect_timeout,
             "TCP connect timeout (2).")
      .field("read_timeout_seconds", &mx::ScraperOptions::read_timeout, "Read timeout (5).")
      .field("max_body_bytes", &mx::ScraperOptions::max_body_bytes,
             "A larger body fails the scrape (16 MiB).")
      .field("parallelism", &mx::ScraperOptions::parallelism,
             "Targets scrape_all() fetches at once (8).")
      .finish();
  ValueClass<mx::ScrapeResult> result(m, "ScrapeResult", "One scrape of one target.");
  result.field("error", &mx::ScrapeResult::status,
               "Why the scrape failed (names the target), or None.")
      .field("http_status", &mx::ScrapeResult::http_status, "HTTP status; 0 without a response.")
      .field("counts", &mx::ScrapeResult::counts, "AppendCounts (zero on failure).")
      .field("stale_marked", &mx::ScrapeResult::stale_marked,
             "Staleness markers this scrape wrote: into every series of the target "
             "on failure, into series gone from the page on success.")
      .field("duration_seconds", &mx::ScrapeResult::duration, "Wall time of the request.")
      .finish();
  result.cls().def_property_readonly(
      "ok", [](const mx::ScrapeResult& r) { return r.status.ok(); }, "The scrape succeeded.");
  ValueClass<mx::TargetStats>(m, "TargetStats", "One target's scrape counters.")
      .field("target", &mx::TargetStats::target, "ScrapeTarget.name().")
      .field("labels", &mx::TargetStats::labels, "The target's labels.")
      .field("scrapes_total", &mx::TargetStats::scrapes_total, "Scrapes, cumulative.")
      .field("scrape_failures_total", &mx::TargetStats::scrape_failures_total,
             "Failed scrapes, cumulative.")
      .field("last_error", &mx::TargetStats::last_error,
             "The last scrape's error, None after a success.")
      .finish();
  py::class_<PyScraper>(
      m, "Scraper",
      "Fetches /metrics endpoints over HTTP and appends what they serve to a SeriesStore "
      "(which it keeps alive), each target's labels added to its series, as Prometheus "
      "does. A failed scrape (refused, timeout, HTTP status other than 200, a body that "
      "does not parse or is too large) appends nothing and marks the target's series "
      "stale, so its pod reads as missing, never as zero; every scrape writes the `up` "
      "series (1 or 0). `now` stamps the samples. Scrapes run without the GIL; thread-safe. "
      "Needs cpp-httplib (HAVE_HTTP).")
      .def(py::init([](py::handle targets, SeriesStore& store,
                       const std::optional<mx::ScraperOptions>& options) {
             std::vector<mx::ScrapeTarget> ts;
             if (py::isinstance<py::str>(targets) || !py::isinstance<py::sequence>(targets)) {
               throw py::type_error("targets: expected a list of ScrapeTarget or addresses");
             }
             size_t k = 0;
             for (auto t : py::reinterpret_borrow<py::sequence>(targets)) {
               ts.push_back(TargetFromPy(t, k++));
             }
             auto s = std::make_unique<PyScraper>();
#if AGENTSCALE_HAVE_HTTP
             s->scraper = Unwrap(mx::Scraper::Create(
                 std::move(ts), options.value_or(mx::ScraperOptions{}), &store));
#else
             (void)store;
             (void)options;
             NoHttp("Scraper");
#endif
             return s;
           }),
           py::arg("targets"), py::arg("store"), py::arg("options") = py::none(),
           py::keep_alive<1, 3>(),
           "targets: ScrapeTargets or addresses \"host[:port][/path]\". ValueError for a bad "
           "target (no host, port outside 1..65535, path without '/') or options; "
           "agentscale.Error when built without cpp-httplib.")
      .def_property_readonly(
          "targets", [](PyScraper& s) { return s.get().targets(); }, "The ScrapeTargets.")
      .def(
          "scrape",
          [](PyScraper& s, py::ssize_t index, py::handle now) {
            mx::Scraper& sc = s.get();
            const auto n = static_cast<py::ssize_t>(sc.targets().size());
            if (index < 0 || index >= n) {
              throw py::index_error("target index " + std::to_string(index) + " out of range (" +
                                    std::to_string(n) + " targets)");
            }
            const absl::Time t = TimeFromPy(now);
            py::gil_scoped_release release;
            return sc.Scrape(static_cast<size_t>(index), t);
          },
          py::arg("index"), py::arg("now"),
          "Scrapes target `index` once; returns its ScrapeResult (failures are results, "
          "not exceptions).")
      .def(
          "scrape_all",
          [](PyScraper& s, py::handle now) {
            mx::Scraper& sc = s.get();
            const absl::Time t = TimeFromPy(now);
            py::gil_scoped_release release;
            return sc.ScrapeAll(t);
          },
          py::arg("now"),
          "Scrapes every target (up to options.parallelism at once); ScrapeResults in "
          "target order.")
      .def(
          "stats", [](PyScraper& s) { return s.get().Stats(); },
          "TargetStats per target, in target order.")
      .def("__repr__", [](PyScraper& s) {
        return "Scraper(targets=" + std::to_string(s.get().targets().size()) + ")";
      });
}

void BindQueryClient(py::module_& m) {
  namespace mx = metrics;
  ValueClass<mx::QueryClientOptions>(m, "QueryClientOptions", "Where Prometheus is.")
      .field("host", &mx::QueryClientOptions::host, "Host (\"127.0.0.1\").")
      .field("port", &mx::QueryClientOptions::port, "Port (9090).")
      .field("connect_timeout_seconds", &mx::QueryClientOptions::connect_timeout,
             "TCP connect timeout (2).")
      .field("read_timeout_seconds", &mx::QueryClientOptions::read_timeout, "Read timeout (10).")
      .finish();
  ValueClass<mx::InstantSample>(m, "InstantSample", "One element of an instant vector.")
      .field("metric", &mx::InstantSample::metric, "__name__ (\"\" when the query drops it).")
      .field("labels", &mx::InstantSample::labels, "The other labels, sorted by name.")
      .field_as<absl::Time>("timestamp", &mx::InstantSample::timestamp_ms,
                            &MillisToTimeRequired, &TimeToMillisRequired,
                            "Float seconds since the epoch (whole ms).")
      .field("value", &mx::InstantSample::value, "The value (NaN, +-inf as Prometheus sends).")
      .finish();
  m.def(
      "parse_instant_query_response",
      [](py::handle body) -> std::vector<mx::InstantSample> {
        const absl::string_view text = TextArg(body, "body");
#if AGENTSCALE_HAVE_HTTP
        return Unwrap(mx::ParseInstantQueryResponse(text));
#else
        (void)text;
        NoHttp("parse_instant_query_response");
#endif
      },
      py::arg("body"),
      "The InstantSamples of a /api/v1/query response body (str or bytes). "
      "ValueError for \"status\": \"error\" (carrying Prometheus' errorType and "
      "error), a result that is not a vector, or a body not of the documented shape.");
  py::class_<PyPrometheusClient>(
      m, "PrometheusClient",
      "Instant queries against Prometheus' HTTP API (GET /api/v1/query), as a Prometheus "
      "adapter reads per-pod values. Requests run without the GIL; thread-safe. Needs "
      "cpp-httplib (HAVE_HTTP).")
      .def(py::init([](const std::optional<mx::QueryClientOptions>& options,
                       const std::optional<std::string>& host, const std::optional<int>& port) {
             auto c = std::make_unique<PyPrometheusClient>();
             c->options = options.value_or(mx::QueryClientOptions{});
             if (host) c->options.host = *host;
             if (port) c->options.port = *port;
#if AGENTSCALE_HAVE_HTTP
             c->client = std::make_unique<mx::PrometheusClient>(c->options);
#else
             NoHttp("PrometheusClient");
#endif
             return c;
           }),
           py::arg("options") = py::none(), py::kw_only(), py::arg("host") = py::none(),
           py::arg("port") = py::none(),
           "A client for the Prometheus at options (default QueryClientOptions()), host= and "
           "port= overriding; agentscale.Error when built without cpp-httplib.")
      .def_property_readonly(
          "options", [](const PyPrometheusClient& c) { return c.options; },
          "The QueryClientOptions.")
      .def(
          "query",
          [](const PyPrometheusClient& c, const std::string& query, py::handle time) {
            const mx::PrometheusClient& client = c.get();
            const absl::Time t = TimeFromPy(time);
            absl::StatusOr<std::vector<mx::InstantSample>> r;
            {
              py::gil_scoped_release release;
              r = client.Query(query, t);
            }
            return Unwrap(std::move(r));
          },
          py::arg("query"), py::arg("time"),
          "Evaluates `query` at `time`; the InstantSamples. agentscale.Error (code "
          "UNAVAILABLE) for transport failures, timeouts and HTTP statuses other than 200, "
          "400 and 422; ValueError for 400/422, \"status\": \"error\" and malformed "
          "responses. Messages name the query and Prometheus' error.")
      .def(
          "fill_pod_values",
          [](const PyPrometheusClient& c, const std::string& query, py::handle time,
             const std::string& pod_label, MetricObservation& out,
             py::handle window) -> std::optional<std::string> {
            const mx::PrometheusClient& client = c.get();
            const absl::Time t = TimeFromPy(time);
            const absl::Duration w = DurationFromPy(window);
            absl::Status st;
            {
              py::gil_scoped_release release;
              st = client.FillPodValues(query, t, pod_label, &out, w);
            }
            if (st.ok()) return std::nullopt;
            return std::string(st.message());
          },
          py::arg("query"), py::arg("time"), py::arg("pod_label"), py::arg("metric_observation"),
          py::arg("window_seconds") = 60.0,
          "Evaluates `query` and adds one value per pod (label pod_label) to "
          "metric_observation. On failure nothing is added and the error is recorded in "
          "metric_observation.error, so the engine applies Kubernetes' failed-metric rules; "
          "returns that message (None on success) rather than raising.")
      .def(
          "query_into_store",
          [](const PyPrometheusClient& c, const std::string& query, py::handle time,
             SeriesStore& store, const std::string& metric) {
            const mx::PrometheusClient& client = c.get();
            const absl::Time t = TimeFromPy(time);
            absl::StatusOr<mx::AppendCounts> r;
            {
              py::gil_scoped_release release;
              r = client.QueryIntoStore(query, t, metric, &store);
            }
            return Unwrap(std::move(r));
          },
          py::arg("query"), py::arg("time"), py::arg("store"), py::kw_only(),
          py::arg("metric") = "",
          "Evaluates `query` and appends every element to `store` as a sample of `metric` "
          "(each element's own __name__ when \"\"); the AppendCounts. Errors as query().")
      .def(
          "query_range",
          [](const PyPrometheusClient& c, const std::string& query, py::handle start,
             py::handle end, py::handle step, size_t max_bytes) {
            const mx::PrometheusClient& client = c.get();
            const absl::Time t0 = TimeFromPy(start), t1 = TimeFromPy(end);
            const absl::Duration st = DurationFromPy(step);
            absl::StatusOr<std::string> r;
            {
              py::gil_scoped_release release;
              r = client.QueryRange(query, t0, t1, st, max_bytes);
            }
            return Unwrap(std::move(r));
          },
          py::arg("query"), py::arg("start"), py::arg("end"), py::arg("step_seconds"),
          py::kw_only(), py::arg("max_bytes") = size_t{64} << 20,
          "Evaluates `query` from `start` to `end` every `step_seconds` (GET "
          "/api/v1/query_range) and returns the response body (JSON text) for "
          "parse_prometheus_trace(). ValueError for a step that is not positive, an end "
          "before the start, more than 11,000 steps (Prometheus' limit), and HTTP 400/422 "
          "(with Prometheus' errorType and error); agentscale.Error for transport failures, "
          "other statuses and a body over max_bytes.")
      .def("__repr__", [](const PyPrometheusClient& c) {
        return "PrometheusClient(host=" + std::string(py::repr(py::str(c.options.host))) +
               ", port=" + std::to_string(c.options.port) + ")";
      });
}

void BindSelfMetrics(py::module_& m) {
  namespace mx = metrics;
  py::class_<mx::SelfMetrics>(
      m, "SelfMetrics",
      "The engine's own metrics in the Prometheus text format, named as Kubernetes names "
      "them (horizontal_pod_autoscaler_controller_*, kube_horizontalpodautoscaler_*) plus "
      "agentscale_decisions_total. Record each evaluate(); serve render() at /metrics. "
      "Thread-safe.")
      .def(py::init<>())
      .def(
          "record",
          [](mx::SelfMetrics& s, const Decision& d, py::handle duration,
             py::handle metric_durations) {
            const absl::Duration total = DurationFromPy(duration);
            std::vector<absl::Duration> per_metric;
            if (!metric_durations.is_none()) {
              if (py::isinstance<py::str>(metric_durations) ||
                  !py::hasattr(metric_durations, "__iter__")) {
                throw py::type_error(
                    "metric_durations_seconds: expected a sequence of seconds, got " +
                    TypeName(metric_durations));
              }
              for (auto x : metric_durations) per_metric.push_back(DurationFromPy(x));
            }
            s.Record(d, total, per_metric);
          },
          py::arg("decision"), py::arg("evaluation_duration_seconds"),
          py::arg("metric_durations_seconds") = py::none(),
          "One successful evaluate(): its Decision and how long the reconcile took. "
          "metric_durations_seconds[i], when given, is how long spec.metrics[i] took to "
          "fetch and compute (e.g. the adapter's fill); metrics without an entry observe "
          "the whole evaluation_duration_seconds in "
          "horizontal_pod_autoscaler_controller_metric_computation_duration_seconds.")
      .def(
          "record_error",
          [](mx::SelfMetrics& s, const hpa::AutoscalerSpec& spec, py::handle duration) {
            s.RecordError(spec, DurationFromPy(duration));
          },
          py::arg("spec"), py::arg("evaluation_duration_seconds"),
          "One evaluate() that raised (error=\"internal\", action none).")
      .def("render", &mx::SelfMetrics::Render,
           "Every metric, text format 0.0.4 (serve as text/plain; version=0.0.4).");
  m.def(
      "alert_rules_yaml",
      [](int kube_state_metrics) {
        if (kube_state_metrics != 1 && kube_state_metrics != 2) {
          throw py::value_error("kube_state_metrics must be 1 or 2, got " +
                                std::to_string(kube_state_metrics));
        }
        return mx::AlertRulesYaml(kube_state_metrics == 1 ? mx::KubeStateMetricsNames::kV1
                                                          : mx::KubeStateMetricsNames::kV2);
      },
      py::kw_only(), py::arg("kube_state_metrics") = 2,
      "The seed's two alerts (AgentScalingTooFrequent, AgentMaxReplicasReached) on the "
      "engine's metrics, as a Prometheus rules file, over kube-state-metrics 2.x's names "
      "(kube_horizontalpodautoscaler_*) or 1.x's (kube_hpa_*, label hpa).");
  m.def(
      "write_alert_rules",
      [](py::handle path) { RaiseIfError(mx::WriteAlertRules(PathArg(path))); },
      py::arg("path"), "Writes alert_rules_yaml() to `path`.");
  m.def("decision_action", &mx::DecisionAction, py::arg("decision"),
        "\"scale_up\", \"scale_down\" or \"none\", as Kubernetes labels reconciliations.");
  m.def("decision_reason", &mx::DecisionReason, py::arg("decision"),
        "The condition reason that settled the decision (\"DesiredWithinRange\", "
        "\"ScaleUpLimit\", ...).");
}

}  // namespace

void BindMetrics(py::module_& m) {
  m.attr("HAVE_HTTP") = py::bool_(kHaveHttp);

  g_exposition_error = PyErr_NewExceptionWithDoc(
      "agentscale._core.ExpositionError",
      "A Prometheus exposition that does not parse (a ValueError); .line is the "
      "1-based line of the error, also named in the message.",
      PyExc_ValueError, nullptr);
  if (g_exposition_error == nullptr) throw py::error_already_set();
  py::object exposition_error = py::reinterpret_borrow<py::object>(g_exposition_error);
  exposition_error.attr("line") = 0;
  m.attr("ExpositionError") = exposition_error;

  BindMetricEnums(m);
  BindSeriesStore(m);
  BindExposition(m);
  BindAdapter(m);
  BindScraper(m);
  BindQueryClient(m);
  BindSelfMetrics(m);
}

}  // namespace agentscale::python
