"""The agent model's resource model from Python and the command line:
ResourceModel as a value, CPU/memory policies on the simulated fleet, the
result's utilization series, the CLI's resource flags and their errors."""

from __future__ import annotations

import json
import pathlib
import math
import pickle

import numpy as np
import pytest

import agentscale
from agentscale.cli import main


ECS_JSON = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data" / "aws" / "ecs_agents.json"


def burst(per_minute: float, busy: int, rows: int) -> agentscale.Trace:
    values = [per_minute if i < busy else 0.0 for i in range(rows)]
    return agentscale.Trace([60.0 * i for i in range(rows)], values, name="burst")


def memory_hpa(percent: int = 80) -> agentscale.AutoscalerSpec:
    spec = agentscale.preset("production")
    spec.metrics = [agentscale.MetricSpec.resource_utilization("memory", percent)]
    return spec


def test_resource_model_is_a_value() -> None:
    r = agentscale.ResourceModel(memory_model="data-set", gc_spikes="periodic", gc_interval_seconds=120)
    assert r.memory_model == agentscale.MemoryModel.DATA_SET
    assert r.gc_spikes == agentscale.GcSpikes.PERIODIC
    assert r.gc_interval_seconds == 120
    assert agentscale.ResourceModel.from_dict(r.to_dict()) == r
    assert pickle.loads(pickle.dumps(r)) == r
    o = agentscale.AgentModelOptions(resources=r)
    assert o.resources == r
    assert agentscale.AgentModelOptions.from_dict(o.to_dict()) == o
    assert agentscale.AgentModelOptions().resources is None
    with pytest.raises(ValueError, match="unknown MemoryModel"):
        agentscale.ResourceModel(memory_model="heap")


def test_samples_follow_the_running_tasks() -> None:
    spec = agentscale.AutoscalerSpec(min_replicas=1, max_replicas=1,
                                     metrics=[agentscale.MetricSpec.resource_utilization("cpu", 70)])
    r = agentscale.ResourceModel(idle_cpu_millicores=40, cpu_per_task_millicores=12,
                                 idle_memory_mib=100, memory_per_task_mib=6)
    tasks = 15
    o = agentscale.AgentModelOptions(service="fixed", service_seconds=1e6, drain_limit_seconds=0, resources=r)
    res = agentscale.run_agent_model(spec, burst(tasks, 1, 10), o)
    after = np.asarray(res.time_seconds) >= 60
    assert after.sum() > 30
    cpu = 100 * (r.idle_cpu_millicores + tasks * r.cpu_per_task_millicores) / r.cpu_request_millicores
    memory = 100 * (r.idle_memory_mib + tasks * r.memory_per_task_mib) / r.memory_request_mib
    np.testing.assert_allclose(res.cpu_utilization[after], cpu)
    np.testing.assert_allclose(res.memory_utilization[after], memory)
    # The engine saw the same utilization: its value is the average usage in cores.
    np.testing.assert_allclose(res.metric_values[0][after],
                               (r.idle_cpu_millicores + tasks * r.cpu_per_task_millicores) / 1000)
    assert "40m + 12m per running task" in res.resource_reading


def test_a_memory_hpa_scales_and_data_set_memory_never_scales_back_in() -> None:
    trace = burst(60, 30, 240)
    o = agentscale.AgentModelOptions(service="fixed", service_seconds=300,
                                     resources=agentscale.ResourceModel(memory_model="data-set"))
    data_set = agentscale.run_agent_model(memory_hpa(), trace, o)
    d = np.asarray(data_set.desired_replicas)
    assert d.max() > 2 and (np.diff(d) >= 0).all()
    tasks = agentscale.run_agent_model(agentscale.preset("production"), trace, o)
    assert max(tasks.desired_replicas) > 2 and tasks.desired_replicas[-1] == 2
    assert o.resources is not None
    o.resources = agentscale.ResourceModel(memory_model="work")
    work = agentscale.run_agent_model(memory_hpa(), trace, o)
    assert work.desired_replicas[-1] == 2


