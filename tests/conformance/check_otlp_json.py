#!/usr/bin/env python3
"""OTLP/JSON conformance of ferrocol's otlphttp and file exporters, checked by an
independent implementation: the official `opentelemetry-proto` Python package.

A request covering every field and AnyValue type is built here with the
official message classes and posted as protobuf to a real ferrocol (otlp
receiver -> otlp_http exporter, `encoding: json`), which exports it to a small
HTTP server in this script. The JSON it sends must
  - follow the OTLP/JSON rules (lowerCamelCase keys, hex trace/span ids,
    64-bit integers as strings, enums as integers, no nulls), and
  - parse with google.protobuf.json_format, unknown fields rejected, into an
    ExportLogsServiceRequest equal to the one that was posted.

Usage: check_otlp_json.py path/to/ferrocol
"""

import base64
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource


def kv(key, value):
    return KeyValue(key=key, value=value)


def build_request():
    """Every field of resource, scope and record; every AnyValue shape."""
    nested = AnyValue(
        kvlist_value=KeyValueList(
            values=[
                kv("user", AnyValue(string_value="alice")),
                kv(
                    "ids",
                    AnyValue(
                        array_value=ArrayValue(
                            values=[
                                AnyValue(int_value=1),
                                AnyValue(int_value=-2),
                                AnyValue(string_value="three"),
                                AnyValue(array_value=ArrayValue(values=[AnyValue(bool_value=True)])),
                            ]
                        )
                    ),
                ),
                kv("deep", AnyValue(kvlist_value=KeyValueList(values=[kv("ok", AnyValue(bool_value=False))]))),
                kv("empty_map", AnyValue(kvlist_value=KeyValueList())),
                kv("empty_array", AnyValue(array_value=ArrayValue())),
                kv("empty_string", AnyValue(string_value="")),
                kv("zero", AnyValue(int_value=0)),
            ]
        )
    )
    full = LogRecord(
        time_unix_nano=1_700_000_000_123_456_789,
        observed_time_unix_nano=18_446_744_073_709_551_615,  # u64::MAX
        severity_number=17,
        severity_text="ERROR",
        body=nested,
        attributes=[
            kv("string", AnyValue(string_value='quote " backslash \\ tab \t nl \n ctl \x01 é 😀 </script>')),
            kv("int.max", AnyValue(int_value=9_223_372_036_854_775_807)),
            kv("int.min", AnyValue(int_value=-9_223_372_036_854_775_808)),
            kv("double", AnyValue(double_value=3.25)),
            kv("double.tiny", AnyValue(double_value=1e-300)),
            kv("double.big", AnyValue(double_value=1.7976931348623157e308)),
            kv("double.inf", AnyValue(double_value=math.inf)),
            kv("double.neg_inf", AnyValue(double_value=-math.inf)),
            kv("bool", AnyValue(bool_value=True)),
            kv("bytes", AnyValue(bytes_value=bytes([0, 1, 2, 0xFB, 0xFE, 0xFF]))),
            kv("unset", AnyValue()),
        ],
        dropped_attributes_count=3,
        flags=0x01,
        trace_id=bytes(range(1, 17)),
        span_id=bytes(range(0xA1, 0xA9)),
        event_name="ssh.login",
    )
    return ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=Resource(
                    attributes=[kv("service.name", AnyValue(string_value="sshd")), kv("host.name", AnyValue(string_value="bastion-1"))],
                    dropped_attributes_count=1,
                ),
                scope_logs=[
                    ScopeLogs(
                        scope=InstrumentationScope(
                            name="ferrocol/journald",
                            version="0.1.0",
                            attributes=[kv("scope.attr", AnyValue(int_value=7))],
                            dropped_attributes_count=2,
                        ),
                        log_records=[full, LogRecord(body=AnyValue(double_value=-0.5))],
                        schema_url="https://opentelemetry.io/schemas/1.26.0",
                    ),
                    ScopeLogs(log_records=[LogRecord(severity_number=9, body=AnyValue(bytes_value=b"\x00raw"))]),
                ],
                schema_url="https://opentelemetry.io/schemas/1.25.0",
            ),
            ResourceLogs(
                resource=Resource(),
                scope_logs=[ScopeLogs(log_records=[LogRecord(time_unix_nano=1, body=AnyValue(string_value="second"))])],
            ),
        ]
    )


INT64_KEYS = {"timeUnixNano", "observedTimeUnixNano", "intValue"}
CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")


def check_rules(node, path="$"):
    """The OTLP/JSON rules that the protobuf JSON parser does not enforce."""
    if node is None:
        fail(f"{path}: null")
    if isinstance(node, list):
        for i, item in enumerate(node):
            check_rules(item, f"{path}[{i}]")
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = f"{path}.{key}"
        # Attribute keys are data; every other key is a field name.
        if not (key == "key" and isinstance(value, str)) and not CAMEL.match(key):
            fail(f"{here}: field names are lowerCamelCase")
        if key in INT64_KEYS and not (isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value)):
            fail(f"{here}: 64-bit integers are decimal strings, got {value!r}")
        if key == "severityNumber" and not isinstance(value, int):
            fail(f"{here}: enums are integers, got {value!r}")
        if key in ("traceId", "spanId"):
            size = 32 if key == "traceId" else 16
            if not re.fullmatch(rf"[0-9a-f]{{{size}}}", value):
                fail(f"{here}: ids are {size} lowercase hex digits, got {value!r}")
        check_rules(value, here)


