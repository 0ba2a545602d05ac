// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// KEDA scalingModifiers formulas: evaluation of a compiled formula (target
// from the formula engine's brief: <= 50 ns for a 3-trigger formula), the
// fallback path through ??, sums over more triggers, and compilation. The
// counter allocs_per_eval counts calls of the global operator new per
// iteration (replaced below); Evaluate's contract is zero.

#include <cstddef>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/keda/formula.h"
#include "benchmark/benchmark.h"

namespace {
size_t g_allocations = 0;
void* CountedAlloc(size_t n) {
  ++g_allocations;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t n) { return CountedAlloc(n); }
void* operator new[](size_t n) { return CountedAlloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace {

using agentscale::keda::Formula;
using agentscale::keda::FormulaValue;

constexpr const char* kFormula = "(a + b + c) / 3 > 10 ? max(a, b, c) : a ?? 0";
const std::vector<std::string> kTriggers = {"a", "b", "c"};

void ReportAllocations(benchmark::State& state, size_t before) {
  state.counters["allocs_per_eval"] = benchmark::Counter(
      static_cast<double>(g_allocations - before), benchmark::Counter::kAvgIterations);
  state.SetItemsProcessed(state.iterations());
}

// Arg 0: the condition holds (max of three); 1: it does not (a ?? 0).
void BM_KedaFormula_Evaluate(benchmark::State& state) {
  const Formula f = *Formula::Parse(kFormula, kTriggers);
  const std::vector<std::optional<double>> values =
      state.range(0) == 0 ? std::vector<std::optional<double>>{20.0, 30.0, 40.0}
                          : std::vector<std::optional<double>>{1.0, 2.0, 3.0};
  const size_t before = g_allocations;
  for (auto _ : state) {
    absl::StatusOr<FormulaValue> v = f.Evaluate(values);
    benchmark::DoNotOptimize(v);
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_KedaFormula_Evaluate)->Arg(0)->Arg(1);

// The composite as KEDA takes it (float, nil for the fallback, or an error).
void BM_KedaFormula_EvaluateComposite(benchmark::State& state) {
  const Formula f = *Formula::Parse(kFormula, kTriggers);
  const std::vector<std::optional<double>> values = {20.0, 30.0, 40.0};
  const size_t before = g_allocations;
  for (auto _ : state) {
    absl::StatusOr<std::optional<double>> v = f.EvaluateComposite(values);
    benchmark::DoNotOptimize(v);
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_KedaFormula_EvaluateComposite);

// fallback.behavior: scalingModifiers: failed triggers enter as nil.
void BM_KedaFormula_EvaluateFallback(benchmark::State& state) {
  const Formula f = *Formula::Parse("a ?? b ?? c ?? 8", kTriggers);
  const std::vector<std::optional<double>> values = {std::nullopt, std::nullopt, 5.0};
  const size_t before = g_allocations;
  for (auto _ : state) {
    absl::StatusOr<FormulaValue> v = f.Evaluate(values);
    benchmark::DoNotOptimize(v);
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_KedaFormula_EvaluateFallback);

// (t0 + t1 + ... + tN-1) / N over N triggers.
void BM_KedaFormula_EvaluateAverage(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<std::string> triggers;
  std::string text = "(";
  for (int i = 0; i < n; ++i) {
    triggers.push_back(absl::StrCat("t", i));
    absl::StrAppend(&text, i == 0 ? "" : " + ", "t", i);
  }
  absl::StrAppend(&text, ") / ", n);
  const Formula f = *Formula::Parse(text, triggers);
  std::vector<std::optional<double>> values(n);
  for (int i = 0; i < n; ++i) values[i] = i;
  const size_t before = g_allocations;
  for (auto _ : state) {
    absl::StatusOr<FormulaValue> v = f.Evaluate(values);
    benchmark::DoNotOptimize(v);
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_KedaFormula_EvaluateAverage)->Arg(2)->Arg(8)->Arg(64);

// Compilation (once per ScaledObject change).
void BM_KedaFormula_Parse(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<Formula> f = Formula::Parse(kFormula, kTriggers);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KedaFormula_Parse);

}  // namespace

BENCHMARK_MAIN();