def test_a_resource_policy_without_a_model_reads_the_defaults() -> None:
    res = agentscale.run_agent_model(memory_hpa(), burst(10, 5, 10))
    assert "the model's defaults" in res.resource_reading
    d = agentscale.ResourceModel()
    assert res.memory_utilization[0] == pytest.approx(100 * d.idle_memory_mib / d.memory_request_mib)
    plain = agentscale.run_agent_model(agentscale.preset("production"), burst(10, 5, 10))
    assert len(plain.cpu_utilization) == 0 and plain.resource_reading == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cpu_per_task_millicores", -1.0, "resources.cpu_per_task_millicores must be non-negative"),
        ("memory_request_mib", math.nan, "resources.memory_request_mib must be positive"),
        ("cpu_limit_millicores", 10.0, "must be at least resources.cpu_request_millicores"),
        ("data_set_cap_mib", -3.0, "resources.data_set_cap_mib"),
    ],
)
def test_bad_resource_options_name_the_field(field: str, value: float, message: str) -> None:
    r = agentscale.ResourceModel()
    setattr(r, field, value)
    with pytest.raises(ValueError, match=message):
        agentscale.run_agent_model(agentscale.preset("production"), burst(1, 1, 2),
                                   agentscale.AgentModelOptions(resources=r))


def test_simulate_keyword_and_the_run_row() -> None:
    run = agentscale.simulate(memory_hpa(), burst(60, 30, 90), model="agent",
                              resources=agentscale.ResourceModel(gc_spikes="random"))
    row = run.row()
    assert row["cpu_utilization_mean"] is not None and row["memory_utilization_max"] is not None
    assert "cpu_utilization" in run.series and "memory_utilization" in run.series
    plain = agentscale.simulate("production", burst(60, 30, 90), model="agent")
    assert plain.row()["cpu_utilization_mean"] is None


def test_cli_resource_flags(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    path = f"{tmp_path}/burst.csv"
    burst(60, 30, 120).to_csv(path)
    code = main(["simulate", "production", "--model", "agent", "--trace", path, "--service", "fixed",
                 "--cpu-per-task", "20", "--memory-model", "data-set", "--gc-spikes", "random",
                 "--gc-spike-duration", "90s", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    d = json.loads(out)
    resources = d["options"]["resources"]
    assert resources["cpu_per_task_millicores"] == 20
    assert resources["memory_model"] == "data-set" and resources["gc_spikes"] == "random"
    assert resources["gc_spike_duration_seconds"] == 90
    assert d["row"]["cpu_utilization_mean"] is not None
    # The text output names the resource model and shows its columns.
    code = main(["simulate", "production", "--model", "agent", "--trace", path, "--resources"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "resources: requests 1000m CPU" in out and "mean CPU (% of request)" in out
    # The fluid model has no resource model.
    code = main(["simulate", "production", "--model", "fluid", "--trace", path, "--cpu-per-task", "5"])
    out, err = capsys.readouterr()
    assert code == 2 and "--cpu-per-task applies to the agent model" in err
    code = main(["simulate", "production", "--model", "agent", "--trace", path, "--memory-model", "heap"])
    out, err = capsys.readouterr()
    assert code == 2 and "invalid choice: 'heap'" in err



def test_the_ecs_cpu_and_memory_policies_read_the_simulated_fleet() -> None:
    # CPU 70, memory 80, app_active_task_count 70 and a queue_depth step
    # policy on one scalable target.
    spec = agentscale.load_aws_file(ECS_JSON)
    labels = {p.metric.label for p in spec.target_tracking}
    assert {"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"} <= labels
    run = agentscale.simulate(spec, burst(60, 60, 120), model="agent", service="fixed",
                              queue_metric="queue_depth")
    result = run.result
    assert isinstance(result, agentscale.AgentModelResult)
    assert "the model's defaults" in result.resource_reading
    values = dict(zip(result.metric_names, result.metric_values))
    # What the policy read as ECS's utilization is the fleet's, to the milli-percent.
    for name, used in (("cpu", result.cpu_utilization), ("memory", result.memory_utilization)):
        seen = ~np.isnan(values[name])
        assert seen.sum() > 100
        np.testing.assert_allclose(values[name][seen], used[seen], atol=1e-3)
    assert run.summary.scale_ups > 0
    assert max(result.desired_replicas) > spec.min_capacity
