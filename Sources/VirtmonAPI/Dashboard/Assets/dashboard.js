// virtmon dashboard: one page, a view per URL hash (#/overview, #/host/NAME, #/vms, #/vm/ID, #/events,
// #/alarms) with the time range, statistic and refresh in the hash too, so every view can be shared.
// Everything comes from the collector's own API (/api/v1) and its Aodh-compatible alarms (/v2/alarms);
// charts read /api/v1/statistics with a period that is a multiple of the store's rollups, never raw samples.
"use strict";

const TOKEN_KEY = "virtmon.token";
const STALE_AFTER_MS = 60e3;      // a host that sent nothing for a minute is marked stale
const CURRENT_WINDOW_MS = 5 * 60e3; // "now" figures: the average over the last five minutes

const app = {
  token: sessionStorage.getItem(TOKEN_KEY),
  scope: null,            // {scope: "admin"} or {scope: "project", project_id}
  generation: 0,          // bumped per render, so a slow answer for an old view is dropped
  timer: null,
  cache: {},              // the VMs view's rows, re-sorted and filtered without fetching again
};
window.virtmonDashboard = app;

// ---- small helpers ------------------------------------------------------------------------------------
const $ = (selector, root = document) => root.querySelector(selector);
const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmt = (value, unit) => Plot.format(value, unit);
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function ago(ms) {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 129600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** Seconds as "3 d 4 h", "5 h 12 min" or "42 min". */
function duration(seconds) {
  const minutes = Math.floor(seconds / 60), hours = Math.floor(minutes / 60), days = Math.floor(hours / 24);
  if (days > 0) return `${days} d ${hours % 24} h`;
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}

class APIError extends Error {
  constructor(kind, message, status) { super(message); this.kind = kind; this.status = status; }
}

/** Fetches JSON from the collector with the session's token; throws APIError with the collector's words. */
async function api(path, options = {}) {
  const headers = { "X-Auth-Token": app.token || "" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method: options.method || "GET", headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), cache: "no-store" });
  } catch (error) {
    throw new APIError("unreachable", `The collector at ${location.origin} is unreachable (${error.message}). Is it running?`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (response.status === 401) throw new APIError("token", body?.error || body?.error_message?.faultstring || "the token is not valid", 401);
  if (!response.ok) {
    const message = body?.error || body?.error_message?.faultstring || text.slice(0, 300) || response.statusText;
    throw new APIError("http", `${path.split("?")[0]} answered ${response.status}: ${message}`, response.status);
  }
  return body;
}

// ---- the URL: view, argument and parameters -------------------------------------------------------------
function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [pathPart, queryPart = ""] = hash.split("?");
  const parts = pathPart.split("/").map(decodeURIComponent);
  const params = new URLSearchParams(queryPart);
  return { view: parts[0] || "overview", arg: parts.slice(1).join("/"), params };
}

function link(view, arg, extra = {}) {
  const { params } = route();
  const keep = new URLSearchParams();
  for (const key of ["range", "from", "to", "agg", "refresh"]) if (params.get(key)) keep.set(key, params.get(key));
  for (const [key, value] of Object.entries(extra)) if (value !== undefined && value !== "") keep.set(key, value);
  const query = keep.toString();
  return `#/${view}${arg ? "/" + encodeURIComponent(arg) : ""}${query ? "?" + query : ""}`;
}

function setParams(changes, { reload = true } = {}) {
  const { view, arg, params } = route();
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") params.delete(key); else params.set(key, value);
  }
  const query = params.toString();
  const hash = `#/${view}${arg ? "/" + encodeURIComponent(arg) : ""}${query ? "?" + query : ""}`;
  if (reload) location.hash = hash; else history.replaceState(null, "", hash);
}

