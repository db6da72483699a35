"""Publishes what Ceilometer publishes, with oslo.messaging's own Notifier (PyPI), and Ceilometer's UDP
publisher's msgpack datagrams, for the collector's Ceilometer compatibility test.

    python ceilometer_publish.py --transport-url rabbit://guest:guest@127.0.0.1:PORT/ --udp 127.0.0.1:PORT \
        --secret SECRET --host NAME

Prints one JSON object: every sample sent, each with whether its signature is valid, and how it travelled.
The signature is Ceilometer's algorithm (recursive_keypairs + HMAC-SHA256); before sending anything this
script checks it reproduces the vector Ceilometer 9.0.7 computes (REFERENCE §9).
"""
import argparse
import datetime
import hashlib
import hmac
import json
import socket
import sys
import uuid

import msgpack
import oslo_messaging
from oslo_config import cfg


def keypairs(d, separator=":"):
    for name, value in sorted(d.items()):
        if isinstance(value, dict):
            for subname, subvalue in keypairs(value, separator):
                yield "%s%s%s" % (name, separator, subname), subvalue
        elif isinstance(value, (tuple, list)):
            yield name, as_bytes(value)
        else:
            yield name, value


def as_bytes(value):
    if isinstance(value, dict):
        return {as_bytes(k): as_bytes(v) for k, v in sorted(value.items())}
    if isinstance(value, (tuple, list)):
        return [as_bytes(v) for v in value]
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


def signature(message, secret):
    digest = hmac.new(secret.encode("utf-8"), b"", hashlib.sha256)
    for name, value in keypairs(message):
        if name == "message_signature":
            continue
        digest.update(str(name).encode("utf-8"))
        digest.update(str(value).encode("utf-8"))
    return digest.hexdigest()


VECTOR = {"source": "openstack", "counter_name": "cpu_util", "counter_type": "gauge", "counter_unit": "%",
          "counter_volume": 12.5, "user_id": "u1", "project_id": "p1", "resource_id": "r1",
          "timestamp": "2017-08-30T12:34:56.789012",
          "resource_metadata": {"host": "h1", "flavor": {"name": "m1.small", "vcpus": 1}, "tags": ["a", "b"]},
          "message_id": "6f1e3c2a-8d3b-11e7-9a7e-0242ac110002", "monotonic_time": None}
assert signature(VECTOR, "secret") == "2819ff3f6e5a8cc1e86b3e3e2432ece007391053c2ced69f23823d75d755b25b", "signature port is wrong"


def sample(name, kind, unit, volume, resource, project, host, zone, secret, forged=False):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    stamp = now.isoformat() + ("+00:00" if zone else "")
    s = {"source": "openstack", "counter_name": name, "counter_type": kind, "counter_unit": unit,
         "counter_volume": volume, "user_id": "user-1", "project_id": project, "resource_id": resource,
         "timestamp": stamp, "resource_metadata": {"host": host, "flavor": {"name": "m1.tiny", "vcpus": 1},
                                                   "tags": ["a", "b"]},
         "message_id": str(uuid.uuid1()), "monotonic_time": None}
    s["message_signature"] = signature(s, "wrong" if forged else secret)
    return s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport-url", required=True)
    parser.add_argument("--udp", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--host", default="compute-1")
    args = parser.parse_args()
    sent = []

    def record(s, via, valid=True):
        sent.append({"message_id": s["message_id"], "counter_name": s["counter_name"], "counter_type": s["counter_type"],
                     "counter_unit": s["counter_unit"], "counter_volume": s["counter_volume"], "resource_id": s["resource_id"],
                     "project_id": s["project_id"], "timestamp": s["timestamp"], "via": via, "valid": valid})

    conf = cfg.ConfigOpts()
    conf([], project="virtmon-fixture")
    oslo_messaging.set_transport_defaults("ceilometer")
    transport = oslo_messaging.get_notification_transport(conf, url=args.transport_url)
    # (a) A polling agent: notifications.sample, event telemetry.polling, payload {"samples": [...]}.
    polling = oslo_messaging.Notifier(transport, driver="messagingv2", publisher_id="ceilometer.polling",
                                      topics=["notifications"])
    batch = [sample("cpu", "cumulative", "ns", 1200000000 + i, "vm-%d" % i, "project-a", args.host, False, args.secret)
             for i in range(3)]
    batch.append(sample("memory.usage", "gauge", "MB", 512.5, "vm-0", "project-a", args.host, False, args.secret))
    polling.sample({}, "telemetry.polling", {"samples": batch})
    for s in batch:
        record(s, "notifications.sample")
    # (b) The notifier:// publisher: metering.sample, event metering, a list payload; with per_meter_topic it
    # sends the same samples again as metering.<name>.
    publisher = oslo_messaging.Notifier(transport, driver="messagingv2", publisher_id="telemetry.publisher." + args.host,
                                        topics=["metering"])
    listed = [sample("disk.device.read.bytes", "cumulative", "B", 4096 * (i + 1), "vm-%d-vda" % i, "project-b",
                     args.host, True, args.secret) for i in range(2)]
    publisher.sample({}, "metering", listed)
    publisher.sample({}, "metering.disk.device.read.bytes", listed)
    for s in listed:
        record(s, "metering.sample")
    # The older bare driver (no oslo envelope).
    bare = oslo_messaging.Notifier(transport, driver="messaging", publisher_id="telemetry.publisher." + args.host,
                                   topics=["metering"])
    plain = sample("network.incoming.bytes", "cumulative", "B", 777, "vm-0-tap0", "project-b", args.host, True, args.secret)
    bare.sample({}, "metering", [plain])
    record(plain, "metering.sample (bare)")
    # Forged: a sample signed with another secret among good ones, and a message of forged samples only.
    forged = sample("cpu", "cumulative", "ns", 1, "vm-forged", "project-a", args.host, False, args.secret, forged=True)
    good = sample("vcpus", "gauge", "vcpu", 2, "vm-0", "project-a", args.host, False, args.secret)
    polling.sample({}, "telemetry.polling", {"samples": [forged, good]})
    record(forged, "notifications.sample", valid=False)
    record(good, "notifications.sample")
    publisher.sample({}, "metering", [sample("cpu", "cumulative", "ns", 2, "vm-forged-2", "project-b", args.host, True,
                                             args.secret, forged=True)])
    sent.append({"resource_id": "vm-forged-2", "valid": False, "via": "metering.sample"})
    transport.cleanup()
    # Ceilometer's UDP publisher: one msgpack sample per datagram, new (str) and old (raw) string types.
    host, port = args.udp.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, raw in enumerate([False, True]):
        s = sample("hardware.cpu.util", "gauge", "%", 12.5 + i, "udp-host-%d" % i, "project-c", args.host, False, args.secret)
        sock.sendto(msgpack.packb(s, use_bin_type=not raw), (host, int(port)))
        record(s, "udp" + (" (raw strings)" if raw else ""))
    s = sample("hardware.cpu.util", "gauge", "%", 99, "udp-forged", "project-c", args.host, False, args.secret, forged=True)
    sock.sendto(msgpack.packb(s), (host, int(port)))
    record(s, "udp", valid=False)
    json.dump({"sent": sent}, sys.stdout)


if __name__ == "__main__":
    main()
