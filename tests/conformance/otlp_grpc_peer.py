"""An OTLP/gRPC server (logs, traces, metrics) that is not ferrocol: grpcio and
the official opentelemetry-proto package (from PyPI), for tests/otlp_grpc/.

Each Export call is parsed by the official generated code, checked, and
written as one JSON line to --out: the call's number, its signal, the status
answered, the time, the metadata, and the request re-serialized by the
official code (hex), which the Rust test compares field by field with what it
sent.

  --port N              bind 127.0.0.1:N (0: any free port, written to --port-file)
  --unix PATH           listen on this unix socket instead
  --tls CERT KEY        serve TLS with this certificate and key (PEM files)
  --client-ca FILE      with --tls: require a client certificate signed by this CA
  --fail-first N        answer the first N calls UNAVAILABLE ...
  --retry-delay-ms MS   ... with a google.rpc.RetryInfo asking for this delay
  --identity-only       accept uncompressed requests only (gzip is refused)
  --partial-success N   answer OK with a partial success rejecting N items
"""

import argparse
import json
import os
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import any_pb2, duration_pb2
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(tag, payload):
    """A length-delimited protobuf field."""
    return varint(tag << 3 | 2) + varint(len(payload)) + payload


def status_details(code, message, delay_ms):
    """google.rpc.Status{code, message, details: [Any(google.rpc.RetryInfo)]}, hand-encoded:
    grpcio ships neither message type."""
    delay = duration_pb2.Duration()
    delay.FromMilliseconds(delay_ms)
    retry_info = field(1, delay.SerializeToString())
    detail = any_pb2.Any(type_url="type.googleapis.com/google.rpc.RetryInfo", value=retry_info)
    return varint(1 << 3) + varint(code) + field(2, message.encode()) + field(3, detail.SerializeToString())


def log_records(request):
    records = [r for rl in request.resource_logs for sl in rl.scope_logs for r in sl.log_records]
    # The official parser accepted the bytes; check what the spec asks of every record.
    for r in records:
        assert len(r.trace_id) in (0, 16), f"trace_id of {len(r.trace_id)} bytes"
        assert len(r.span_id) in (0, 8), f"span_id of {len(r.span_id)} bytes"
    return len(records)


def spans(request):
    found = [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
    for s in found:
        assert len(s.trace_id) == 16 and len(s.span_id) == 8, "span ids"
        assert len(s.parent_span_id) in (0, 8), "parent span id"
    return len(found)


def data_points(request):
    metrics = [m for rm in request.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    return sum(len(getattr(m, m.WhichOneof("data")).data_points) for m in metrics if m.WhichOneof("data"))


class Server:
    """Every signal's Export: record the call, answer as the arguments say."""

    def __init__(self, args, out):
        self.args = args
        self.out = out
        self.calls = 0
        self.lock = threading.Lock()

    def export(self, signal, request, context, count, response):
        with self.lock:
            self.calls += 1
            call = self.calls
        records = count(request)
        failing = call <= self.args.fail_first
        line = {
            "call": call,
            "signal": signal,
            "status": "UNAVAILABLE" if failing else "OK",
            "time": time.monotonic(),
            "records": records,
            "metadata": {k: v for k, v in context.invocation_metadata() if not k.endswith("-bin")},
            "request_hex": request.SerializeToString(deterministic=False).hex(),
        }
        with self.lock:
            self.out.write(json.dumps(line) + "\n")
            self.out.flush()
        if failing:
            message = "warming up"
            if self.args.retry_delay_ms:
                details = status_details(grpc.StatusCode.UNAVAILABLE.value[0], message, self.args.retry_delay_ms)
                context.set_trailing_metadata((("grpc-status-details-bin", details),))
            context.abort(grpc.StatusCode.UNAVAILABLE, message)
        if self.args.partial_success:
            response.partial_success.error_message = "some items were too old"
        return response


class Logs(logs_service_pb2_grpc.LogsServiceServicer):
    def __init__(self, server):
        self.server = server

    def Export(self, request, context):
        response = logs_service_pb2.ExportLogsServiceResponse()
        if self.server.args.partial_success:
            response.partial_success.rejected_log_records = self.server.args.partial_success
        return self.server.export("logs", request, context, log_records, response)


class Traces(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, server):
        self.server = server

    def Export(self, request, context):
        response = trace_service_pb2.ExportTraceServiceResponse()
        if self.server.args.partial_success:
            response.partial_success.rejected_spans = self.server.args.partial_success
        return self.server.export("traces", request, context, spans, response)


class Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
    def __init__(self, server):
        self.server = server

    def Export(self, request, context):
        response = metrics_service_pb2.ExportMetricsServiceResponse()
        if self.server.args.partial_success:
            response.partial_success.rejected_data_points = self.server.args.partial_success
        return self.server.export("metrics", request, context, data_points, response)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--unix")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--client-ca")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--retry-delay-ms", type=int, default=0)
    p.add_argument("--identity-only", action="store_true")
    p.add_argument("--partial-success", type=int, default=0)
    args = p.parse_args()
    options = [("grpc.so_reuseport", 0)]
    if args.identity_only:
        options.append(("grpc.compression_enabled_algorithms_bitset", 1))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=options)
    with open(args.out, "a", encoding="utf-8") as out:
        shared = Server(args, out)
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(Logs(shared), server)
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Traces(shared), server)
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(Metrics(shared), server)
        address = f"unix:{args.unix}" if args.unix else f"127.0.0.1:{args.port}"
        if args.tls:
            with open(args.tls[0], "rb") as c, open(args.tls[1], "rb") as k:
                pair = [(k.read(), c.read())]
            if args.client_ca:
                with open(args.client_ca, "rb") as ca:
                    creds = grpc.ssl_server_credentials(pair, root_certificates=ca.read(), require_client_auth=True)
            else:
                creds = grpc.ssl_server_credentials(pair)
            port = server.add_secure_port(address, creds)
        else:
            port = server.add_insecure_port(address)
        if port == 0 and not args.unix:
            sys.exit(f"cannot bind {address}")
        server.start()
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
        # Until the test kills us (or closes stdin).
        sys.stdin.read()
        server.stop(0)


if __name__ == "__main__":
    main()
