"""Kafka interop with peers ferrocol did not write: kcat moves the messages,
the official opentelemetry-proto package (PyPI) decodes and encodes them.

  kafka_peer.py decode <signal> <file>   file: kcat's '%R%s' output (4-byte
      big-endian length, payload); prints the item ids (timestamps) as JSON
  kafka_peer.py encode <signal> <dir> <first> <n>   writes one message file
      per item into dir (an Export*ServiceRequest of one item each)
"""
import json
import os
import struct
import sys

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

REQUESTS = {"logs": ExportLogsServiceRequest, "metrics": ExportMetricsServiceRequest, "traces": ExportTraceServiceRequest}


def ids(signal, req):
    if signal == "logs":
        return [r.time_unix_nano for rl in req.resource_logs for sl in rl.scope_logs for r in sl.log_records]
    if signal == "traces":
        return [s.start_time_unix_nano for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]
    return [p.time_unix_nano for rm in req.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
            for p in m.gauge.data_points]


def decode(signal, path):
    data = open(path, "rb").read()
    out, at = [], 0
    while at < len(data):
        (n,) = struct.unpack(">i", data[at:at + 4])
        at += 4
        req = REQUESTS[signal]()
        req.ParseFromString(data[at:at + n])
        at += n
        out.extend(ids(signal, req))
    print(json.dumps(out))


def encode(signal, directory, first, n):
    for i in range(first, first + n):
        req = REQUESTS[signal]()
        if signal == "logs":
            r = req.resource_logs.add().scope_logs.add().log_records.add()
            r.time_unix_nano = i
            r.body.string_value = "rec-%d" % i
        elif signal == "traces":
            s = req.resource_spans.add().scope_spans.add().spans.add()
            s.start_time_unix_nano = i
            s.trace_id = i.to_bytes(16, "big")
            s.span_id = i.to_bytes(8, "big")
            s.name = "ssh.session"
        else:
            m = req.resource_metrics.add().scope_metrics.add().metrics.add()
            m.name = "ssh.logins"
            p = m.gauge.data_points.add()
            p.time_unix_nano = i
            p.as_int = i
        with open(os.path.join(directory, "%06d.bin" % i), "wb") as f:
            f.write(req.SerializeToString())


if __name__ == "__main__":
    if sys.argv[1] == "decode":
        decode(sys.argv[2], sys.argv[3])
    else:
        encode(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
