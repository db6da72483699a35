"""Fills a collector with what the dashboard benchmark reads: 20 hosts and 1,000 VMs (50 a host), shaped as
virtmon's agent sends them (resource ids, per-disk and per-vNIC resources, the metadata the views use).

    dashboard_feed.py PORT SECRET [HOURS]     (default 24; fewer for a quick check of the views)

24 hours ending now at a 5-minute tick, then the last 10 minutes at a 10-second tick (what the views' "last
five minutes" figures read), one signed batch per host and tick; VM 0 also has the 6 days before that, so its
page has a week to draw. Per tick: 15 meters a VM (2 of them its QEMU process's), 18 a host. Prints "SAMPLES SECONDS FAILURES".
"""
import hashlib, hmac, http.client, json, queue, random, sys, threading, time
from datetime import datetime, timezone

HOSTS, PER_HOST = 20, 50
SLOW, FAST = 300, 10


def vm_id(index):
    return "%08x-0000-4000-8000-%012d" % (0xdb000000 + index, index)


def metadata(**values):
    return json.dumps(values, separators=(",", ":"))


def series():
    """(meter, type, unit, resource id, project, metadata JSON, kind, owner index) for every series."""
    out = []
    for h in range(HOSTS):
        host = "compute-%02d" % h
        base = metadata(host=host)
        for meter, unit in [("hardware.cpu.util", "%"), ("hardware.system_stats.cpu.user", "%"), ("hardware.system_stats.cpu.system", "%"),
                            ("hardware.system_stats.cpu.iowait", "%"), ("hardware.system_stats.cpu.steal", "%"), ("hardware.memory.used", "KB"),
                            ("hardware.memory.total", "KB"), ("hardware.memory.cached", "KB"), ("hardware.cpu.load.1min", "process"),
                            ("hardware.cpu.load.5min", "process"), ("hardware.cpu.load.15min", "process"), ("hardware.system_stats.uptime", "s")]:
            out.append((meter, "gauge", unit, host, None, base, "host", h))
        nic = metadata(host=host, name="eth0", resource_type="host_interface")
        disk = metadata(host=host, name="sda", resource_type="host_disk")
        fs = metadata(host=host, name="/", mount_point="/", resource_type="host_filesystem")
        out += [("hardware.network.incoming.bytes.rate", "gauge", "B/s", host + "-eth0", None, nic, "host", h),
                ("hardware.network.outgoing.bytes.rate", "gauge", "B/s", host + "-eth0", None, nic, "host", h),
                ("hardware.disk.read.bytes.rate", "gauge", "B/s", host + "-sda", None, disk, "host", h),
                ("hardware.disk.write.bytes.rate", "gauge", "B/s", host + "-sda", None, disk, "host", h),
                ("hardware.disk.size.used", "gauge", "KB", host + "-/", None, fs, "host", h),
                ("hardware.disk.size.total", "gauge", "KB", host + "-/", None, fs, "host", h)]
    for v in range(HOSTS * PER_HOST):
        host = "compute-%02d" % (v % HOSTS)
        rid = vm_id(v)
        common = dict(host=host, name="vm-%04d" % v, instance_name="instance-%08x" % v, state="running",
                      vcpus=2 if v % 3 else 4, memory_mb=4096 if v % 3 else 8192)
        instance = metadata(resource_type="instance", **common)
        disk = metadata(resource_type="disk", disk_name="vda", instance_id=rid, **common)
        vnic = metadata(resource_type="vnic", vnic_name="tap%d" % v, instance_id=rid, **common)
        project = "project-%d" % (v % 10)
        for meter, unit in [("cpu_util", "%"), ("memory.usage", "MB"), ("memory.resident", "MB"), ("memory", "MB"), ("power.state", "state")]:
            out.append((meter, "gauge", unit, rid, project, instance, "vm", v))
        for meter, unit in [("disk.device.read.bytes.rate", "B/s"), ("disk.device.write.bytes.rate", "B/s"),
                            ("disk.device.read.requests.rate", "request/s"), ("disk.device.write.requests.rate", "request/s")]:
            out.append((meter, "gauge", unit, rid + "-vda", project, disk, "vm", v))
        for meter, unit in [("network.incoming.bytes.rate", "B/s"), ("network.outgoing.bytes.rate", "B/s"),
                            ("network.incoming.packets.rate", "packet/s"), ("network.outgoing.packets.rate", "packet/s")]:
            out.append((meter, "gauge", unit, rid + "-tap%d" % v, project, vnic, "vm", v))
        # The monitors' view of the VM's QEMU process, a resource of its own (UUID-vmm) with no project.
        vmm = metadata(host=host, domain=common["instance_name"], instance_id=rid, pid=10000 + v, program="qemu-system-x86_64",
                       resource_type="vmm_process")
        for meter, unit in [("vmm.memory.overhead", "KB"), ("vmm.cpu.overhead", "%")]:
            out.append((meter, "gauge", unit, rid + "-vmm", None, vmm, "vm", v))
    return out


