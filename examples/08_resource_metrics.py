"""The seed's argument against CPU and memory scaling, in numbers.

    python examples/08_resource_metrics.py [--hpa examples/hpa.yaml] [--days 2]

The seed scales its agents on app_active_task_count because "CPU spikes don't
always indicate high workload (could be garbage collection)" and "memory
usage varies significantly based on data set sizes, not necessarily
workload". This runs the agent model on the embedded NASA trace with a
resource model in which both are true: each agent's memory holds a data set
that grows with the tasks it has finished (released only when the agent
goes), and each agent has random garbage-collection CPU spikes. Three
policies read the same simulated fleet:

  tasks      the seed's HPA (app_active_task_count 70, requests 50)
  memory80   the seed's multi-metric example's resource target alone:
             memory averageUtilization 80, with the production behavior
  ecs-cpu70  the seed's ECS CPU policy: ECSServiceAverageCPUUtilization 70,
             scale-out cooldown 60 s, scale-in cooldown 300 s, 2..10 tasks
  ecs-no-gc  the same policy on the same fleet without the GC spikes

The table gives cost, waits, churn, the fleet's CPU and memory in percent of
the request, and the agents still running at the end of the trace, after
hours of quiet. The resource model's numbers are the defaults of
agentscale.ResourceModel (ours; the seed gives only the targets), with GC
spikes of 1500 m for 90 s.
"""

from __future__ import annotations

import argparse
import pathlib

import agentscale

HERE = pathlib.Path(__file__).resolve().parent

# The seed's CPU policy (its Terraform's values) as the AWS API's request bodies.
ECS_CPU70 = """{
  "RegisterScalableTarget": {"ServiceNamespace": "ecs", "ResourceId": "service/agents/agent-worker",
    "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 10},
  "PutScalingPolicy": {"PolicyName": "matillion-agent-cpu-scaling", "ServiceNamespace": "ecs",
    "ResourceId": "service/agents/agent-worker", "ScalableDimension": "ecs:service:DesiredCount",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0,
      "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
      "ScaleInCooldown": 300, "ScaleOutCooldown": 60}}
}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hpa", type=pathlib.Path, default=HERE / "hpa.yaml")
    parser.add_argument("--days", type=float, default=2.0, help="how much of the trace to run (default 2 days)")
    args = parser.parse_args(argv)

    memory80 = agentscale.preset("production")
    memory80.name = "memory80"
    memory80.metrics = [agentscale.MetricSpec.resource_utilization("memory", 80)]
    ecs = agentscale.load_aws_string(ECS_CPU70, "ecs_cpu70.json")

    resources = agentscale.ResourceModel(memory_model="data-set", gc_spikes="random",
                                         gc_spike_millicores=1500, gc_spike_duration_seconds=90)
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + args.days * 86400)
    comparison = agentscale.compare(
        [("tasks", str(args.hpa)), ("memory80", memory80), ("ecs-cpu70", ecs)],
        trace, model="agent", resources=resources)

    calm = agentscale.ResourceModel(memory_model="data-set", gc_spikes="none")
    runs = [*comparison.runs,
            agentscale.simulate(ecs, trace, model="agent", label="ecs-no-gc", resources=calm)]

    first = comparison.runs[0].result
    assert isinstance(first, agentscale.AgentModelResult)
    print(f"{len(trace)} minutes of {trace.name}, agent model")
    print(first.resource_reading)
    print(f"{'':>9}  {'replica-hours':>13}  {'wait p99 (s)':>12}  {'ups':>4}  {'downs':>5}  "
          f"{'CPU % mean/peak':>15}  {'memory % mean/peak':>18}  {'agents at end':>13}")
    for run in runs:
        r = run.result
        assert isinstance(r, agentscale.AgentModelResult)
        s = run.summary
        print(f"{run.label:>9}: {s.replica_hours:13.1f}  {s.wait_p99:12.1f}  {s.scale_ups:4d}  "
              f"{s.scale_downs:5d}  {r.cpu_utilization_mean:7.1f}/{r.cpu_utilization_max:<7.1f}  "
              f"{r.memory_utilization_mean:9.1f}/{r.memory_utilization_max:<8.1f}  "
              f"{int(r.desired_replicas[-1]):13d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
