"""The cheapest HPA that meets a wait SLO (agentscale/tune/search.h).

``tune()`` runs the C++ search (HpaTuner) and evaluates each batch of
candidates where you say: threads by default (evaluate_hpa releases the
GIL), any ``concurrent.futures.Executor``, or a ``dask.distributed`` Client.
Evaluations can be cached in a file so that a stopped tune resumes where it
was.
"""

from __future__ import annotations

import concurrent.futures
import copy
import hashlib
import os
import pathlib
import pickle
from collections.abc import Sequence
from typing import Any, Optional, Union

from agentscale._core import (
    AgentModelOptions,
    AutoscalerSpec,
    HpaTuner,
    Trace,
    TunedConfig,
    TuneOptions,
    TuneResult,
    WaitSlo,
    evaluate_hpa,
    parse_wait_slo,
)

TraceLike = Union[Trace, Sequence[Trace], None]


class _Cache:
    """Evaluations by a hash of the run (options and traces) and the
    candidate's spec, kept in a pickle file rewritten atomically after each
    batch."""

    def __init__(self, path: Union[str, os.PathLike[str], None], run_key: str) -> None:
        self._path = pathlib.Path(path) if path is not None else None
        self._run_key = run_key
        self._entries: dict[str, TunedConfig] = {}
        if self._path is not None and self._path.exists():
            with self._path.open("rb") as f:
                loaded = pickle.load(f)
            if not isinstance(loaded, dict):
                raise ValueError(f"{self._path}: not a tune cache")
            self._entries = loaded
        self.hits = 0

    def key(self, spec: AutoscalerSpec) -> str:
        return hashlib.sha256((self._run_key + spec.to_json()).encode()).hexdigest()

    def get(self, spec: AutoscalerSpec) -> Optional[TunedConfig]:
        hit = self._entries.get(self.key(spec))
        if hit is not None:
            self.hits += 1
        return hit

    def put(self, spec: AutoscalerSpec, result: TunedConfig) -> None:
        self._entries[self.key(spec)] = result

    def save(self) -> None:
        if self._path is None:
            return
        tmp = self._path.with_name(self._path.name + ".tmp")
        with tmp.open("wb") as f:
            pickle.dump(self._entries, f)
        os.replace(tmp, self._path)


def _traces(trace: TraceLike) -> list[Trace]:
    if trace is None:
        from agentscale.sim import default_trace

        return [default_trace()]
    if isinstance(trace, Trace):
        return [trace]
    out = list(trace)
    if not out:
        raise ValueError("tune needs a trace")
    return out


def _run_key(options: TuneOptions, traces: list[Trace]) -> str:
    h = hashlib.sha256(options.to_json().encode())
    for t in traces:
        h.update(t.time_seconds.tobytes())
        h.update(t.values.tobytes())
    return h.hexdigest()


def _is_dask(executor: Any) -> bool:
    return type(executor).__module__.startswith("distributed")


def tune(
    spec: Union[AutoscalerSpec, str],
    trace: TraceLike = None,
    *,
    slo: Union[WaitSlo, str] = "p95_wait<=60s",
    options: Optional[TuneOptions] = None,
    model: Optional[AgentModelOptions] = None,
    executor: Any = None,
    workers: Optional[int] = None,
    cache: Union[str, os.PathLike[str], None] = None,
    progress: bool = True,
    **model_options: Any,
) -> TuneResult:
    """The cheapest config of `spec` (an HPA on app_active_task_count; a
    path or preset name is loaded) that meets `slo` on every trace (default:
    the embedded NASA trace), searched from the queueing guess over its
    target, minReplicas and scale-down window (docs/tune.md).

    slo: a WaitSlo or text such as "p95_wait<=60s" or "wait>60s<=1%".
    options: a TuneOptions (what is searched, bounds, budget); its slo and
        model are replaced by `slo` and `model`.
    model, **model_options: the AgentModelOptions each candidate runs on
        (keyword options as simulate() takes them).
    executor: where candidates run: None (threads, `workers` of them; the
        default is the CPU count), a concurrent.futures.Executor, or a
        dask.distributed Client.
    cache: a file of evaluations; a tune with the same options and traces
        reuses them (resuming a stopped one).
    progress: a progress bar on stderr (only when it is a terminal).
    """
    from agentscale.sim import make_options, resolve_spec
    from agentscale.sim._sweep import _progress

    base = resolve_spec(spec) if isinstance(spec, str) else spec
    if not isinstance(base, AutoscalerSpec):
        raise TypeError(f"tune searches a HorizontalPodAutoscaler; got {type(base).__name__}")
    traces = _traces(trace)
    opts = copy.copy(options) if options is not None else TuneOptions()
    opts.slo = parse_wait_slo(slo) if isinstance(slo, str) else slo
    opts.model = make_options("agent", model, **model_options)  # type: ignore[assignment]
    tuner = HpaTuner(base, traces, opts)
    store = _Cache(cache, _run_key(opts, traces))

    own: Optional[concurrent.futures.Executor] = None
    if executor is None:
        own = concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
        executor = own
    shared: Any = traces
    if _is_dask(executor):
        shared = executor.scatter(traces, broadcast=True)
    try:
        with _progress(progress, opts.max_evaluations, "tune") as bar:
            while not tuner.done:
                batch = tuner.ask()
                results: list[Optional[TunedConfig]] = [store.get(s) for s in batch]
                todo = [i for i, r in enumerate(results) if r is None]
                if _is_dask(executor):
                    futures = [executor.submit(evaluate_hpa, batch[i], shared, opts, pure=False)
                               for i in todo]
                else:
                    futures = [executor.submit(evaluate_hpa, batch[i], shared, opts) for i in todo]
                for i, f in zip(todo, futures):
                    results[i] = f.result()
                    store.put(batch[i], results[i])  # type: ignore[arg-type]
                store.save()
                tuner.tell([r for r in results if r is not None])
                bar.advance(len(batch))
    finally:
        if own is not None:
            own.shutdown()
    return tuner.finish()


__all__ = ["tune"]