const RANGES = { "1h": 3600e3, "6h": 6 * 3600e3, "24h": 24 * 3600e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

/**
 * The chart window: start and end aligned to a period of whole minutes below a 6 h range (read from the
 * chunks), of the 5 min rollup up to 2 days and of the 1 h rollup beyond: about 60–150 points per series.
 */
function timeWindow() {
  const { params } = route();
  const range = params.get("range") || "6h";
  let end = Date.now(), span = RANGES[range] || RANGES["6h"];
  if (range === "custom" && params.get("from") && params.get("to")) {
    const from = Date.parse(params.get("from")), to = Date.parse(params.get("to"));
    if (Number.isFinite(from) && Number.isFinite(to) && to > from) { end = to; span = to - from; }
  }
  const unit = span > 2 * 86400e3 ? 3600e3 : span >= 6 * 3600e3 ? 300e3 : 60e3;
  const period = Math.max(unit, Math.ceil(span / 150 / unit) * unit);
  const alignedEnd = Math.ceil(end / period) * period;
  const start = Math.floor((end - span) / period) * period;
  return { start, end: alignedEnd, period, range, statistic: params.get("agg") === "max" ? "max" : "avg" };
}

// ---- statistics ------------------------------------------------------------------------------------------
function statisticsURL(meter, { filters = {}, groupby = [], start, end, period = 0 }) {
  const query = new URLSearchParams({ meter });
  for (const [key, value] of Object.entries(filters)) query.set(key, value);
  if (start !== undefined) query.set("start", iso(start));
  if (end !== undefined) query.set("end", iso(end));
  if (period) query.set("period", String(Math.round(period / 1000)));
  for (const field of groupby) query.append("groupby", field);
  return `/api/v1/statistics?${query}`;
}

/** The last five minutes' statistics rows of `meter`, grouped by `groupby`. */
function recent(meter, groupby, filters) {
  return api(statisticsURL(meter, { filters, groupby, start: Date.now() - CURRENT_WINDOW_MS }));
}

/** The last five minutes' statistics of `meter` per value of `field`: a Map from it to the row. */
async function current(meter, field, filters = {}) {
  const rows = await recent(meter, [field], filters);
  return new Map(rows.map((row) => [row.groupby?.[field], row]));
}

/** Rows summed per `field`: the per-device rows of a VM's disks or vNICs added up by instance. */
async function currentSum(meter, field, filters = {}) {
  const rows = await recent(meter, ["resource_id", field], filters);
  const sums = new Map();
  for (const row of rows) {
    const key = row.groupby?.[field];
    sums.set(key, (sums.get(key) || 0) + row.avg);
  }
  return sums;
}

/** Chart series of `meter` over the window: one per group (or one), named by `name(groupValue)`. */
async function series(meter, window, { filters = {}, groupby = null, name = (key) => key, label = meter, pick } = {}) {
  const rows = await api(statisticsURL(meter, { filters, groupby: groupby ? [groupby] : [], start: window.start, end: window.end, period: window.period }));
  const groups = new Map();
  for (const row of rows) {
    const key = groupby ? row.groupby?.[groupby] : label;
    if (!groups.has(key)) groups.set(key, []);
    const value = pick ? pick(row) : row[window.statistic];
    if (value !== null && value !== undefined) groups.get(key).push([Date.parse(row.period_start), value]);
  }
  return [...groups.entries()].map(([key, points]) => ({ name: groupby ? name(key) : label, points: points.sort((a, b) => a[0] - b[0]) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Several meters' series in one chart: `pairs` are [label, meter], `options(label)` each one's series options. */
async function manySeries(pairs, window, options) {
  return (await Promise.all(pairs.map(([label, meter]) => series(meter, window, options(label))))).flat();
}

/** Per-period increases of a cumulative counter (its maximum per period, differenced): events per period. */
function increases(points) {
  const out = [];
  for (let i = 1; i < points.length; i += 1) {
    const delta = points[i][1] - points[i - 1][1];
    out.push([points[i][0], delta >= 0 ? delta : points[i][1]]);
  }
  return out;
}

// ---- page furniture --------------------------------------------------------------------------------------
function banner(message) {
  const element = $("#banner");
  element.textContent = message || "";
  element.hidden = !message;
}

function panel(title, body, { id = "", cls = "" } = {}) {
  return `<section class="panel ${cls}" ${id ? `id="${id}"` : ""} aria-labelledby="${id || "p"}-h"><h2 id="${id || "p"}-h">${esc(title)}</h2>${body}</section>`;
}

/** A grid of empty chart panels; `charts` are [id, title]. */
function chartGrid(charts) {
  return `<div class="grid">${charts.map(([id, title]) => `<section class="panel" aria-label="${esc(title)}"><h2>${esc(title)}</h2><div class="chart" id="chart-${id}"><p class="empty">Loading…</p></div></section>`).join("")}</div>`;
}

/** Fills chart `id` when its data arrives; a failed query says why in its own panel and spares the rest. */
async function fillChart(id, title, unit, window, load, emptyText) {
  const container = document.getElementById(`chart-${id}`);
  try {
    const data = await load();
    if (!container.isConnected) return;
    Plot.render(container, data, { title, unit, start: window.start, end: window.end, period: window.period, emptyText });
  } catch (error) {
    if (error.kind === "token") throw error;
    container.innerHTML = `<p class="error">${esc(error.message)}</p>`;
  }
}

function stateCell(state) {
  return `<span class="state-${esc(String(state).replace(/\s+/g, "-"))}">${esc(state)}</span>`;
}

function alarmResources(alarm) {
  const rule = alarm.threshold_rule || alarm.event_rule || {};
  return (rule.query || []).filter((q) => q.field === "resource_id" || q.field === "resource").map((q) => q.value);
}

function alarmSummary(alarms) {
  if (!alarms.length) return `<span class="muted">none</span>`;
  const counts = {};
  for (const alarm of alarms) counts[alarm.state] = (counts[alarm.state] || 0) + 1;
  return Object.entries(counts).map(([state, count]) => `${count} ${stateCell(state)}`).join(", ");
}

const POWER_STATES = { 0: "no state", 1: "running", 2: "blocked", 3: "paused", 4: "shutting down", 5: "shut off", 6: "crashed", 7: "suspended" };

// ---- views ---------------------------------------------------------------------------------------------
const views = {};

views.overview = async () => {
  const admin = app.scope.scope === "admin";
  const [hosts, instances, alarms] = await Promise.all([
    admin ? api("/api/v1/hosts") : Promise.resolve(null),
    api("/api/v1/resources?meter=power.state"),
    api("/v2/alarms"),
  ]);
  if (!admin) return projectOverview(instances, alarms);
  const [cpu, used, total, load, overhead] = await Promise.all([
    current("hardware.cpu.util", "resource_id"), current("hardware.memory.used", "resource_id"),
    current("hardware.memory.total", "resource_id"), current("hardware.cpu.load.1min", "resource_id"),
    currentSum("vmm.memory.overhead", "resource_metadata.host"),
  ]);
  const vmsByHost = new Map();
  for (const vm of instances) {
    const host = vm.metadata?.host || "?";
    if (!vmsByHost.has(host)) vmsByHost.set(host, []);
    vmsByHost.get(host).push(vm.resource_id);
  }
  const now = Date.now();
  const rows = hosts.map((host) => {
    const lastSeen = Date.parse(host.last_seen);
    const ids = new Set([host.host, ...(vmsByHost.get(host.host) || [])]);
    const hostAlarms = alarms.filter((a) => alarmResources(a).some((id) => ids.has(id) || String(id).startsWith(`${host.host}-`)));
    const memPct = used.get(host.host) && total.get(host.host) ? (100 * used.get(host.host).avg) / total.get(host.host).avg : null;
    const cpuPct = cpu.get(host.host)?.avg ?? null;
    return {
      host: host.host, stale: now - lastSeen > STALE_AFTER_MS, lastSeen, cpu: cpuPct, mem: memPct,
      memUsed: used.get(host.host)?.avg, memTotal: total.get(host.host)?.avg, load: load.get(host.host)?.avg ?? null,
      vms: (vmsByHost.get(host.host) || []).length, overhead: overhead.get(host.host) ?? null, alarms: hostAlarms,
      inAlarm: hostAlarms.filter((a) => a.state === "alarm").length,
    };
  });
  // Worst first: hosts that went silent, then those in alarm, then the busiest by CPU or memory.
  rows.sort((a, b) => (b.stale - a.stale) || (b.inAlarm - a.inAlarm) || (Math.max(b.cpu ?? 0, b.mem ?? 0) - Math.max(a.cpu ?? 0, a.mem ?? 0)) || a.host.localeCompare(b.host));
  const staleCount = rows.filter((r) => r.stale).length;
  const body = rows.length === 0
    ? `<p class="empty">No agent has reported yet. Start one with <code>virtmon agent --publisher ${esc(location.origin)}/api/v1/batches</code>.</p>`
    : `<div class="table-wrap"><table id="hosts-table"><thead><tr><th scope="col">Host</th><th scope="col" class="num">CPU</th><th scope="col" class="num">Memory</th><th scope="col" class="num">Load (1 min)</th><th scope="col" class="num">VMs</th><th scope="col" class="num">Hypervisor overhead</th><th scope="col">Alarms</th><th scope="col">Last seen</th></tr></thead><tbody>${rows.map((r) => `
      <tr class="${r.stale ? "stale" : ""}" data-host="${esc(r.host)}">
        <th scope="row"><a href="${link("host", r.host)}">${esc(r.host)}</a>${r.stale ? ` <span class="bad">stale</span>` : ""}</th>
        <td class="num">${r.cpu === null ? "–" : `<meter min="0" max="100" low="70" high="90" optimum="0" value="${r.cpu.toFixed(1)}" title="${fmt(r.cpu, "%")}"></meter> ${fmt(r.cpu, "%")}`}</td>
        <td class="num">${r.mem === null ? "–" : `<meter min="0" max="100" low="80" high="90" optimum="0" value="${r.mem.toFixed(1)}"></meter> ${fmt(r.memUsed, "KB")} of ${fmt(r.memTotal, "KB")}`}</td>
        <td class="num">${r.load === null ? "–" : r.load.toFixed(2)}</td>
        <td class="num">${r.vms}</td>
        <td class="num">${r.overhead === null ? "–" : fmt(r.overhead, "KB")}</td>
        <td>${alarmSummary(r.alarms)}</td>
        <td>${esc(ago(r.lastSeen))}</td>
      </tr>`).join("")}</tbody></table></div>`;
  const inAlarm = alarms.filter((a) => a.state === "alarm").length;
  return `<h1>Overview</h1><p class="sub">${rows.length} host${rows.length === 1 ? "" : "s"}, ${instances.length} VM${instances.length === 1 ? "" : "s"}, ${inAlarm} alarm${inAlarm === 1 ? "" : "s"} firing${staleCount ? `, <span class="bad">${staleCount} stale</span>` : ""}. Figures are the last five minutes' averages; worst first.</p>${panel("Hosts", body)}`;
};

function projectOverview(instances, alarms) {
  const byHost = new Map();
  for (const vm of instances) {
    const host = vm.metadata?.host || "?";
    byHost.set(host, (byHost.get(host) || 0) + 1);
  }
  const rows = [...byHost.entries()].sort((a, b) => b[1] - a[1]);
  const body = rows.length === 0 ? `<p class="empty">Project ${esc(app.scope.project_id)} has no VMs with samples yet.</p>`
    : `<table><thead><tr><th scope="col">Host</th><th scope="col" class="num">Your VMs</th></tr></thead><tbody>${rows.map(([host, count]) => `<tr><td>${esc(host)}</td><td class="num">${count}</td></tr>`).join("")}</tbody></table>`;
  return `<h1>Project ${esc(app.scope.project_id)}</h1><p class="sub">${instances.length} VMs; alarms: ${alarmSummary(alarms)}. Hosts and events belong to the operator: this token sees its project's VMs and alarms (<a href="${link("vms")}">VMs</a>).</p>${panel("Your VMs by host", body)}`;
}

views.host = async (name) => {
  if (app.scope.scope !== "admin") return `<h1>${esc(name)}</h1><p class="panel">Hosts belong to no project: sign in with the admin token to see them.</p>`;
  const window = timeWindow();
  const [hosts, resources] = await Promise.all([api("/api/v1/hosts"), api(`/api/v1/resources?metadata.host=${encodeURIComponent(name)}`)]);
  const host = hosts.find((h) => h.host === name);
  if (!host) return `<h1>${esc(name)}</h1><p class="panel empty">No agent named ${esc(name)} has reported. <a href="${link("overview")}">All hosts</a>.</p>`;
  const nameOf = new Map(resources.map((r) => [r.resource_id, r.metadata?.name || r.metadata?.instance_name || r.resource_id]));
  // VMs are the resources with power.state, running or shut off.
  const vms = resources.filter((r) => r.meters?.includes("power.state"));
  const device = (id) => String(nameOf.get(id) || id).replace(`${name}-`, "");
  const filters = { "metadata.host": name };
  const ownHost = (label) => ({ filters: { resource: name }, label });
  const [uptime, fsUsed, fsTotal, vmmMemory, vmmCPU, events] = await Promise.all([
    current("hardware.system_stats.uptime", "resource_id", { resource: name }),
    current("hardware.disk.size.used", "resource_id", filters), current("hardware.disk.size.total", "resource_id", filters),
    current("vmm.memory.overhead", "resource_id", filters), current("vmm.cpu.overhead", "resource_id", filters),
    api(`/api/v1/events?host=${encodeURIComponent(name)}&limit=50&since=${iso(window.start)}`),
  ]);
  const charts = [
    ["cpu", "CPU"], ["memory", "Memory"], ["load", "Load"], ["net-in", "Network received"], ["net-out", "Network sent"],
    ["disk-read", "Disk read"], ["disk-write", "Disk written"], ["vmm", "Hypervisor memory beyond guest RAM"],
  ];
  const filesystems = [...fsTotal.entries()].map(([id, row]) => ({ id, total: row.avg, used: fsUsed.get(id)?.avg ?? 0 }));
  // A hypervisor process is `UUID-vmm` when its domain is known: the VM it runs is the UUID.
  const vmm = [...vmmMemory.entries()].map(([id, row]) => ({ id, vm: String(id).replace(/-vmm$/, ""), memory: row.avg, cpu: vmmCPU.get(id)?.avg ?? null }));
  const html = `<h1>${esc(name)}</h1>
    <dl class="facts panel"><div><dt>Last seen</dt><dd>${esc(ago(Date.parse(host.last_seen)))}</dd></div>
      <div><dt>Uptime</dt><dd>${uptime.get(name) ? esc(duration(uptime.get(name).max)) : "–"}</dd></div>
      <div><dt>VMs</dt><dd>${vms.length}</dd></div><div><dt>Batches</dt><dd>${host.batches}</dd></div></dl>
    ${chartGrid(charts)}
    <div class="grid">
    ${panel("Filesystems", filesystems.length === 0 ? `<p class="empty">No filesystem figures in the last five minutes.</p>` : `<table><thead><tr><th scope="col">Mount</th><th scope="col" class="num">Used</th><th scope="col" class="num">Size</th></tr></thead><tbody>${filesystems.map((f) => `<tr><td>${esc(device(f.id))}</td><td class="num"><meter min="0" max="100" high="90" value="${f.total ? ((100 * f.used) / f.total).toFixed(1) : 0}"></meter> ${fmt(f.used, "KB")}</td><td class="num">${fmt(f.total, "KB")}</td></tr>`).join("")}</tbody></table>`)}
    ${panel("Hypervisor processes", vmm.length === 0 ? `<p class="empty">No hypervisor process figures in the last five minutes.</p>` : `<table><thead><tr><th scope="col">VM</th><th scope="col" class="num">Memory beyond guest RAM</th><th scope="col" class="num">CPU</th></tr></thead><tbody>${vmm.map((v) => `<tr><td>${vms.some((vm) => vm.resource_id === v.vm) ? `<a href="${link("vm", v.vm)}">${esc(nameOf.get(v.vm))}</a>` : esc(v.id)}</td><td class="num">${fmt(v.memory, "KB")}</td><td class="num">${fmt(v.cpu, "%")}</td></tr>`).join("")}</tbody></table>`)}
    ${panel("VMs on this host", vms.length === 0 ? `<p class="empty">No VMs.</p>` : `<ul>${vms.map((vm) => `<li><a href="${link("vm", vm.resource_id)}">${esc(vm.metadata?.name || vm.resource_id)}</a> <span class="muted">${esc(vm.metadata?.state || "")}</span></li>`).join("")}</ul>`)}
    ${panel("Events", eventsTable(events, false))}
    </div>`;
  return {
    html,
    after: (guard) => Promise.all([
      fillChart("cpu", "CPU", "%", window, () => manySeries(["user", "system", "iowait", "steal"].map((part) => [part, `hardware.system_stats.cpu.${part}`]), window, ownHost)),
      fillChart("memory", "Memory", "KB", window, () => manySeries([["used", "hardware.memory.used"], ["cached", "hardware.memory.cached"], ["total", "hardware.memory.total"]], window, ownHost)),
      fillChart("load", "Load", "", window, () => manySeries(["1min", "5min", "15min"].map((part) => [part, `hardware.cpu.load.${part}`]), window, ownHost)),
      fillChart("net-in", "Network received", "B/s", window, () => series("hardware.network.incoming.bytes.rate", window, { filters, groupby: "resource_id", name: device })),
      fillChart("net-out", "Network sent", "B/s", window, () => series("hardware.network.outgoing.bytes.rate", window, { filters, groupby: "resource_id", name: device })),
      fillChart("disk-read", "Disk read", "B/s", window, () => series("hardware.disk.read.bytes.rate", window, { filters, groupby: "resource_id", name: device })),
      fillChart("disk-write", "Disk written", "B/s", window, () => series("hardware.disk.write.bytes.rate", window, { filters, groupby: "resource_id", name: device })),
      fillChart("vmm", "Hypervisor memory beyond guest RAM", "KB", window, () => series("vmm.memory.overhead", window, { filters, groupby: "resource_id", name: (id) => nameOf.get(String(id).replace(/-vmm$/, "")) || id }), "No hypervisor processes measured in this range (the monitors read them on hosts with QEMU or StratoVirt guests)."),
    ]).then(guard),
  };
};

function eventsTable(events, withHost) {
  if (!events.length) return `<p class="empty">No events in this range.</p>`;
  return `<div class="table-wrap"><table class="events"><thead><tr><th scope="col">Time</th><th scope="col">Level</th>${withHost ? `<th scope="col">Host</th>` : ""}<th scope="col">Type</th><th scope="col">Resource</th><th scope="col">Message</th></tr></thead><tbody>${events.map((e) => `
    <tr><td>${esc(new Date(Date.parse(e.time)).toLocaleString())}</td><td class="${e.level === "info" ? "" : "bad"}">${esc(e.level)}</td>${withHost ? `<td><a href="${link("host", e.host)}">${esc(e.host)}</a></td>` : ""}<td>${esc(e.type)}</td><td>${esc(e.resource)}</td><td class="wrap">${esc(e.message)}</td></tr>`).join("")}</tbody></table></div>`;
}

// The VMs table: every VM with its last five minutes, sorted and filtered in the browser.
const VM_COLUMNS = [
  ["name", "Name", false], ["project", "Project", false], ["host", "Host", false], ["state", "State", false],
  ["vcpus", "vCPUs", true], ["cpu", "CPU", true], ["memory", "Memory used", true], ["disk", "Disk I/O", true], ["net", "Network", true],
];

views.vms = async () => {
  const [instances, cpu, memory, diskRead, diskWrite, netIn, netOut] = await Promise.all([
    api("/api/v1/resources?meter=power.state"),
    current("cpu_util", "resource_id"), current("memory.usage", "resource_id"),
    currentSum("disk.device.read.bytes.rate", "resource_metadata.instance_id"), currentSum("disk.device.write.bytes.rate", "resource_metadata.instance_id"),
    currentSum("network.incoming.bytes.rate", "resource_metadata.instance_id"), currentSum("network.outgoing.bytes.rate", "resource_metadata.instance_id"),
  ]);
  const sum = (a, b) => (a === undefined && b === undefined ? null : (a || 0) + (b || 0));
  app.cache.vms = instances.map((vm) => {
    const id = vm.resource_id, m = vm.metadata || {};
    const allocated = m.memory_mb ?? null;
    const used = memory.get(id)?.avg ?? null;
    return {
      id, name: m.name || m.instance_name || m.domain || id, project: vm.project_id || "", host: m.host || "", state: m.state || "",
      vcpus: m.vcpus ?? null, cpu: cpu.get(id)?.avg ?? null, used, allocated,
      memory: used !== null && allocated ? (100 * used) / allocated : null,
      disk: sum(diskRead.get(id), diskWrite.get(id)), net: sum(netIn.get(id), netOut.get(id)),
    };
  });
  const { params } = route();
  return {
    html: `<h1>VMs</h1><p class="sub" id="vm-count"></p>
      <div class="filters"><label>Filter <input type="search" id="vm-filter" placeholder="name, project, host, state or id" value="${esc(params.get("q") || "")}" aria-describedby="vm-count"></label></div>
      <div class="table-wrap panel"><table id="vms-table"><thead><tr>${VM_COLUMNS.map(([key, title, numeric]) => `<th scope="col" class="${numeric ? "num" : ""}" data-key="${key}"><button type="button">${title}</button></th>`).join("")}</tr></thead><tbody></tbody></table></div>`,
    after: () => {
      renderVMRows();
      $("#vm-filter").addEventListener("input", (event) => { setParams({ q: event.target.value }, { reload: false }); renderVMRows(); });
      for (const th of document.querySelectorAll("#vms-table th")) {
        th.querySelector("button").addEventListener("click", () => {
          const { params: now } = route();
          const key = th.dataset.key;
          const numeric = VM_COLUMNS.find((c) => c[0] === key)[2];
          const dir = now.get("sort") === key ? (now.get("dir") === "asc" ? "desc" : "asc") : (numeric ? "desc" : "asc");
          setParams({ sort: key, dir }, { reload: false });
          renderVMRows();
        });
      }
    },
  };
};

function renderVMRows() {
  const { params } = route();
  const key = params.get("sort") || "cpu", dir = params.get("dir") || "desc";
  const needle = (params.get("q") || "").trim().toLowerCase();
  const all = app.cache.vms || [];
  const rows = all.filter((vm) => !needle || [vm.name, vm.project, vm.host, vm.state, vm.id].some((v) => String(v).toLowerCase().includes(needle)));
  const sign = dir === "asc" ? 1 : -1;
  rows.sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return a.name.localeCompare(b.name);
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (typeof x === "number" ? x - y : String(x).localeCompare(String(y))) * sign;
  });
  for (const th of document.querySelectorAll("#vms-table th")) {
    if (th.dataset.key === key) th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending"); else th.removeAttribute("aria-sort");
  }
  $("#vm-count").textContent = needle ? `${rows.length} of ${all.length} VMs match “${needle}”.` : `${all.length} VMs; figures are the last five minutes' averages.`;
  $("#vms-table tbody").innerHTML = rows.length === 0 ? `<tr><td colspan="${VM_COLUMNS.length}" class="empty">${all.length ? "No VM matches the filter." : "No VMs have reported yet."}</td></tr>`
    : rows.map((vm) => `<tr data-id="${esc(vm.id)}"><td><a href="${link("vm", vm.id)}">${esc(vm.name)}</a></td><td>${esc(vm.project || "–")}</td><td>${app.scope.scope === "admin" ? `<a href="${link("host", vm.host)}">${esc(vm.host)}</a>` : esc(vm.host)}</td><td>${esc(vm.state)}</td><td class="num">${esc(vm.vcpus ?? "–")}</td><td class="num">${fmt(vm.cpu, "%")}</td><td class="num">${vm.memory === null ? fmt(vm.used, "MB") : `<meter min="0" max="100" high="90" value="${vm.memory.toFixed(1)}"></meter> ${fmt(vm.used, "MB")} of ${fmt(vm.allocated, "MB")}`}</td><td class="num">${vm.disk === null ? "–" : fmt(vm.disk, "B/s")}</td><td class="num">${vm.net === null ? "–" : fmt(vm.net, "B/s")}</td></tr>`).join("");
}

views.vm = async (id) => {
  const window = timeWindow();
  let vm;
  try { vm = await api(`/api/v1/resources/${encodeURIComponent(id)}`); } catch (error) {
    if (error.status === 404) return `<h1>VM</h1><p class="panel empty">No VM ${esc(id)} is visible to this token. <a href="${link("vms")}">All VMs</a>.</p>`;
    throw error;
  }
  const m = vm.metadata || {};
  const admin = app.scope.scope === "admin";
  const [alarms, events, power] = await Promise.all([
    api("/v2/alarms"),
    // The VM's own events and its hypervisor process's (`ID-vmm`), newest first.
    admin ? Promise.all([id, `${id}-vmm`].map((resource) => api(`/api/v1/events?resource=${encodeURIComponent(resource)}&limit=50&since=${iso(window.start)}`)))
      .then((lists) => lists.flat().sort((a, b) => Date.parse(b.time) - Date.parse(a.time)).slice(0, 50)) : Promise.resolve(null),
    api(statisticsURL("power.state", { filters: { resource: id }, start: window.start, end: window.end, period: window.period })),
  ]);
  const own = alarms.filter((a) => alarmResources(a).some((r) => r === id || String(r).startsWith(`${id}-`)));
  const device = (key) => String(key).replace(`${id}-`, "");
  const devices = { "metadata.instance_id": id };
  // One series per disk or vNIC, named "vda read"; `pick` chooses the value of each period (default: the statistic).
  const perDeviceOptions = (pick) => (label) => ({ filters: devices, groupby: "resource_id", name: (key) => `${device(key)} ${label}`, pick });
  const maxOf = (row) => row.max;
  const perDevice = (pairs) => () => manySeries(pairs, window, perDeviceOptions());
  // Counters: the per-period maximum, differenced, gives what happened in each period.
  const counted = (pairs) => async () => (await manySeries(pairs, window, perDeviceOptions(maxOf)))
    .map((s) => ({ name: s.name, points: increases(s.points) }));
  const latency = async () => {
    const parts = await Promise.all([["read", "disk.device.read"], ["write", "disk.device.write"]].flatMap(([label, prefix]) => [
      series(`${prefix}.latency`, window, perDeviceOptions(maxOf)(label)),
      series(`${prefix}.requests`, window, perDeviceOptions(maxOf)(label)),
    ]));
    const out = [];
    for (let i = 0; i < parts.length; i += 2) {
      for (const time of parts[i]) {
        const requests = parts[i + 1].find((s) => s.name === time.name);
        if (!requests) continue;
        const byTime = new Map(increases(requests.points));
        const points = increases(time.points).filter(([t]) => (byTime.get(t) || 0) > 0).map(([t, ns]) => [t, ns / 1e6 / byTime.get(t)]);
        out.push({ name: time.name, points });
      }
    }
    return out;
  };
  const transitions = [];
  let previous = null;
  for (const row of power) {
    for (const value of row.min === row.max ? [row.min] : [row.min, row.max]) {
      if (value !== previous) transitions.push([Date.parse(row.period_start), value]);
      previous = value;
    }
  }
  const charts = [["cpu", `CPU (% of ${m.vcpus ?? "?"} vCPUs)`], ["memory", "Memory"], ["iops", "Disk operations"], ["throughput", "Disk throughput"],
    ["latency", "Disk latency per operation"], ["net", "Network throughput"], ["packets", "Network packets"], ["errors", "Network errors and drops (per period)"],
    ["vmm", "Hypervisor overhead"]];
  const html = `<h1>${esc(m.name || m.instance_name || id)}</h1>
    <dl class="facts panel"><div><dt>State</dt><dd>${esc(m.state || "–")}</dd></div><div><dt>Host</dt><dd>${admin ? `<a href="${link("host", m.host)}">${esc(m.host || "–")}</a>` : esc(m.host || "–")}</dd></div>
      <div><dt>Project</dt><dd>${esc(vm.project_id || "–")}</dd></div><div><dt>vCPUs</dt><dd>${esc(m.vcpus ?? "–")}</dd></div>
      <div><dt>Memory</dt><dd>${m.memory_mb ? fmt(m.memory_mb, "MB") : "–"}</dd></div><div><dt>Last sample</dt><dd>${esc(ago(Date.parse(vm.last_sample)))}</dd></div>
      <div><dt>ID</dt><dd class="muted">${esc(id)}</dd></div></dl>
    ${chartGrid(charts)}
    <div class="grid">
    ${panel("State changes", transitions.length === 0 ? `<p class="empty">No power state recorded in this range.</p>` : `<table><thead><tr><th scope="col">From</th><th scope="col">State</th></tr></thead><tbody>${transitions.map(([t, v]) => `<tr><td>${esc(new Date(t).toLocaleString())}</td><td>${esc(POWER_STATES[v] ?? v)}</td></tr>`).join("")}</tbody></table>`)}
    ${panel("Alarms on this VM", own.length === 0 ? `<p class="empty">No alarm watches this VM. <a href="${link("alarms", "", { resource: id })}">Create one</a>.</p>` : alarmsTable(own))}
    ${panel("Events", events === null ? `<p class="muted">Events belong to hosts: the admin token sees them.</p>` : eventsTable(events, true))}
    </div>`;
  return {
    html,
    after: (guard) => Promise.all([
      fillChart("cpu", "CPU", "%", window, () => series("cpu_util", window, { filters: { resource: id }, label: "cpu_util" })),
      fillChart("memory", "Memory", "MB", window, () => manySeries([["used in guest", "memory.usage"], ["resident", "memory.resident"], ["allocated", "memory"]], window, (label) => ({ filters: { resource: id }, label }))),
      fillChart("iops", "Disk operations", "request/s", window, perDevice([["read", "disk.device.read.requests.rate"], ["write", "disk.device.write.requests.rate"]])),
      fillChart("throughput", "Disk throughput", "B/s", window, perDevice([["read", "disk.device.read.bytes.rate"], ["write", "disk.device.write.bytes.rate"]])),
      fillChart("latency", "Disk latency per operation", "ms", window, latency),
      fillChart("net", "Network throughput", "B/s", window, perDevice([["in", "network.incoming.bytes.rate"], ["out", "network.outgoing.bytes.rate"]])),
      fillChart("packets", "Network packets", "packet/s", window, perDevice([["in", "network.incoming.packets.rate"], ["out", "network.outgoing.packets.rate"]])),
      fillChart("errors", "Network errors and drops", "packet", window, counted([["in errors", "network.incoming.packets.error"], ["out errors", "network.outgoing.packets.error"], ["in drops", "network.incoming.packets.drop"], ["out drops", "network.outgoing.packets.drop"]])),
      fillChart("vmm", "Hypervisor overhead", "KB", window, () => series("vmm.memory.overhead", window, { filters: { resource: `${id}-vmm` }, label: "memory beyond guest RAM" }), "No hypervisor process measured for this VM in this range."),
    ]).then(guard),
  };
};

views.events = async () => {
  if (app.scope.scope !== "admin") return `<h1>Events</h1><p class="panel">Events belong to hosts, not projects: sign in with the admin token to see them.</p>`;
  const window = timeWindow();
  const { params } = route();
  const query = new URLSearchParams({ limit: "500", since: iso(window.start) });
  for (const key of ["level", "host", "type"]) if (params.get(key)) query.set(key, params.get(key));
  const events = await api(`/api/v1/events?${query}`);
  return {
    html: `<h1>Events</h1><p class="sub">${events.length} event${events.length === 1 ? "" : "s"} in this range, newest first${events.length === 500 ? " (the newest 500)" : ""}.</p>
      <form class="filters" id="event-filters"><label>Level <select name="level"><option value="">any</option>${["info", "error", "fatal"].map((l) => `<option ${params.get("level") === l ? "selected" : ""}>${l}</option>`).join("")}</select></label>
      <label>Host <input name="host" value="${esc(params.get("host") || "")}"></label><label>Type <input name="type" value="${esc(params.get("type") || "")}" placeholder="e.g. vmm.memory.limit"></label>
      <button type="submit">Filter</button></form>${panel("Events", eventsTable(events, true))}`,
    after: () => {
      $("#event-filters").addEventListener("submit", (event) => {
        event.preventDefault();
        const data = new FormData(event.target);
        setParams({ level: data.get("level"), host: data.get("host").trim(), type: data.get("type").trim() });
      });
    },
  };
};

function ruleText(alarm) {
  const r = alarm.threshold_rule;
  if (r) {
    const ops = { lt: "<", le: "≤", eq: "=", ne: "≠", ge: "≥", gt: ">" };
    const on = (r.query || []).map((q) => `${q.field}=${q.value}`).join(", ");
    return `${r.statistic}(${r.meter_name}) ${ops[r.comparison_operator] || r.comparison_operator} ${r.threshold} over ${r.evaluation_periods}×${r.period} s${on ? ` where ${on}` : ""}`;
  }
  if (alarm.event_rule) return `event ${alarm.event_rule.event_type}`;
  return alarm.type;
}

function alarmsTable(alarms) {
  return `<div class="table-wrap"><table class="alarms"><thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Since</th><th scope="col">Enabled</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${alarms.map((a) => `
    <tr data-alarm="${esc(a.alarm_id)}"><td>${esc(a.name)}</td><td>${stateCell(a.state)}</td><td>${esc(a.severity)}</td><td class="wrap">${esc(ruleText(a))}</td><td>${esc(a.state_timestamp ? ago(Date.parse(a.state_timestamp.endsWith("Z") ? a.state_timestamp : a.state_timestamp + "Z")) : "–")}</td><td>${a.enabled ? "yes" : "no"}</td>
    <td><button type="button" data-act="history">History</button> <button type="button" data-act="toggle">${a.enabled ? "Disable" : "Enable"}</button> <button type="button" class="danger" data-act="delete">Delete</button></td></tr>`).join("")}</tbody></table></div>`;
}

views.alarms = async () => {
  const alarms = await api("/v2/alarms");
  alarms.sort((a, b) => ({ alarm: 0, "insufficient data": 1, ok: 2 }[a.state] - { alarm: 0, "insufficient data": 1, ok: 2 }[b.state]) || a.name.localeCompare(b.name));
  const { params } = route();
  const meters = ["cpu_util", "memory.usage", "hardware.cpu.util", "hardware.memory.used", "disk.device.read.bytes.rate", "network.incoming.bytes.rate", "vmm.memory.overhead"];
  const form = `<form class="inline" id="alarm-form" aria-describedby="alarm-form-result">
    <label>Name <input name="name" required maxlength="255"></label>
    <label>Meter <input name="meter" required list="meter-names" value="cpu_util"><datalist id="meter-names">${meters.map((n) => `<option value="${n}">`).join("")}</datalist></label>
    <label>Statistic <select name="statistic">${["avg", "max", "min", "sum", "count"].map((s) => `<option>${s}</option>`).join("")}</select></label>
    <label>Comparison <select name="comparison">${[["gt", ">"], ["ge", "≥"], ["lt", "<"], ["le", "≤"], ["eq", "="], ["ne", "≠"]].map(([v, t]) => `<option value="${v}">${t}</option>`).join("")}</select></label>
    <label>Threshold <input name="threshold" type="number" step="any" required value="90"></label>
    <label>Period (s) <input name="period" type="number" min="1" step="1" required value="60"></label>
    <label>Periods <input name="periods" type="number" min="1" step="1" required value="1"></label>
    <label>Resource id (optional) <input name="resource" value="${esc(params.get("resource") || "")}"></label>
    <label>Severity <select name="severity"><option>low</option><option selected>moderate</option><option>critical</option></select></label>
    <label>Webhook on alarm (optional) <input name="action" type="url" placeholder="http://…"></label>
    <button type="submit" class="primary">Create alarm</button></form><p id="alarm-form-result" role="status"></p>`;
  return {
    html: `<h1>Alarms</h1><p class="sub">${alarmSummary(alarms)}. Evaluated as samples arrive (Aodh's API at /v2/alarms).</p>
      ${panel("Alarms", alarms.length === 0 ? `<p class="empty">No alarms yet: create one below or with <code>virtmon alarm create</code>.</p>` : alarmsTable(alarms))}
      <div id="alarm-history"></div>
      ${panel("New threshold alarm", form)}`,
    after: () => {
      $("#alarm-form").addEventListener("submit", async (event) => {
        event.preventDefault();
        const data = new FormData(event.target);
        const query = data.get("resource").trim() ? [{ field: "resource_id", op: "eq", value: data.get("resource").trim() }] : [];
        const body = {
          name: data.get("name").trim(), type: "threshold", severity: data.get("severity"),
          alarm_actions: data.get("action").trim() ? [data.get("action").trim()] : [],
          threshold_rule: { meter_name: data.get("meter").trim(), statistic: data.get("statistic"), comparison_operator: data.get("comparison"), threshold: Number(data.get("threshold")), period: Number(data.get("period")), evaluation_periods: Number(data.get("periods")), query },
        };
        try {
          await api("/v2/alarms", { method: "POST", body });
          refresh();
        } catch (error) {
          if (error.kind === "token") return signedOut(error.message);
          $("#alarm-form-result").innerHTML = `<span class="error">${esc(error.message)}</span>`;
        }
      });
      bindAlarmButtons();
    },
  };
};

function bindAlarmButtons() {
  for (const button of document.querySelectorAll("table.alarms button")) {
    button.addEventListener("click", async () => {
      const id = button.closest("tr").dataset.alarm;
      try {
        if (button.dataset.act === "history") {
          const history = await api(`/v2/alarms/${encodeURIComponent(id)}/history`);
          const target = $("#alarm-history") || button.closest("section");
          target.innerHTML = panel("History", history.length === 0 ? `<p class="empty">No changes recorded.</p>` : `<table><thead><tr><th scope="col">Time</th><th scope="col">Change</th><th scope="col">Detail</th></tr></thead><tbody>${history.map((h) => `<tr><td>${esc(new Date(Date.parse(h.timestamp.endsWith("Z") ? h.timestamp : h.timestamp + "Z")).toLocaleString())}</td><td>${esc(h.type)}</td><td>${esc(h.detail)}</td></tr>`).join("")}</tbody></table>`);
        } else if (button.dataset.act === "toggle") {
          const alarm = await api(`/v2/alarms/${encodeURIComponent(id)}`);
          alarm.enabled = !alarm.enabled;
          await api(`/v2/alarms/${encodeURIComponent(id)}`, { method: "PUT", body: alarm });
          refresh();
        } else if (button.dataset.act === "delete") {
          // Two steps instead of a dialog: the first press asks, the second deletes.
          if (button.dataset.armed !== "yes") { button.dataset.armed = "yes"; button.textContent = "Confirm delete"; return; }
          await api(`/v2/alarms/${encodeURIComponent(id)}`, { method: "DELETE" });
          refresh();
        }
      } catch (error) {
        if (error.kind === "token") return signedOut(error.message);
        banner(error.message);
      }
    });
  }
}

// ---- sign-in ---------------------------------------------------------------------------------------------
function signInPage(reason) {
  $("#top").hidden = true;
  document.body.dataset.view = "signin";
  $("#main").innerHTML = `<section class="panel signin" aria-labelledby="signin-h"><h1 id="signin-h">Sign in to virtmon</h1>
    ${reason ? `<p class="error" role="alert" id="signin-error">${esc(reason)}</p>` : ""}
    <p class="muted">Paste the admin token (<code>virtmon up</code> prints it; it is in the data directory's <code>admin-token</code>) or a project's token. It is kept for this browser tab only.</p>
    <form id="signin"><label for="token">Token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
    <button type="submit" class="primary">Sign in</button></form></section>`;
  $("#signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    app.token = $("#token").value.trim();
    try {
      app.scope = await api("/api/v1/whoami");
      sessionStorage.setItem(TOKEN_KEY, app.token);
      if (!location.hash || location.hash === "#/signin") location.hash = "#/overview"; else refresh();
    } catch (error) {
      app.token = null;
      signInPage(error.kind === "token" ? `The collector refused this token (${error.message}).` : error.message);
    }
  });
  $("#token").focus();
  document.body.dataset.state = "ready";
}

function signedOut(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  app.token = null;
  app.scope = null;
  stopTimer();
  signInPage(reason);
}

// ---- rendering, controls and refresh -------------------------------------------------------------------
function syncControls() {
  const { view, params } = route();
  const range = params.get("range") || "6h";
  $("#range").value = RANGES[range] || range === "custom" ? range : "6h";
  $("#custom-range").hidden = range !== "custom";
  if (range === "custom") {
    const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
    const w = timeWindow();
    if (params.get("from")) $("#range-from").value = local(Date.parse(params.get("from")));
    else $("#range-from").value = local(w.start);
    if (params.get("to")) $("#range-to").value = local(Date.parse(params.get("to")));
    else $("#range-to").value = local(Date.now());
  }
  for (const radio of document.querySelectorAll('input[name="agg"]')) radio.checked = radio.value === (params.get("agg") === "max" ? "max" : "avg");
  $("#refresh").value = ["10", "30", "60"].includes(params.get("refresh")) ? params.get("refresh") : "0";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === view || (view === "host" && a.dataset.view === "overview") || (view === "vm" && a.dataset.view === "vms")) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
    if ("admin" in a.dataset) a.hidden = app.scope?.scope !== "admin";
  }
  $("#who").textContent = app.scope?.scope === "admin" ? "admin" : `project ${app.scope?.project_id ?? ""}`;
}

