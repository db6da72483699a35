"""The stream scripts/bench-storage.sh feeds to virtmon and to Prometheus: the same samples, in time order.

    bench_feed.py virtmon PORT SECRET HOURS     # signed JSON batches to POST /api/v1/batches
    bench_feed.py prometheus PORT HOURS         # remote-write requests (protobuf + snappy) to /api/v1/write
                                                # (with BENCH_TOKEN set: sent as a bearer token, for virtmon)

200 VMs x 20 meters every 10 s over HOURS hours ending now (9 cumulative counters, 7 gauges that wander, 4
constants), one batch/request per 10 s tick, plus one series ("bench.long") every 60 s over the 30 days before
that. Both senders draw values from the same seeded generator, so they send identical numbers. Prints
"SAMPLES SECONDS FAILURES". Needs python3-snappy for Prometheus.
"""
import hashlib, hmac, http.client, os, queue, random, struct, sys, threading, time
from datetime import datetime, timezone

TICK = 10
VMS = 200
COUNTERS = ["cpu", "disk.read.bytes", "disk.write.bytes", "disk.read.requests", "disk.write.requests",
            "network.incoming.bytes", "network.outgoing.bytes", "network.incoming.packets", "network.outgoing.packets"]
GAUGES = ["cpu_util", "memory.usage", "memory.resident", "disk.read.bytes.rate", "disk.write.bytes.rate",
          "network.incoming.bytes.rate", "network.outgoing.bytes.rate"]
CONSTANTS = ["vcpus", "memory", "disk.device.capacity", "power.state"]
UNITS = {"cpu": "ns", "cpu_util": "%", "memory.usage": "MB", "memory.resident": "MB", "vcpus": "vcpu", "memory": "MB",
         "disk.device.capacity": "B", "power.state": "state"}
METERS = COUNTERS + GAUGES + CONSTANTS


def unit(meter):
    if meter in UNITS: return UNITS[meter]
    if meter.endswith(".rate"): return "B/s"
    if meter.endswith("requests"): return "request"
    if meter.endswith("packets"): return "packet"
    return "B"


