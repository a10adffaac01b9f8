"""Emit logs, spans and metrics with the OpenTelemetry Python SDK (from PyPI)
through its own OTLP exporters, over gRPC or HTTP, to ferrocol's otlp receiver;
for tests/otel_sdk/.

Each exporter is the SDK's, subclassed only to record what it sends: every
export call writes one JSON line to --out with the signal, the request as the
SDK's own encoder makes it (protobuf, hex) and the export's result. The Rust
test compares, field by field, what ferrocol exported with these requests.

  --protocol grpc|http   which SDK exporters to use
  --endpoint URL         gRPC: http(s)://host:port; HTTP: the base URL (/v1/<signal> is added)
  --ca FILE              TLS: the CA that verifies ferrocol's certificate
  --client-cert CERT KEY mutual TLS: the client's certificate and key
  --tag TEXT             put in names and bodies, to tell runs apart
"""

import argparse
import json
import logging
import sys

from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link, SpanKind, Status, StatusCode


def recording(base, signal, encode, out):
    """The SDK's exporter class `base`, recording each request it sends."""

    class Recording(base):
        def export(self, batch, *args, **kwargs):
            request = encode(batch).SerializeToString()
            result = super().export(batch, *args, **kwargs)
            name = getattr(result, "name", str(result))
            out.write(json.dumps({"signal": signal, "request_hex": request.hex(), "result": name}) + "\n")
            out.flush()
            return result

    return Recording


def exporters(args, out):
    if args.protocol == "grpc":
        import grpc
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        kw = {"endpoint": args.endpoint, "insecure": args.ca is None}
        if args.ca:
            with open(args.ca, "rb") as f:
                ca = f.read()
            key = cert = None
            if args.client_cert:
                with open(args.client_cert[0], "rb") as c, open(args.client_cert[1], "rb") as k:
                    cert, key = c.read(), k.read()
            kw["credentials"] = grpc.ssl_channel_credentials(ca, key, cert)
        per_signal = lambda _: dict(kw)
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        def per_signal(signal):
            kw = {"endpoint": f"{args.endpoint.rstrip('/')}/v1/{signal}"}
            if args.ca:
                kw["certificate_file"] = args.ca
            if args.client_cert:
                kw["client_certificate_file"], kw["client_key_file"] = args.client_cert
            return kw

    spans = recording(OTLPSpanExporter, "traces", encode_spans, out)(**per_signal("traces"))
    metrics = recording(OTLPMetricExporter, "metrics", encode_metrics, out)(**per_signal("metrics"))
    logs = recording(OTLPLogExporter, "logs", encode_logs, out)(**per_signal("logs"))
    return spans, metrics, logs


def emit_spans(provider, tag):
    tracer = provider.get_tracer("ferrocol.sdk-test", "1.2.3", schema_url="https://opentelemetry.io/schemas/1.21.0")
    with tracer.start_as_current_span(f"{tag}-parent", kind=SpanKind.SERVER, attributes={"http.method": "GET"}) as p:
        p.add_event("cache miss", {"key": "user:42", "size": 3})
        for i in range(3):
            with tracer.start_as_current_span(f"{tag}-child-{i}", kind=SpanKind.CLIENT) as c:
                c.set_attribute("i", i)
                c.set_attribute("ratio", i / 4)
                c.set_attribute("ok", i % 2 == 0)
                c.set_attribute("tags", ["a", "b"])
        p.set_status(Status(StatusCode.ERROR, "upstream failed"))
    linked = p.get_span_context()
    with tracer.start_as_current_span(f"{tag}-linked", kind=SpanKind.CONSUMER, links=[Link(linked, {"why": "retry"})]):
        pass


def emit_metrics(provider, tag):
    meter = provider.get_meter("ferrocol.sdk-test.meter", "0.9")
    counter = meter.create_counter(f"{tag}.requests", unit="1", description="Requests served")
    for code in ("200", "200", "500"):
        counter.add(1, {"code": code})
    meter.create_up_down_counter(f"{tag}.queue").add(-4, {"q": "main"})
    histogram = meter.create_histogram(f"{tag}.latency", unit="ms")
    for v in (0.5, 7.0, 250.0):
        histogram.record(v, {"route": "/login"})
    meter.create_observable_gauge(f"{tag}.temperature", callbacks=[lambda _: [_observation(21.5)]])


def _observation(value):
    from opentelemetry.metrics import Observation

    return Observation(value, {"room": "lab"})


def emit_logs(provider, tag):
    handler = LoggingHandler(level=logging.NOTSET, logger_provider=provider)
    log = logging.getLogger(f"ferrocol.sdk-test.{tag}")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    log.info("Accepted publickey for %s", "alice", extra={"user": "alice", "port": 22})
    log.warning("%s: %d failed attempts", tag, 3, extra={"ratio": 0.75, "ok": False})
    log.error("plain error body")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--protocol", choices=["grpc", "http"], required=True)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--ca")
    p.add_argument("--client-cert", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--tag", default="sdk")
    args = p.parse_args()
    resource = Resource.create({"service.name": f"sdk-{args.tag}", "host.name": "ci", "deployment.count": 3})
    with open(args.out, "a", encoding="utf-8") as out:
        spans, metrics, logs = exporters(args, out)
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(spans))
        reader = PeriodicExportingMetricReader(metrics, export_interval_millis=3_600_000)
        meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(BatchLogRecordProcessor(logs))
        emit_spans(tracer_provider, args.tag)
        emit_metrics(meter_provider, args.tag)
        emit_logs(logger_provider, args.tag)
        # Shutting down flushes every provider: one export call per signal.
        tracer_provider.shutdown()
        meter_provider.shutdown()
        logger_provider.shutdown()
    with open(args.out, encoding="utf-8") as f:
        results = [json.loads(line)["result"] for line in f]
    if not results or any(r != "SUCCESS" for r in results):
        sys.exit(f"exports did not all succeed: {results}")


if __name__ == "__main__":
    main()
