"""What the collector measurement scripts share (imported, not run): a signed agent that posts batches on a
schedule and records what it waits for each one, a seeder of a project's VM history, and percentiles."""
import hashlib, hmac, http.client, json, threading, time, uuid
from datetime import datetime, timedelta, timezone


def ts(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def connect(port, source=None, timeout=30):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0) if source else None)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def seed_vms(port, token, vms, span, step, source=None, per_post=6000):
    """Posts `span` (a timedelta) of cpu_util for `vms` resources every `step` seconds, ending now, as the project
    of `token`: the history a heavy statistics query chews on."""
    start = datetime.now(timezone.utc) - span
    moments = int(span.total_seconds() // step)
    per = max(1, per_post // vms)
    conn = connect(port, source)
    for first in range(0, moments, per):
        samples = [{"counter_type": "gauge", "counter_unit": "%", "counter_volume": (m * 7 + v) % 100,
                    "resource_id": "vm-%03d" % v, "timestamp": ts(start + timedelta(seconds=step * m))}
                   for m in range(first, min(moments, first + per)) for v in range(vms)]
        conn.request("POST", "/v2/meters/cpu_util", json.dumps(samples),
                     {"X-Auth-Token": token, "Content-Type": "application/json"})
        answer = conn.getresponse(); body = answer.read()
        assert answer.status == 200, (answer.status, body[:300])


def post_batch(conn, secret, agent, seq, samples):
    """Posts one signed batch of sample dicts; answers the HTTP status (200 once committed)."""
    body = json.dumps({"version": 1, "agent": agent, "host": "h1", "seq": seq, "sent_at": ts(datetime.now(timezone.utc)),
                       "events": [], "samples": samples}).encode()
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    conn.request("POST", "/api/v1/batches", body, {"X-Virtmon-Signature": signature, "Content-Type": "application/json"})
    answer = conn.getresponse(); answer.read()
    return answer.status


def gauge(name, value, resource, when=None):
    """One gauge sample in the wire shape."""
    return {"counter_name": name, "counter_type": "gauge", "counter_unit": "%", "counter_volume": value, "resource_id": resource,
            "timestamp": ts(when or datetime.now(timezone.utc)), "resource_metadata": {}, "source": "virtmon",
            "message_id": str(uuid.uuid4())}


class Agent:
    """Posts a signed batch of `samples` samples every `every` seconds from its own thread; the latency of each
    (what the agent waits for its 200, i.e. the commit) is kept under the phase current when it was sent."""

    def __init__(self, port, secret, phase, source=None, samples=200, every=0.1, name="load-agent"):
        self.port, self.secret, self.source, self.samples, self.every, self.name = port, secret, source, samples, every, name
        self.phase, self.latencies, self.failures, self.seq, self.stopped = phase, {}, {}, 0, False

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def stop(self):
        self.stopped = True

    def summary(self, phase):
        done = self.latencies.get(phase, [])
        return pct(done, .5), pct(done, .99), len(done), self.failures.get(phase, 0)

    def _batch(self):
        self.seq += 1
        now = ts(datetime.now(timezone.utc))
        body = json.dumps({"version": 1, "agent": self.name, "host": "h1", "seq": self.seq, "sent_at": now, "events": [],
                           "samples": [{"counter_name": "agent.meter", "counter_type": "gauge", "counter_unit": "B",
                                        "counter_volume": i, "resource_id": "host-%d" % (i % 20), "timestamp": now,
                                        "resource_metadata": {}, "source": "virtmon", "message_id": str(uuid.uuid4())}
                                       for i in range(self.samples)]}).encode()
        return body, hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def _run(self):
        conn = connect(self.port, self.source)
        while not self.stopped:
            body, signature = self._batch()
            phase, began = self.phase[0], time.monotonic()
            try:
                conn.request("POST", "/api/v1/batches", body,
                             {"X-Virtmon-Signature": signature, "Content-Type": "application/json"})
                answer = conn.getresponse(); answer.read(); ok = answer.status == 200
            except Exception:
                ok = False; conn = connect(self.port, self.source)
            if ok:
                self.latencies.setdefault(phase, []).append((time.monotonic() - began) * 1000)
            else:
                self.failures[phase] = self.failures.get(phase, 0) + 1
            time.sleep(max(0, self.every - (time.monotonic() - began)))