class VM:
    def __init__(self, index, rng):
        self.name = "vm-%03d" % index
        self.id = "6f1c%04d-1d2e-4c5b-9a8f-%012d" % (index, index)
        self.project = "project-%d" % (index % 12)
        self.user = "user-%d" % (index % 30)
        self.host = "compute-%02d" % (index % 10)
        self.vcpus = 2 if index % 3 else 4
        self.memory = 2048 * self.vcpus
        self.flavor = "m1.medium" if self.vcpus == 2 else "m1.large"
        self.util = rng.uniform(1, 60)
        self.mem = self.memory * rng.uniform(0.2, 0.7)
        self.counters = dict.fromkeys(COUNTERS, 0)
        self.counters["cpu"] = rng.randrange(10**12)

    def step(self, rng):
        """Values of the 20 meters for the next tick, in METERS order."""
        self.util = min(100.0, max(0.0, self.util + rng.gauss(0, 3)))
        cpu = int(self.util / 100 * self.vcpus * TICK * 1e9 * rng.uniform(0.98, 1.02))
        self.counters["cpu"] += cpu
        read = 512 * int(rng.expovariate(1 / 200)) if rng.random() < 0.3 else 0
        write = 512 * int(rng.expovariate(1 / 400)) if rng.random() < 0.6 else 0
        rx = int(rng.expovariate(1 / 20000)) + 60
        tx = int(rng.expovariate(1 / 8000)) + 60
        deltas = {"cpu": 0, "disk.read.bytes": read, "disk.write.bytes": write, "disk.read.requests": (read + 4095) // 4096,
                  "disk.write.requests": (write + 4095) // 4096, "network.incoming.bytes": rx, "network.outgoing.bytes": tx,
                  "network.incoming.packets": rx // 700 + 1, "network.outgoing.packets": tx // 500 + 1}
        for meter, delta in deltas.items():
            self.counters[meter] += delta
        self.mem = min(self.memory, max(64.0, self.mem + rng.gauss(0, 4)))
        values = [float(self.counters[m]) for m in COUNTERS]
        values += [cpu / (TICK * 1e9 * self.vcpus) * 100, round(self.mem * 1024) / 1024, round((self.mem + 180) * 1024) / 1024,
                   read / TICK, write / TICK, rx / TICK, tx / TICK]
        values += [float(self.vcpus), float(self.memory), 21474836480.0, 1.0]
        return values


def ticks(hours):
    """(time in seconds, [(series index, value)]) in time order; series VMS*20 is bench.long."""
    rng = random.Random(20261121)
    end = int(time.time()) // 60 * 60
    start = end - hours * 3600
    vms = [VM(i, rng) for i in range(VMS)]
    long_value = 500.0
    batch = []
    for t in range(end - 30 * 86400, start, 60):
        long_value = max(0.0, long_value + rng.gauss(0, 5))
        batch.append((t, VMS * 20, round(long_value, 2)))
        if len(batch) == 1440:
            yield batch
            batch = []
    if batch: yield batch
    for t in range(start, end, TICK):
        batch = []
        for v, vm in enumerate(vms):
            for m, value in enumerate(vm.step(rng)):
                batch.append((t, v * 20 + m, value))
        if t % 60 == 0:
            long_value = max(0.0, long_value + rng.gauss(0, 5))
            batch.append((t, VMS * 20, round(long_value, 2)))
        yield batch


def describe():
    """Per series: (meter, unit, resource id, project, user, host, flavor, display name)."""
    rng = random.Random(20261121)
    vms = [VM(i, rng) for i in range(VMS)]
    series = []
    for vm in vms:
        for meter in METERS:
            series.append((meter, unit(meter), vm.id, vm.project, vm.user, vm.host, vm.flavor, vm.name, vm.vcpus, vm.memory))
    series.append(("bench.long", "MB", "long-series", "project-0", "user-0", "compute-00", "m1.medium", "long", 2, 4096))
    return series


def send_all(port, path, make, headers, threads=2):
    work = queue.Queue(maxsize=8)
    sent = [0, 0]
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            item = work.get()
            if item is None: return
            count, body, extra = item
            conn.request("POST", path, body, dict(headers, **extra))
            response = conn.getresponse()
            response.read()
            with lock:
                if 200 <= response.status < 300: sent[0] += count
                else:
                    sent[1] += 1
                    if sent[1] <= 3: print("refused %d: %s" % (response.status, response.reason), file=sys.stderr)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers: w.start()
    began = time.monotonic()
    for item in make():
        work.put(item)
    for _ in workers: work.put(None)
    for w in workers: w.join()
    print("%d %.3f %d" % (sent[0], time.monotonic() - began, sent[1]))


def virtmon(port, secret, hours):
    import json
    prefixes = []
    for n, (meter, unit_, rid, project, user, host, flavor, name, vcpus, memory) in enumerate(describe()):
        metadata = json.dumps({"display_name": name, "host": host, "instance_type": flavor, "state": "running",
                               "flavor": {"name": flavor, "vcpus": vcpus, "ram": memory}, "image_ref": "debian-12"},
                              separators=(",", ":"))
        prefixes.append('{"counter_name":"%s","counter_type":"%s","counter_unit":"%s","resource_id":"%s","project_id":"%s",'
                        '"user_id":"%s","source":"openstack","resource_metadata":%s,"message_id":"b7e2%04x-' %
                        (meter, "cumulative" if meter in COUNTERS else "gauge", unit_, rid, project, user, metadata, n))
    key = secret.encode()

    def make():
        seq = 0
        for batch in ticks(hours):
            seq += 1
            parts = []
            stamp_of = {}
            for index, (t, s, v) in enumerate(batch):
                stamp = stamp_of.get(t)
                if stamp is None:
                    stamp = stamp_of[t] = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                parts.append('%s%08x%06x","timestamp":"%s","counter_volume":%r}' % (prefixes[s], seq, index, stamp, v))
            sent = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            body = ('{"version":1,"agent":"bench-agent","host":"bench","seq":%d,"sent_at":"%s","events":[],"samples":[%s]}'
                    % (seq, sent, ",".join(parts))).encode()
            yield len(batch), body, {"X-Virtmon-Signature": hmac.new(key, body, hashlib.sha256).hexdigest()}

    send_all(port, "/api/v1/batches", make, {"Content-Type": "application/json"})


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def prometheus(port, hours):
    import snappy
    labels = []
    for meter, unit_, rid, project, user, host, flavor, name, vcpus, memory in describe():
        pairs = sorted({"__name__": meter.replace(".", "_"), "resource_id": rid, "project_id": project, "user_id": user,
                        "instance": host, "flavor": flavor, "display_name": name, "unit": unit_}.items())
        labels.append(b"".join(field(1, field(1, k.encode()) + field(2, v.encode())) for k, v in pairs))

    def make():
        for batch in ticks(hours):
            out = []
            for t, s, v in batch:
                sample = b"\x09" + struct.pack("<d", v) + b"\x10" + varint(t * 1000)
                out.append(field(1, labels[s] + field(2, sample)))
            yield len(batch), snappy.compress(b"".join(out)), {}

    # One connection: Prometheus refuses a series' samples that arrive out of order.
    headers = {"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0"}
    if os.environ.get("BENCH_TOKEN"): headers["Authorization"] = "Bearer " + os.environ["BENCH_TOKEN"]
    send_all(port, "/api/v1/write", make, headers, threads=1)


if __name__ == "__main__":
    if sys.argv[1] == "virtmon":
        virtmon(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    else:
        prometheus(int(sys.argv[2]), int(sys.argv[3]))