def ids_to_base64(node):
    """OTLP writes trace and span ids in hex where the protobuf JSON mapping
    expects base64 (a documented deviation): convert them for the parser."""
    if isinstance(node, list):
        for item in node:
            ids_to_base64(item)
    elif isinstance(node, dict):
        for key in ("traceId", "spanId"):
            if key in node:
                node[key] = base64.b64encode(bytes.fromhex(node[key])).decode()
        for value in node.values():
            ids_to_base64(value)


def fail(msg):
    print(f"OTLP/JSON conformance: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Sink.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            fail(f"ferrocol exited with {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    fail(f"ferrocol did not listen on {port}")


def run_ferrocol(binary, exporter_yaml, exporter_name, request):
    """Post `request` as protobuf to an otlp receiver feeding `exporter_yaml`; stop ferrocol."""
    port = free_port()
    config = f"""
receivers: {{otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{port}"}}}}}}}}
exporters:
{exporter_yaml}
service: {{pipelines: {{logs: {{receivers: [otlp], exporters: [{exporter_name}]}}}}}}
"""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(config)
    proc = subprocess.Popen([binary, "--config", f.name], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, proc)
        post = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/logs",
            data=request.SerializeToString(),
            headers={"Content-Type": "application/x-protobuf"},
        )
        # ferrocol answers once the exporter has delivered.
        with urllib.request.urlopen(post, timeout=30) as resp:
            if resp.status != 200:
                fail(f"ferrocol answered {resp.status}")
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=30) != 0:
            fail(f"ferrocol exited with {proc.returncode}: {proc.stderr.read().decode()}")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.unlink(f.name)


def export_through_ferrocol(binary, request):
    """The otlp_http exporter: return (path, headers, body) of what it posted."""
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    exporter = f"""  otlp_http:
    endpoint: http://127.0.0.1:{sink.server_address[1]}
    encoding: json
    compression: none"""
    try:
        run_ferrocol(binary, exporter, "otlp_http", request)
    finally:
        sink.shutdown()
    if len(Sink.received) != 1:
        fail(f"expected one exported request, got {len(Sink.received)}")
    return Sink.received[0]


def write_through_file_exporter(binary, request):
    """The file exporter: return the one line it wrote."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out.json")
        run_ferrocol(binary, f"  file:\n    path: {path}", "file", request)
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    if len(lines) != 2 or lines[1] != b"":
        fail(f"expected one newline-terminated line in the file, got {len(lines) - 1}")
    return lines[0]


def check_document(body, sent, what):
    """`body` follows the OTLP/JSON rules and parses into `sent`."""
    document = json.loads(body)
    check_rules(document)
    ids_to_base64(document)
    got = ExportLogsServiceRequest()
    try:
        json_format.Parse(json.dumps(document), got, ignore_unknown_fields=False)
    except json_format.ParseError as e:
        fail(f"{what}: json_format.Parse: {e}")
    if got != sent:
        fail(f"{what}: parsed request differs from the one sent:\n--- sent\n{sent}\n--- parsed\n{got}")
    return got


def main():
    if len(sys.argv) != 2:
        fail(__doc__)
    sent = build_request()
    path, headers, body = export_through_ferrocol(sys.argv[1], sent)
    headers = {k.lower(): v for k, v in headers.items()}
    if path != "/v1/logs":
        fail(f"posted to {path}")
    if headers.get("content-type") != "application/json":
        fail(f"Content-Type {headers.get('content-type')!r}")
    if not headers.get("user-agent", "").startswith("ferrocol/"):
        fail(f"User-Agent {headers.get('user-agent')!r}")

    got = check_document(body, sent, "otlp_http")
    line = write_through_file_exporter(sys.argv[1], sent)
    check_document(line, sent, "file exporter")
    print(f"file exporter: OK ({len(line)} bytes on one line) parsed into the request that was sent")

    # Spot checks that say what was compared, for the log.
    record = got.resource_logs[0].scope_logs[0].log_records[0]
    attrs = {a.key: a.value for a in record.attributes}
    assert record.trace_id == bytes(range(1, 17)) and record.span_id == bytes(range(0xA1, 0xA9))
    assert attrs["int.min"].int_value == -9_223_372_036_854_775_808
    assert attrs["bytes"].bytes_value == bytes([0, 1, 2, 0xFB, 0xFE, 0xFF])
    assert math.isinf(attrs["double.neg_inf"].double_value) and attrs["double.neg_inf"].double_value < 0
    assert record.body.kvlist_value.values[1].value.array_value.values[3].array_value.values[0].bool_value
    assert record.observed_time_unix_nano == 18_446_744_073_709_551_615
    records = sum(len(s.log_records) for r in got.resource_logs for s in r.scope_logs)
    print(
        f"OTLP/JSON conformance: OK ({len(body)} bytes, {records} records, every AnyValue type) "
        f"parsed by opentelemetry-proto with unknown fields rejected, equal to what was sent"
    )


if __name__ == "__main__":
    main()