async function render({ quiet = false } = {}) {
  const generation = ++app.generation;
  const isLatest = () => generation === app.generation;
  if (!app.token) return signInPage(null);
  try {
    if (!app.scope) app.scope = await api("/api/v1/whoami");
  } catch (error) {
    if (error.kind === "token") return signedOut(`The collector refused the saved token (${error.message}).`);
    document.body.dataset.state = "error";
    banner(error.message);
    $("#main").innerHTML = `<p class="panel error">${esc(error.message)}</p>`;
    return;
  }
  $("#top").hidden = false;
  syncControls();
  const { view, arg } = route();
  const handler = views[view];
  document.body.dataset.view = view;
  document.body.dataset.state = "loading";
  if (!quiet) $("#main").innerHTML = `<p class="empty">Loading…</p>`;
  document.title = `virtmon · ${view === "host" || view === "vm" ? arg : view}`;
  try {
    if (!handler) { $("#main").innerHTML = `<p class="panel">No view “${esc(view)}”. <a href="#/overview">Overview</a>.</p>`; document.body.dataset.state = "ready"; return; }
    const result = await handler(arg);
    if (!isLatest()) return;
    banner(null);
    const page = typeof result === "string" ? { html: result } : result;
    $("#main").innerHTML = page.html;
    if (page.after) await page.after(() => {});
    if (!isLatest()) return;
    document.body.dataset.state = "ready";
    document.body.dataset.rendered = String(Date.now());
    performance.mark(`virtmon-ready-${generation}`);
  } catch (error) {
    if (!isLatest()) return;
    if (error.kind === "token") return signedOut(`The collector refused the token (${error.message}).`);
    document.body.dataset.state = "error";
    banner(error.message);
    if (!quiet) $("#main").innerHTML = `<p class="panel error">${esc(error.message)}</p>`;
  }
}