def value(rng, meter, unit, state, allocated):
    if meter == "hardware.memory.total": return 263856284.0
    if meter == "hardware.disk.size.total": return 960000000.0
    if meter == "memory": return float(allocated)
    if meter in ("memory.usage", "memory.resident"):
        # Used in the guest wanders below what it was given; resident is that plus QEMU's own ~200 MB.
        used = state["used"] = min(allocated * 0.95, max(allocated * 0.1, state.get("used", allocated * rng.uniform(0.2, 0.7)) + rng.gauss(0, allocated / 200)))
        return round(used + (200 if meter == "memory.resident" else 0), 1)
    if meter == "power.state": return 1.0
    if meter == "hardware.system_stats.uptime": return 40 * 86400.0
    previous = state.get(meter, rng.uniform(1, 60))
    now = max(0.0, previous + rng.gauss(0, 3))
    if unit == "%": now = min(100.0, now)
    state[meter] = now
    scale = {"hardware.memory.used": 2e6, "hardware.memory.cached": 8e5, "hardware.disk.size.used": 4e6,
             "vmm.memory.overhead": 6e3, "vmm.cpu.overhead": 0.05}.get(meter, 1)
    return round(now * scale, 3)


def main(port, secret, hours=24):
    all_series = series()
    by_host = {}
    for index, s in enumerate(all_series):
        host = s[7] if s[6] == "host" else s[7] % HOSTS
        by_host.setdefault(host, []).append(index)
    prefixes = []
    for n, (meter, kind, unit, rid, project, meta, _, _) in enumerate(all_series):
        prefixes.append('{"counter_name":"%s","counter_type":"%s","counter_unit":"%s","resource_id":"%s","project_id":%s,'
                        '"user_id":null,"source":"virtmon","resource_metadata":%s,"message_id":"dash%06x-' %
                        (meter, kind, unit, rid, json.dumps(project), meta, n))
    end = int(time.time())
    slow_end = end - 600
    times = list(range(slow_end - hours * 3600, slow_end, SLOW)) + list(range(slow_end, end, FAST))
    week = list(range(slow_end - 7 * 86400, slow_end - hours * 3600, SLOW))
    vm0 = [i for i, s in enumerate(all_series) if s[6] == "vm" and s[7] == 0]
    key = secret.encode()
    rng = random.Random(20261202)
    # A VM's memory meters share one state (usage and resident move together); memory_mb caps them.
    vm_states = {}
    states = [vm_states.setdefault(s[7], {}) if s[0] in ("memory.usage", "memory.resident") and s[6] == "vm" else {} for s in all_series]
    allocated = [json.loads(s[5]).get("memory_mb", 0) for s in all_series]
    seqs = [0] * HOSTS

    def batch(host, t, indexes):
        seqs[host] += 1
        stamp = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = ['%s%08x","timestamp":"%s","counter_volume":%r}' % (prefixes[i], t, stamp, value(rng, all_series[i][0], all_series[i][2], states[i], allocated[i])) for i in indexes]
        sent = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body = ('{"version":1,"agent":"agent-compute-%02d","host":"compute-%02d","seq":%d,"sent_at":"%s","events":[],"samples":[%s]}'
                % (host, host, seqs[host], sent, ",".join(parts))).encode()
        return len(indexes), body, {"X-Virtmon-Signature": hmac.new(key, body, hashlib.sha256).hexdigest(), "Content-Type": "application/json"}

    def make():
        for t in week:
            yield batch(0, t, vm0)
        for t in times:
            for host in range(HOSTS):
                yield batch(host, t, by_host[host])

    work = queue.Queue(maxsize=16)
    sent, lock = [0, 0], threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while (item := work.get()) is not None:
            count, body, headers = item
            conn.request("POST", "/api/v1/batches", body, headers)
            response = conn.getresponse()
            text = response.read()
            with lock:
                if response.status == 200: sent[0] += count
                else:
                    sent[1] += 1
                    if sent[1] <= 3: print("refused %d: %s" % (response.status, text[:300]), file=sys.stderr)

    # One worker per host would reorder a host's batches; two workers keep order within a tick's host set
    # closely enough (every batch carries its own sequence number, and storage accepts samples in any order).
    workers = [threading.Thread(target=worker) for _ in range(2)]
    for w in workers: w.start()
    began = time.monotonic()
    for item in make(): work.put(item)
    for _ in workers: work.put(None)
    for w in workers: w.join()
    print("%d %.3f %d" % (sent[0], time.monotonic() - began, sent[1]))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 24)
