"""Polls agentscale serve the way KEDA does, over real gRPC.

Stubs are generated at run time from the service's own proto
(src/serve/proto/externalscaler.proto) with grpcio-tools, so the client and
the server share nothing but the schema. Each poll makes KEDA's calls:
GetMetricSpec (once per connection, as KEDA caches it), then GetMetrics for
the metric the spec names, then IsActive; it prints one JSON line per poll.

    python keda_poll.py --proto PROTO --port-file FILE --name agents \\
        --namespace default --fleet agents --until 9 --timeout 40

Exit status: 0 when a poll's metric value equals --until (and, with --first,
the first answered poll's value equals it), 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
from types import ModuleType


def generate_stubs(proto: str) -> tuple[ModuleType, ModuleType]:
    from grpc_tools import protoc  # type: ignore[import-untyped]

    out = tempfile.mkdtemp(prefix="agentscale-keda-stubs-")
    proto_dir = os.path.dirname(os.path.abspath(proto))
    rc = protoc.main(
        [
            "protoc",
            f"--proto_path={proto_dir}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            os.path.abspath(proto),
        ]
    )
    if rc != 0:
        raise SystemExit(f"keda_poll: protoc failed on {proto} ({rc})")
    sys.path.insert(0, out)
    return (
        importlib.import_module("externalscaler_pb2"),
        importlib.import_module("externalscaler_pb2_grpc"),
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proto", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--name", default="agents")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--fleet", default="agents")
    parser.add_argument("--until", type=int, required=True)
    parser.add_argument("--first", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    import grpc  # type: ignore[import-untyped]

    pb2, pb2_grpc = generate_stubs(args.proto)
    ref = pb2.ScaledObjectRef(
        name=args.name,
        namespace=args.namespace,
        scalerMetadata={"fleet": args.fleet, "scalerAddress": "set-by-the-test"},
    )
    deadline = time.monotonic() + args.timeout
    port = None
    stub = None
    metric = None
    first = True
    while time.monotonic() < deadline:
        try:
            with open(args.port_file) as f:
                current = int(f.read().strip())
        except (OSError, ValueError):
            time.sleep(0.2)
            continue
        if current != port:  # (re)connect, as after a restart of the scaler
            port = current
            stub = pb2_grpc.ExternalScalerStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
            metric = None
        assert stub is not None
        try:
            if metric is None:
                spec = stub.GetMetricSpec(ref, timeout=5)
                metric = spec.metricSpecs[0].metricName
                target = spec.metricSpecs[0].targetSizeFloat
            request = pb2.GetMetricsRequest(scaledObjectRef=ref, metricName=metric)
            values = stub.GetMetrics(request, timeout=5)
            active = stub.IsActive(ref, timeout=5).result
        except grpc.RpcError as e:
            print(json.dumps({"error": str(e.code()), "details": e.details()}), flush=True)
            time.sleep(0.5)
            continue
        value = values.metricValues[0].metricValueFloat
        print(
            json.dumps(
                {"port": port, "metric": metric, "target": target, "value": value, "active": active}
            ),
            flush=True,
        )
        if first and args.first is not None and value != args.first:
            print(f"keda_poll: the first answer is {value}, not {args.first}", flush=True)
            return 1
        first = False
        if value == args.until:
            return 0
        time.sleep(args.interval)
    print(f"keda_poll: no answer of {args.until} in {args.timeout} s", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