function refresh() { render({ quiet: true }); }

function stopTimer() { if (app.timer) { clearInterval(app.timer); app.timer = null; } }

/** Auto-refresh at the URL's interval, and only while the tab is visible. */
function schedule() {
  stopTimer();
  const seconds = Number(route().params.get("refresh") || 0);
  if (seconds > 0 && !document.hidden && app.token) app.timer = setInterval(refresh, seconds * 1000);
}

function wireControls() {
  $("#range").addEventListener("change", (event) => {
    if (event.target.value === "custom") { $("#custom-range").hidden = false; return; }
    setParams({ range: event.target.value, from: null, to: null });
  });
  $("#apply-range").addEventListener("click", () => {
    const from = Date.parse($("#range-from").value), to = Date.parse($("#range-to").value);
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) { banner("The custom range needs a start before its end."); return; }
    setParams({ range: "custom", from: iso(from), to: iso(to) });
  });
  for (const radio of document.querySelectorAll('input[name="agg"]')) radio.addEventListener("change", () => setParams({ agg: radio.value === "max" ? "max" : null }));
  $("#refresh").addEventListener("change", (event) => setParams({ refresh: event.target.value === "0" ? null : event.target.value }));
  $("#controls").addEventListener("submit", (event) => event.preventDefault());
  $("#sign-out").addEventListener("click", () => signedOut(null));
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stopTimer(); else { if (Number(route().params.get("refresh") || 0) > 0) refresh(); schedule(); }
  });
  window.addEventListener("hashchange", () => { render(); schedule(); });
}

document.addEventListener("DOMContentLoaded", () => {
  wireControls();
  if (!location.hash) history.replaceState(null, "", "#/overview");
  render();
  schedule();
});
