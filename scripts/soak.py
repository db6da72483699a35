"""The soak load (run by scripts/soak.sh, not alone): simulated agents offering signed batches over HTTP and UDP
to one collector at a fixed interval, a query client asking statistics back to back with pauses, and a sampler
of the collector's RSS, CPU and /metrics. At the end it waits for the collector to drain, counts what it stored
per meter through the API, and prints the report (offered, acknowledged, stored, RSS curve, p99s).

An HTTP agent behaves as virtmon's spooling agent does: a batch that is not answered 200 is sent again, same
sequence number, until it is; so every offered HTTP sample must end up stored exactly once. UDP is best effort:
its stored share is reported, not required."""
import argparse, hashlib, hmac, http.client, json, os, socket, sys, threading, time
from datetime import datetime, timezone

from collector_load import pct

METERS = 10  # each agent's series are METERS meters x (series / METERS) resources


def ts(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Totals:
    """What every agent thread adds to, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.offered = {"http": 0, "udp": 0}
        self.acked = 0
        self.retries = 0
        self.refusals = {}
        self.latencies = {}  # minute -> [ms]
        self.late_cycles = 0

    def ack(self, minute, count, ms):
        with self.lock:
            self.acked += count
            self.latencies.setdefault(minute, []).append(ms)

    def refused(self, why):
        with self.lock:
            self.retries += 1
            self.refusals[why] = self.refusals.get(why, 0) + 1


class Agent(threading.Thread):
    """One simulated host: `series` series every `interval` seconds, cut into batches of `batch` samples."""

    def __init__(self, index, transport, args, totals, stop, began):
        super().__init__(daemon=True)
        self.index, self.transport, self.args, self.totals, self.stop, self.began = index, transport, args, totals, stop, began
        self.name_ = "soak-%s-%03d" % (transport, index)
        self.secret = args.secret.encode()
        self.seq = 0
        per_meter = max(1, args.series // METERS)
        # The constant part of each sample, rendered once: a real agent's series are the same every cycle.
        self.templates = [
            ('{"counter_name":"soak.%s.m%d","counter_type":"gauge","counter_unit":"B","counter_volume":' % (transport, m),
             ',"resource_id":"%s-r%04d","timestamp":"' % (self.name_, r),
             '","resource_metadata":{},"source":"virtmon","message_id":"%s-%d-%d-' % (self.name_, m, r))
            for m in range(METERS) for r in range(per_meter)]

    def batches(self, moment):
        stamp = ts(moment)
        cycle = int(moment)
        step = self.args.batch if self.transport == "http" else self.args.udp_batch
        for first in range(0, len(self.templates), step):
            self.seq += 1
            samples = ",".join("%s%d%s%s%s%d\"}" % (head, (cycle + i) % 1000, middle, stamp, tail, cycle)
                               for i, (head, middle, tail) in enumerate(self.templates[first:first + step], first))
            body = ('{"version":1,"agent":"%s","host":"%s","seq":%d,"sent_at":"%s","events":[],"samples":[%s]}'
                    % (self.name_, self.name_, self.seq, ts(time.time()), samples)).encode()
            yield body, min(step, len(self.templates) - first)

    def run(self):
        interval = self.args.interval
        # Agents start spread over one interval, as hosts started at different times are.
        next_cycle = self.began + interval * self.index / max(1, self.args.agents)
        if self.transport == "http":
            self.conn = None
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        while not self.stop.is_set():
            delay = next_cycle - time.time()
            if delay > 0 and self.stop.wait(delay):
                break
            moment = next_cycle
            for body, count in self.batches(moment):
                with self.totals.lock:
                    self.totals.offered[self.transport] += count
                if self.transport == "http":
                    self.post(body, count)
                else:
                    signature = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
                    try:
                        self.sock.sendto(b"virtmon/1 " + signature.encode() + b"\n" + body, ("127.0.0.1", self.args.udp_port))
                    except OSError:
                        pass
            next_cycle += interval
            if time.time() > next_cycle:
                with self.totals.lock:
                    self.totals.late_cycles += 1
                next_cycle = time.time()

    def post(self, body, count):
        signature = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        backoff = 0.2
        while True:
            began = time.monotonic()
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
                self.conn.request("POST", "/api/v1/batches", body,
                                  {"X-Virtmon-Signature": signature, "Content-Type": "application/json"})
                answer = self.conn.getresponse(); text = answer.read()
                if answer.status == 200:
                    self.totals.ack(int((time.time() - self.began) // 60), count, (time.monotonic() - began) * 1000)
                    return
                why = "HTTP %d %s" % (answer.status, text[:120].decode(errors="replace"))
            except Exception as error:  # the connection is gone or timed out: reconnect, send again
                why = type(error).__name__
                self.conn = None
            self.totals.refused(why)
            # Once the run is over a batch still unanswered is kept trying for the drain period only.
            if self.stop.is_set() and time.time() > self.args.deadline:
                return
            time.sleep(backoff)
            backoff = min(5, backoff * 2)


def get(port, path, token, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path, headers={"X-Auth-Token": token})
    answer = conn.getresponse(); body = answer.read()
    return answer.status, body


def scrape(port, token):
    status, body = get(port, "/metrics", token, timeout=10)
    values = {}
    for line in body.decode().splitlines():
        if line.startswith("virtmon_collector_") and " " in line:
            name, _, value = line.rpartition(" ")
            key = name.split("{")[0]
            try:
                values[key] = values.get(key, 0) + float(value)
            except ValueError:
                pass
    return values


def main():
    parser = argparse.ArgumentParser()
    for name, kind, default in [("port", int, 0), ("udp-port", int, 0), ("pid", int, 0), ("agents", int, 100),
                                ("udp-agents", int, 20), ("series", int, 5000), ("interval", float, 10),
                                ("seconds", float, 3600), ("batch", int, 500), ("udp-batch", int, 100),
                                ("secret", str, ""), ("token", str, "admin-token"), ("drain", float, 120)]:
        parser.add_argument("--" + name, type=kind, default=default)
    args = parser.parse_args()
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds(pid):
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_mib(pid):
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

    totals, stop = Totals(), threading.Event()
    began = time.time()
    args.deadline = began + args.seconds + args.drain
    http_agents = args.agents - args.udp_agents
    agents = [Agent(i, "http", args, totals, stop, began) for i in range(http_agents)]
    agents += [Agent(i, "udp", args, totals, stop, began) for i in range(args.udp_agents)]
    for agent in agents:
        agent.start()

    # Queries a dashboard would make, one after another with a pause: last 10 minutes of one meter per minute
    # over every resource, and one resource's hour.
    query_latency = {}
    query_errors = []

    def query_loop():
        while not stop.is_set():
            now = time.time()
            for path in ["/v2/meters/soak.http.m0/statistics?period=60&q.field=timestamp&q.op=ge&q.value=%s" % ts(now - 600),
                         "/v2/meters/soak.http.m1/statistics?period=60&q.field=resource_id&q.op=eq&q.value=soak-http-000-r0001"]:
                started = time.monotonic()
                try:
                    status, body = get(args.port, path, args.token)
                    if status != 200:
                        query_errors.append("%d %s" % (status, body[:120]))
                except Exception as error:
                    query_errors.append(type(error).__name__)
                query_latency.setdefault(int((time.time() - began) // 60), []).append((time.monotonic() - started) * 1000)
            stop.wait(5)

    threading.Thread(target=query_loop, daemon=True).start()

    own_cpu0 = time.process_time()
    curve = []  # (seconds, rss MiB, collector CPU %, commits in flight, stored samples)
    last_cpu, last_at = cpu_seconds(args.pid), time.time()
    print("%7s %9s %8s %9s %11s %11s %9s" % ("t (s)", "RSS MiB", "CPU %", "in flight", "acked", "stored", "samples/s"), flush=True)
    last_stored = 0
    while time.time() < began + args.seconds:
        time.sleep(min(10, max(0.1, began + args.seconds - time.time())))
        now, cpu = time.time(), cpu_seconds(args.pid)
        metrics = scrape(args.port, args.token)
        stored = metrics.get("virtmon_collector_samples_stored_total", 0)
        row = (now - began, rss_mib(args.pid), 100 * (cpu - last_cpu) / (now - last_at),
               metrics.get("virtmon_collector_commits_in_flight", 0), totals.acked, stored, (stored - last_stored) / (now - last_at))
        curve.append(row)
        last_cpu, last_at, last_stored = cpu, now, stored
        print("%7.0f %9.1f %8.1f %9.0f %11d %11.0f %9.0f" % row, flush=True)
    stop.set()
    run_seconds = time.time() - began
    for agent in agents:
        agent.join(timeout=max(1, args.deadline - time.time()))
    generator_cpu = time.process_time() - own_cpu0

    # Let the collector take what is still arriving, then count what it holds through the API.
    settle = time.time() + 5
    previous = -1
    while time.time() < args.deadline:
        stored = scrape(args.port, args.token).get("virtmon_collector_samples_stored_total", 0)
        if stored == previous and time.time() > settle:
            break
        previous = stored
        time.sleep(1)
    counted = {}
    count_began = time.monotonic()
    for transport in ("http", "udp"):
        total = 0
        for meter in range(METERS):
            status, body = get(args.port, "/v2/meters/soak.%s.m%d/statistics" % (transport, meter), args.token, timeout=600)
            if status != 200:
                sys.exit("counting soak.%s.m%d failed: %d %s" % (transport, meter, status, body[:300]))
            rows = json.loads(body)
            total += sum(int(row["count"]) for row in rows)
        counted[transport] = total
    count_ms = (time.monotonic() - count_began) * 1000

    minutes = sorted(set(totals.latencies) | set(query_latency))
    print("\nminute  ingest p50 ms  ingest p99 ms  batches  query p50 ms  query p99 ms  queries")
    for minute in minutes:
        done, asked = totals.latencies.get(minute, []), query_latency.get(minute, [])
        print("%6d %14.1f %14.1f %8d %13.1f %13.1f %8d" % (minute, pct(done, .5), pct(done, .99), len(done),
                                                          pct(asked, .5), pct(asked, .99), len(asked)))
    warm = [row for row in curve if row[0] >= min(120, run_seconds / 3)]
    offered = totals.offered["http"] + totals.offered["udp"]
    print("\nrun %.0f s, %d HTTP + %d UDP agents x %d series every %.0f s: %.0f samples/s offered"
          % (run_seconds, http_agents, args.udp_agents, args.series, args.interval, offered / run_seconds))
    print("HTTP: offered %d, acknowledged %d, stored %d, missing %d, batches sent again %d %s"
          % (totals.offered["http"], totals.acked, counted["http"], totals.acked - counted["http"], totals.retries,
             dict(sorted(totals.refusals.items(), key=lambda kv: -kv[1])[:4]) if totals.refusals else ""))
    drops = scrape(args.port, args.token).get("virtmon_collector_udp_receive_drops_total", 0)
    print("UDP:  offered %d, stored %d (%.2f %%), kernel receive drops counted by the collector %d"
          % (totals.offered["udp"], counted["udp"], 100 * counted["udp"] / max(1, totals.offered["udp"]), drops))
    if warm:
        rss = [row[1] for row in warm]
        print("collector RSS after warm-up: first %.1f MiB, min %.1f, max %.1f, last %.1f; CPU mean %.0f %%; stored %.0f samples/s mean"
              % (rss[0], min(rss), max(rss), rss[-1], sum(r[2] for r in warm) / len(warm), sum(r[6] for r in warm) / len(warm)))
    print("agents' cycles that ran late (the generator could not keep the interval): %d" % totals.late_cycles)
    print("load generator CPU: %.0f s (%.0f %% of a core)" % (generator_cpu, 100 * generator_cpu / run_seconds))
    print("counting through the API: %.0f ms for %d meters" % (count_ms, 2 * METERS))
    all_ingest = [ms for values in totals.latencies.values() for ms in values]
    all_query = [ms for values in query_latency.values() for ms in values]
    print("overall: ingest p50 %.1f ms p99 %.1f ms; query p50 %.1f ms p99 %.1f ms; query errors %d %s"
          % (pct(all_ingest, .5), pct(all_ingest, .99), pct(all_query, .5), pct(all_query, .99), len(query_errors), query_errors[:3]))
    if totals.acked != counted["http"] or totals.acked != totals.offered["http"]:
        sys.exit("SOAK FAILED: %d HTTP samples offered, %d acknowledged, %d stored"
                 % (totals.offered["http"], totals.acked, counted["http"]))


if __name__ == "__main__":
    main()
