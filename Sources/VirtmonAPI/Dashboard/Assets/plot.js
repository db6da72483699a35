// virtmon's chart renderer: time series as lines on a canvas, a legend with latest/average/peak, and a
// tooltip with exact values at the hovered (or keyboard-selected) time. One canvas per chart and one path
// per series keep 200 series of a day's points smooth without a charting library.
"use strict";

const Plot = (() => {
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const palette = () => Array.from({ length: 10 }, (_, i) => css(`--series-${i}`));

  // Value formatting by unit: bytes-like units scale in powers of 1024, the rest keep their unit.
  const scales = { B: 1, KB: 1024, MB: 1024 * 1024 };
  function format(value, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const rate = unit.endsWith("/s");
    const base = rate ? unit.slice(0, -2) : unit;
    if (base in scales) {
      let bytes = value * scales[base];
      const names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
      let i = 0;
      while (Math.abs(bytes) >= 1024 && i < names.length - 1) { bytes /= 1024; i += 1; }
      return `${bytes.toFixed(Math.abs(bytes) >= 100 || i === 0 ? 0 : 1)} ${names[i]}${rate ? "/s" : ""}`;
    }
    if (unit === "%") return `${value.toFixed(1)} %`;
    const abs = Math.abs(value);
    const text = abs >= 1e6 ? `${(value / 1e6).toFixed(2)} M` : abs >= 1e4 ? `${(value / 1e3).toFixed(1)} k`
      : abs >= 100 ? value.toFixed(0) : abs >= 1 ? String(Number(value.toFixed(abs >= 10 ? 1 : 2))) : value === 0 ? "0" : value.toPrecision(2);
    return unit ? `${text} ${unit}` : text;
  }

  function niceStep(span, ticks) {
    const raw = span / ticks;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const fraction = raw / power;
    return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  }

  function timeLabel(ms, spanMs) {
    const d = new Date(ms);
    const two = (n) => String(n).padStart(2, "0");
    if (spanMs <= 36 * 3600e3) return `${two(d.getHours())}:${two(d.getMinutes())}`;
    return `${d.getMonth() + 1}/${d.getDate()} ${two(d.getHours())}h`;
  }

  /**
   * Draws `series` ([{name, points: [[ms, value], ...]}], points in time order) into `container`.
   * options: title, unit, start and end (ms, the x range), period (ms, a longer gap breaks the line).
   */
  function render(container, series, options) {
    container.textContent = "";
    container.classList.add("plot");
    const unit = options.unit || "";
    const drawn = series.filter((s) => s.points.length > 0);
    if (drawn.length === 0) {
      const empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = options.emptyText || "No data in this range yet.";
      container.append(empty);
      return;
    }
    const canvas = document.createElement("canvas");
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "img");
    const tip = document.createElement("div");
    tip.className = "tip";
    tip.hidden = true;
    tip.setAttribute("aria-live", "polite");
    const legend = document.createElement("ul");
    legend.className = "legend";
    container.append(canvas, tip, legend);

    const colors = palette();
    const times = [...new Set(drawn.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    let low = Infinity, high = -Infinity;
    for (const s of drawn) for (const [, v] of s.points) { if (v < low) low = v; if (v > high) high = v; }
    low = Math.min(0, low);
    if (unit === "%" && high <= 100) high = Math.max(high, 10);
    if (high <= low) high = low + 1;
    const step = niceStep(high - low, 4);
    high = Math.ceil(high / step) * step;
    const start = options.start ?? times[0], end = options.end ?? times[times.length - 1];
    const gap = (options.period || 0) * 2.5;

    const summaries = drawn.map((s, i) => {
      const values = s.points.map((p) => p[1]);
      const latest = values[values.length - 1];
      const average = values.reduce((a, b) => a + b, 0) / values.length;
      const peak = Math.max(...values);
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colors[i % colors.length];
      li.append(swatch, `${s.name}: ${format(latest, unit)} (avg ${format(average, unit)}, max ${format(peak, unit)})`);
      legend.append(li);
      return `${s.name} latest ${format(latest, unit)}`;
    });
    canvas.setAttribute("aria-label", `${options.title || "chart"}: ${summaries.join("; ")}`);

    let hover = null;
    function draw() {
      const ratio = window.devicePixelRatio || 1;
      const width = canvas.clientWidth, height = canvas.clientHeight;
      if (width === 0) return;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      const g = canvas.getContext("2d");
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, width, height);
      g.font = "11px system-ui, sans-serif";
      const ticks = [];
      for (let v = low; v <= high + step / 2; v += step) ticks.push(v);
      const left = Math.max(...ticks.map((v) => g.measureText(format(v, unit)).width)) + 10;
      const right = 8, top = 8, bottom = 20;
      const x = (t) => left + ((t - start) / Math.max(1, end - start)) * (width - left - right);
      const y = (v) => top + (1 - (v - low) / (high - low)) * (height - top - bottom);
      g.strokeStyle = css("--line");
      g.fillStyle = css("--muted");
      g.lineWidth = 1;
      g.textAlign = "right";
      g.textBaseline = "middle";
      for (const v of ticks) {
        g.beginPath(); g.moveTo(left, Math.round(y(v)) + 0.5); g.lineTo(width - right, Math.round(y(v)) + 0.5); g.stroke();
        g.fillText(format(v, unit), left - 6, y(v));
      }
      g.textAlign = "center";
      g.textBaseline = "top";
      // Time labels on round local times (every 5 min, 1 h, 6 h, a day…), as many as fit.
      const fit = Math.max(2, Math.floor((width - left) / 90));
      const minute = 60e3;
      const spacing = [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * minute)
        .find((m) => (end - start) / m <= fit) || 10080 * minute;
      const offset = new Date(start).getTimezoneOffset() * minute;
      for (let t = Math.ceil((start - offset) / spacing) * spacing + offset; t <= end; t += spacing) {
        g.fillText(timeLabel(t, end - start), Math.min(width - 20, Math.max(left + 14, x(t))), height - bottom + 5);
      }
      g.lineWidth = 1.6;
      g.lineJoin = "round";
      drawn.forEach((s, i) => {
        g.strokeStyle = colors[i % colors.length];
        g.beginPath();
        let previous = null;
        for (const [t, v] of s.points) {
          if (previous === null || (gap > 0 && t - previous > gap)) g.moveTo(x(t), y(v)); else g.lineTo(x(t), y(v));
          previous = t;
        }
        if (s.points.length === 1) g.arc(x(s.points[0][0]), y(s.points[0][1]), 2, 0, Math.PI * 2);
        g.stroke();
      });
      if (hover !== null) {
        const t = times[hover];
        g.strokeStyle = css("--muted");
        g.lineWidth = 1;
        g.beginPath(); g.moveTo(Math.round(x(t)) + 0.5, top); g.lineTo(Math.round(x(t)) + 0.5, height - bottom); g.stroke();
        showTip(t, x(t), width);
      }
    }

    function valueAt(s, t) {
      // Binary search: the series' point at exactly t, if it has one.
      let lo = 0, hi = s.points.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (s.points[mid][0] === t) return s.points[mid][1];
        if (s.points[mid][0] < t) lo = mid + 1; else hi = mid - 1;
      }
      return null;
    }

    function showTip(t, px, width) {
      tip.textContent = "";
      const when = document.createElement("b");
      when.textContent = new Date(t).toLocaleString();
      tip.append(when);
      const rows = drawn.map((s, i) => [s, i, valueAt(s, t)]).filter((r) => r[2] !== null)
        .sort((a, b) => b[2] - a[2]).slice(0, 12);
      for (const [s, i, v] of rows) {
        const line = document.createElement("div");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = colors[i % colors.length];
        line.append(swatch, ` ${s.name}: ${format(v, unit)}`);
        tip.append(line);
      }
      tip.hidden = false;
      const tipWidth = tip.offsetWidth;
      tip.style.left = `${px + 12 + tipWidth > width ? Math.max(0, px - 12 - tipWidth) : px + 12}px`;
      tip.style.top = "4px";
    }

    function nearest(clientX) {
      const rect = canvas.getBoundingClientRect();
      const fraction = (clientX - rect.left) / rect.width;
      const t = start + fraction * (end - start);
      let best = 0;
      for (let i = 1; i < times.length; i += 1) if (Math.abs(times[i] - t) < Math.abs(times[best] - t)) best = i;
      return best;
    }

    canvas.addEventListener("mousemove", (event) => { hover = nearest(event.clientX); draw(); });
    canvas.addEventListener("mouseleave", () => { hover = null; tip.hidden = true; draw(); });
    canvas.addEventListener("blur", () => { hover = null; tip.hidden = true; draw(); });
    canvas.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      event.preventDefault();
      const move = event.key === "ArrowLeft" ? -1 : 1;
      hover = hover === null ? times.length - 1 : Math.min(times.length - 1, Math.max(0, hover + move));
      draw();
    });
    new ResizeObserver(() => draw()).observe(canvas);
    draw();
  }

  return { render, format };
})();
