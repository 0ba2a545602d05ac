"""The seed's ScaledObject alone, under the seed's planned schedule, and with
a forecast floor: the agent model on the embedded NASA trace, with a plot.

    python examples/06_schedule_and_forecast.py [--keda examples/keda.yaml]
        [--schedule examples/schedule.yaml] [--forecast holt-winters]
        [--days 7] [--out schedule_and_forecast.png]

The schedule is the seed's predictive ConfigMap written as a Schedule (New
York time, the trace's clock): at least 4 agents through the business week
and 6 on the month's last days. The forecast is Holt-Winters with a daily
season over the per-minute queue, as a floor two minutes ahead (the agents'
startup plus a sync). The table gives cost, task waits and scale churn; the
plot shows the three fleets over the demand. Needs the `plot` extra
(matplotlib) for the PNG.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import tempfile

import agentscale

HERE = pathlib.Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keda", type=pathlib.Path, default=HERE / "keda.yaml")
    parser.add_argument("--schedule", type=pathlib.Path, default=HERE / "schedule.yaml")
    parser.add_argument("--forecast", default="holt-winters",
                        choices=["seasonal-naive", "holt-winters", "holt-winters-multiplicative",
                                 "linear-trend"])
    parser.add_argument("--days", type=float, default=7.0, help="how much of the trace to run")
    default_out = os.environ.get("AGENTSCALE_PLOT") or str(
        pathlib.Path(tempfile.gettempdir()) / "agentscale_06_schedule_and_forecast.png")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(default_out))
    args = parser.parse_args(argv)

    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + args.days * 86400)
    schedule = agentscale.load_schedule(args.schedule)
    forecast = agentscale.ForecastSpec(model=args.forecast, season=1440, lead_seconds=120)
    comparison = agentscale.compare([str(args.keda)], trace, model="agent",
                                    with_schedule=schedule, with_forecast=forecast)
    print(f"{len(trace)} minutes of {trace.name}, agent model")
    for run in comparison.runs:
        s = run.summary
        print(f"{run.label:>14}: {s.replica_hours:8.1f} replica-hours, wait p95 {s.wait_p95:6.1f} s, "
              f"p99 {s.wait_p99:6.1f} s, {s.share_over_slo:6.2%} over the SLO, "
              f"{s.scale_ups} scale-ups, {s.time_at_zero_seconds / 3600:.1f} h at zero")

    try:
        import matplotlib
    except ImportError:
        print("plot skipped: it needs matplotlib: pip install 'agentscale[plot]'")
        return 0

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4.5))
    first = comparison.runs[0].series
    hours = (first["time_seconds"] - trace.start) / 3600.0
    ax.plot(hours, first["demand"], color="tab:gray", linewidth=0.5, alpha=0.6, label="demand (trace)")
    ax.set_xlabel("hours from the trace start (1995-07-01 00:00 New York)")
    ax.set_ylabel("requests per minute")
    rep = ax.twinx()
    for run, color in zip(comparison.runs, ("tab:blue", "tab:green", "tab:orange")):
        series = run.series
        rep.step((series["time_seconds"] - trace.start) / 3600.0, series["ready_replicas"], where="post",
                 color=color, linewidth=0.8, label=f"{run.label} (ready agents)")
    rep.set_ylabel("ready agents")
    handles = ax.get_legend_handles_labels()[0] + rep.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small")
    ax.set_title("the seed's ScaledObject: reactive, with its schedule, with a forecast")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f"plot: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
