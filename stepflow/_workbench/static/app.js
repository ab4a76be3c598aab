// The stepflow Workbench: one ES module, no framework, no build step.
// Every page under /_stepflow/ (and /docs) is drawn here from the JSON API; routing is
// on location.pathname, and one EventSource feeds live spans and log records to
// whichever view is showing. The DOM is built with createElement/textContent only:
// ids, inputs and errors from the server may hold anything.

const BASE = "/_stepflow";
const API = `${BASE}/api`;
const PARAM = /\{([^}:/]+)(?::([^}/]+))?\}/g;
const PAGE = 50;

// -- DOM helpers ------------------------------------------------------------------------

const PROPS = new Set(["value", "checked", "disabled", "selected", "open", "hidden"]);

function setProps(el, props) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "testid") el.setAttribute("data-testid", value);
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (PROPS.has(key) && !(el instanceof SVGElement)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  return append(el, children);
}

function s(tag, props, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setProps(el, props);
  return append(el, children);
}

const link = (href, text, props = {}) => h("a", { href, ...props }, text);
const badge = (text, kind, props = {}) => h("span", { class: `badge ${kind}`, ...props }, text);
const mono = (text, props = {}) => h("code", props, text);
const cut = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

function pre(value, props = {}) {
  const text = typeof value === "string" ? pretty(value) : JSON.stringify(value, null, 2);
  return h("pre", { class: "code", ...props }, text ?? "null");
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // capped or not JSON: as stored
  }
}

function fmtTime(epoch) {
  if (epoch === null || epoch === undefined) return "";
  const d = new Date(epoch * 1000);
  const time = `${d.toLocaleTimeString("en-GB", { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`;
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString("en-CA")} ${time}`;
}

function fmtDuration(sec) {
  if (sec === null || sec === undefined) return "—";
  if (sec < 0.001) return `${(sec * 1000).toFixed(2)} ms`;
  if (sec < 1) return `${(sec * 1000).toFixed(1)} ms`;
  if (sec < 60) return `${sec.toFixed(2)} s`;
  return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
}

const STATUS_TEXT = { dead_letter: "dead letter" };
const statusBadge = (status, props = {}) => badge(STATUS_TEXT[status] ?? status, `status-${status}`, props);

function table(headings, body, props = {}) {
  return h("table", { class: "grid", ...props }, h("thead", {}, h("tr", {}, headings.map((x) => h("th", {}, x)))), body);
}

function definitions(pairs) {
  const shown = pairs.filter(([, v]) => v !== null && v !== undefined && v !== "");
  return h("dl", { class: "defs" }, shown.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

// Items as code, comma-separated ("none" when there are none).
function codes(items) {
  return items.length ? items.flatMap((x, i) => [i ? ", " : "", mono(x)]) : "none";
}

function traceLink(traceId, props = {}) {
  const href = `${BASE}/traces/${encodeURIComponent(traceId)}`;
  return link(href, cut(traceId, 12), { class: "mono", title: traceId, testid: "trace-link", ...props });
}

// -- the API ----------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) {
    super(detailText(detail));
    this.status = status;
  }
}

// An error's detail in words: validation errors one a line ("level: Input should be …").
function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (!Array.isArray(detail) || !detail.every((e) => Array.isArray(e?.loc) && typeof e.msg === "string")) return JSON.stringify(detail);
  return detail.map(({ loc: [where, ...field], msg }) => `${field.join(".") || where}: ${msg}`).join("\n");
}

// The key this tab was opened with (?key=), kept for the tab's session. The server also
// keeps it in a cookie, which scripts cannot read and which every tab of this browser
// sends: it covers /_stepflow/api/, and the API steps when a request form asks for it
// with SESSION_HEADER (then the form needs no key typed, in a tab opened later too).
const KEY_STORE = "stepflow-key";
const SESSION_HEADER = "x-stepflow-session";
let apiKey = null;
// GET /_stepflow/api/session, once: {api_key, cookie} (is a key needed, does the cookie
// hold it), or null when it could not be loaded.
let session = Promise.resolve(null);

async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: apiKey ? { "x-api-key": apiKey } : {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, `cannot reach the server (${error.message})`);
  }
  const text = await response.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_STORE); // not the key (any more)
    askForKey(data?.detail);
  }
  if (!response.ok) {
    const detail = data && typeof data === "object" && "detail" in data ? data.detail : text || response.statusText;
    throw new ApiError(response.status, detail);
  }
  return data;
}

const query = (params) => {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) out.set(k, String(v));
  return out.toString();
};

// An error in words, with its HTTP status when it has one ("500: internal error").
function errorText(error) {
  const status = error instanceof ApiError && error.status ? `${error.status}: ` : "";
  return `${status}${error.message ?? error}`;
}

function errorBox(error) {
  return h("div", { class: "error", role: "alert", testid: "error" }, errorText(error));
}

function askForKey(detail) {
  if (document.querySelector(".overlay")) return;
  const input = h("input", { type: "password", name: "key", required: true, autocomplete: "current-password", testid: "key-input" });
  const form = h("form", { class: "key-form panel", testid: "key-form" },
    h("h2", {}, "API key required"),
    h("p", { class: "muted" }, detail ? String(detail) : "This server needs its API key."),
    h("label", {}, "API key ", input),
    h("button", { type: "submit", testid: "key-submit" }, "Open the Workbench"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set("key", input.value);
    location.assign(url.toString()); // the server answers with a same-site cookie
  });
  document.body.append(h("div", { class: "overlay" }, form));
  input.focus();
}

// -- views, routing, live updates ---------------------------------------------------------

class View {
  constructor(main, params, search) {
    this.params = params;
    this.query = search;
    this.alive = true;
    this.live = {}; // span(span), log(record), ready(): what this view does with live events
    this.stops = [];
    this.banner = h("div", { class: "banner" });
    this.root = h("div", { class: "view" });
    main.replaceChildren(this.banner, this.root);
  }
  stop() {
    this.alive = false;
    this.stops.forEach((fn) => fn());
  }
  every(ms, fn) {
    const timer = setInterval(() => fn().then(() => this.ok(), (e) => this.fail(e)), ms);
    this.stops.push(() => clearInterval(timer));
  }
  fail(error) {
    if (this.alive) this.banner.replaceChildren(errorBox(error));
  }
  ok() {
    if (this.alive) this.banner.replaceChildren();
  }
  // A function that runs `fn` once, `ms` after its first call since the last run: many
  // live events make one reload. Runs never overlap; a call during a run runs it again.
  coalesce(fn, ms = 300) {
    let timer = null;
    let running = false;
    let again = false;
    const run = async () => {
      timer = null;
      if (running) return void (again = true);
      running = true;
      try {
        await fn();
        this.ok();
      } catch (error) {
        this.fail(error);
      } finally {
        running = false;
        if (again) {
          again = false;
          trigger();
        }
      }
    };
    const trigger = () => {
      if (this.alive && timer === null) timer = setTimeout(run, ms);
    };
    this.stops.push(() => clearTimeout(timer));
    return trigger;
  }
  // Change the address bar's query string to match the view's filters (no new render).
  setQuery(params) {
    const search = query(params);
    history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
  }
}

const ROUTES = [
  [/^\/_stepflow\/?$/, viewGraph, "graph"],
  [/^\/_stepflow\/endpoints\/?$/, viewEndpoints, "endpoints"],
  [/^\/_stepflow\/traces\/?$/, viewTraces, "traces"],
  [/^\/_stepflow\/traces\/([^/]+)\/?$/, viewTrace, "traces"],
  [/^\/_stepflow\/logs\/?$/, viewLogs, "logs"],
  [/^\/_stepflow\/dead-letters\/?$/, viewDeadLetters, "dead-letters"],
  [/^\/_stepflow\/state\/?$/, viewState, "state"],
  [/^\/docs\/?$/, viewDocs, "docs"],
];
let current = null;

function route(pathname) {
  for (const [pattern, view, section] of ROUTES) {
    const found = pattern.exec(pathname);
    if (found) return { view, section, params: found.slice(1).map(decodeURIComponent) };
  }
  return null;
}

async function render() {
  current?.stop();
  const found = route(location.pathname);
  const view = new View(document.getElementById("app"), found?.params ?? [], new URLSearchParams(location.search));
  current = view;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.section === found?.section);
  if (!found) return view.fail(new Error(`no Workbench page at ${location.pathname}`));
  try {
    await found.view(view);
  } catch (error) {
    view.fail(error);
  }
}

function go(href) {
  history.pushState(null, "", href);
  render();
  window.scrollTo(0, 0);
}

document.addEventListener("click", (event) => {
  const a = event.target.closest?.("a[href]");
  if (!a || a.target || a.origin !== location.origin || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || !route(a.pathname)) return;
  event.preventDefault();
  go(a.pathname + a.search + a.hash);
});
window.addEventListener("popstate", render);

function connectLive() {
  const indicator = document.getElementById("live");
  const state = (value, title) => {
    indicator.dataset.state = value;
    indicator.title = title;
  };
  const events = new EventSource(`${API}/events`);
  const dispatch = (kind) => (message) => {
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    current?.live[kind]?.(data);
  };
  // `ready` comes once the stream knows where it starts: a view reloads then, so nothing
  // written between its first load and the stream's start goes missing.
  events.addEventListener("ready", () => {
    state("ready", "Live: new spans and logs appear as they happen");
    current?.live.ready?.();
  });
  events.addEventListener("span", dispatch("span"));
  events.addEventListener("log", dispatch("log"));
  events.addEventListener("error", () => {
    state("down", "Live updates disconnected: reconnecting…");
    if (events.readyState === EventSource.CLOSED) setTimeout(connectLive, 5000);
  });
}

async function showProject() {
  try {
    const p = await api(`${API}/project`);
    const el = document.getElementById("project");
    el.replaceChildren(mono(p.root, { title: `project ${p.project_id}` }), h("span", {}, ` · ${p.steps} steps · ${p.bus} bus · `), mono(p.database));
  } catch {
    /* the view shows the error */
  }
}

function boot() {
  const url = new URL(location.href);
  if (url.searchParams.has("key")) {
    sessionStorage.setItem(KEY_STORE, url.searchParams.get("key")); // the server set its cookie with this page
    url.searchParams.delete("key");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  apiKey = sessionStorage.getItem(KEY_STORE);
  session = api(`${API}/session`).catch(() => null);
  render();
  showProject();
  connectLive();
}

// -- the flow graph: /_stepflow/ ------------------------------------------------------------

const NODE_W = 232;
const NODE_H = 92;
const TOPIC_H = 40;
const GAP_X = 176;
const GAP_Y = 30;
const PAD = 24;
const KIND_LABEL = { api: "API", event: "EVENT", cron: "CRON", topic: "TOPIC" };

// A layered left-to-right layout: a node's column is the longest path to it from a
// source, rows are ordered by the mean row of their neighbours (a few sweeps), and steps
// with no edge at all sit in a row of their own underneath.
function layoutGraph(steps, edges) {
  const nodes = new Map();
  steps.forEach((step, i) => nodes.set(step.name, { id: step.name, step, kind: step.kind, order: i, h: NODE_H, w: NODE_W }));
  const links = [];
  for (const edge of edges) {
    let to = edge.to;
    if (to === null) {
      to = `topic:${edge.topic}`; // emitted, but nobody subscribes
      if (!nodes.has(to)) nodes.set(to, { id: to, topic: edge.topic, kind: "topic", order: nodes.size, h: TOPIC_H, w: NODE_W });
    }
    if (nodes.has(edge.from)) links.push({ from: edge.from, to, topic: edge.topic });
  }
  const preds = new Map([...nodes.keys()].map((k) => [k, []]));
  const succs = new Map([...nodes.keys()].map((k) => [k, []]));
  for (const l of links) {
    if (l.from === l.to) continue;
    succs.get(l.from).push(l.to);
    preds.get(l.to).push(l.from);
  }
  const rank = new Map([...nodes.keys()].map((k) => [k, 0]));
  for (let round = 0; round < nodes.size; round++) {
    let changed = false; // bounded rounds: a cycle cannot loop forever
    for (const l of links) {
      const r = rank.get(l.from) + 1;
      if (l.from !== l.to && r > rank.get(l.to) && r < nodes.size) {
        rank.set(l.to, r);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const all = [...nodes.values()];
  const connected = all.filter((n) => preds.get(n.id).length || succs.get(n.id).length);
  const isolated = all.filter((n) => !connected.includes(n));
  const columns = [];
  for (const n of connected) (columns[rank.get(n.id)] ??= []).push(n);
  const cols = columns.filter(Boolean);
  const pos = new Map();
  const place = (col) => col.forEach((n, i) => pos.set(n.id, i - (col.length - 1) / 2));
  cols.forEach(place);
  const mean = (n, side) => {
    const near = side.get(n.id).filter((id) => pos.has(id));
    return near.length ? near.reduce((sum, id) => sum + pos.get(id), 0) / near.length : pos.get(n.id);
  };
  for (let pass = 0; pass < 4; pass++) {
    const forward = pass % 2 === 0;
    for (const col of forward ? cols.slice(1) : cols.slice(0, -1).reverse()) {
      const key = new Map(col.map((n) => [n, mean(n, forward ? preds : succs)]));
      col.sort((a, b) => key.get(a) - key.get(b) || a.order - b.order);
      place(col);
    }
  }
  const height = (col) => col.reduce((sum, n) => sum + n.h, 0) + GAP_Y * (col.length - 1);
  const tallest = Math.max(0, ...cols.map(height));
  cols.forEach((col, c) => {
    let y = PAD + (tallest - height(col)) / 2;
    for (const n of col) {
      Object.assign(n, { x: PAD + c * (NODE_W + GAP_X), y });
      y += n.h + GAP_Y;
    }
  });
  let width = Math.max(PAD * 2 + cols.length * (NODE_W + GAP_X) - GAP_X, 0);
  const perRow = Math.max(3, Math.floor((width - PAD * 2 + GAP_Y) / (NODE_W + GAP_Y)));
  const top = connected.length ? PAD + tallest + 56 : PAD + 20;
  isolated.forEach((n, i) => Object.assign(n, { x: PAD + (i % perRow) * (NODE_W + GAP_Y), y: top + Math.floor(i / perRow) * (NODE_H + GAP_Y) }));
  width = Math.max(width, PAD * 2 + Math.min(isolated.length, perRow) * (NODE_W + GAP_Y) - GAP_Y);
  const rows = Math.ceil(isolated.length / perRow);
  const full = isolated.length ? top + rows * (NODE_H + GAP_Y) - GAP_Y + PAD : PAD * 2 + tallest;
  return { nodes: all, links, width, height: full, isolatedTop: isolated.length ? top : null };
}

function edgeShape(a, b, k, n) {
  const x1 = a.x + a.w;
  const y1 = a.y + a.h / 2;
  const x2 = b.x;
  const y2 = b.y + b.h / 2;
  const offset = (k - (n - 1) / 2) * 20; // several topics between the same two steps
  if (x2 > x1) {
    const dx = (x2 - x1) / 2;
    return { d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`, x: (x1 + x2) / 2, y: (y1 + y2) / 2 + offset };
  }
  const sx = a.x + a.w * 0.65; // back to an earlier column (a cycle): a loop underneath
  const tx = b.x + b.w * 0.35;
  const low = Math.max(a.y + a.h, b.y + b.h) + 40 + Math.abs(offset);
  return { d: `M${sx},${a.y + a.h} C${sx},${low} ${tx},${low} ${tx},${b.y + b.h}`, x: (sx + tx) / 2, y: low - 10 };
}

// A topic in at most two lines, broken after a dot, so that long ones fit between columns.
function labelLines(topic) {
  if (topic.length <= 20) return [topic];
  const lines = [""];
  for (const part of topic.split(/(?<=\.)/)) {
    if (lines.at(-1) && (lines.at(-1) + part).length > 20) lines.push(part);
    else lines[lines.length - 1] += part;
  }
  return [cut(lines[0], 24), cut(lines.slice(1).join(""), 24)].filter(Boolean);
}

function statsText(stats) {
  const c = stats ?? {};
  const part = (label, value, cls) => s("tspan", { class: value ? cls : "" }, `${label} ${value ?? 0}`);
  return [part("queued", c.queued, "hot"), "  ", part("run", c.running, "hot"), "  ", part("ok", c.ok, "good"), "  ",
    part("fail", c.failed, "bad"), "  ", s("tspan", {}, `${c.per_second ?? 0}/s`)];
}

function graphSvg(layout, onSelect) {
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  const { width, height } = layout;
  const root = s("svg", { class: "graph", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "The flow graph" },
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }))));
  const pairs = new Map();
  for (const l of layout.links) pairs.set(`${l.from}\n${l.to}`, [...(pairs.get(`${l.from}\n${l.to}`) ?? []), l]);
  const labels = [];
  for (const group of pairs.values()) {
    group.forEach((l, k) => {
      const shape = edgeShape(byId.get(l.from), byId.get(l.to), k, group.length);
      root.append(s("path", { d: shape.d, class: "edge", "marker-end": "url(#arrow)" }));
      const lines = labelLines(l.topic);
      const w = Math.max(...lines.map((x) => x.length)) * 7.2 + 14;
      const tall = lines.length * 15 + 6;
      const at = `translate(${shape.x - w / 2},${shape.y - tall / 2})`;
      labels.push(s("g", { class: "edge-label", testid: "edge-label", "data-topic": l.topic, transform: at },
        s("title", {}, `${l.from} → ${l.topic} → ${l.to.replace(/^topic:/, "(no subscriber)")}`),
        s("rect", { width: w, height: tall, rx: 9 }),
        s("text", { y: 3, "text-anchor": "middle" }, lines.map((line) => s("tspan", { x: w / 2, dy: 15 }, line)))));
    });
  }
  if (layout.isolatedTop !== null) {
    root.append(s("text", { x: PAD, y: layout.isolatedTop - 14, class: "graph-note" }, "Steps with no events in or out"));
  }
  const counters = new Map();
  for (const n of layout.nodes) {
    const name = n.step?.name ?? n.topic;
    const g = s("g", { class: `node node-${n.kind}`, testid: n.step ? `node-${name}` : "topic-node", transform: `translate(${n.x},${n.y})`,
      tabindex: 0, role: "button", "aria-label": `${KIND_LABEL[n.kind]} ${name}` },
      s("title", {}, n.step ? `${name} (${n.step.kind}: ${n.step.trigger})` : `${name}: emitted, no subscriber`),
      s("rect", { class: "shape", width: n.w, height: n.h, rx: n.kind === "api" ? 22 : n.kind === "topic" ? 20 : 5 }));
    if (n.step) {
      const stats = s("text", { x: 14, y: 80, class: "node-stats", testid: `stats-${name}` });
      counters.set(name, stats);
      g.append(s("text", { x: 14, y: 20, class: "node-kind" }, KIND_LABEL[n.kind] ?? n.kind),
        s("text", { x: 14, y: 43, class: "node-name" }, cut(name, 24)),
        s("text", { x: 14, y: 62, class: "node-trigger" }, cut(n.step.trigger, 32)), stats);
      g.addEventListener("click", () => onSelect(name));
      g.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), onSelect(name)));
    } else {
      g.append(s("text", { x: 14, y: 25, class: "node-trigger" }, `${cut(name, 24)} (no subscriber)`));
    }
    root.append(g);
  }
  root.append(...labels); // on top of the edges and nodes
  return { root, counters };
}

function stepDetail(step, project) {
  const file = step.file && project?.root && step.file.startsWith(`${project.root}/`) ? step.file.slice(project.root.length + 1) : step.file;
  const facts = [
    definitions([
      ["Kind", step.kind], ["Trigger", mono(step.trigger)], ["Flows", step.flows.join(", ")],
      ["Emits", codes(step.emits)], ["Subscribes", step.kind === "event" ? codes(step.subscribes) : null],
      ["Concurrency", step.concurrency], ["Retries", step.retries],
      ["Timeout", step.timeout === null ? null : `${step.timeout} s`], ["Batch size", step.batch_size],
      ["Declared at", file ? mono(`${file}:${step.line}`, { title: step.file }) : null],
    ]),
    h("p", { class: "links" },
      step.kind === "api" ? link(`${BASE}/endpoints#endpoint-${encodeURIComponent(step.name)}`, "Send a request") : null,
      link(`${BASE}/traces?${query({ step: step.name })}`, "Traces through it"),
      link(`${BASE}/logs?${query({ step: step.name })}`, "Its logs")),
  ];
  return [
    h("h2", {}, step.name, " ", badge(KIND_LABEL[step.kind] ?? step.kind, `kind-${step.kind}`)),
    step.description ? h("p", {}, step.description) : null,
    h("div", { class: "detail-columns" }, h("div", {}, facts),
      h("div", {}, h("h3", {}, step.kind === "api" ? "Body schema" : "Input schema"),
        step.schema ? pre(step.schema, { testid: "step-schema" }) : h("p", { class: "muted" }, "none"))),
  ];
}

async function viewGraph(view) {
  const flows = await api(`${API}/flows`);
  const detail = h("aside", { class: "panel step-detail", testid: "step-detail" },
    h("p", { class: "muted" }, "Choose a step to see its declaration."));
  let nodes = new Map();
  const select = (name, push = true) => {
    const step = flows.steps.find((x) => x.name === name);
    if (!step) return;
    nodes.forEach((g, key) => g.classList.toggle("selected", key === name));
    fill(detail, stepDetail(step, flows.project));
    if (push) {
      view.setQuery({ step: name });
      detail.scrollIntoView({ block: "nearest" });
    }
  };
  const layout = layoutGraph(flows.steps, flows.edges);
  const { root, counters } = graphSvg(layout, select);
  nodes = new Map([...root.querySelectorAll("g.node[data-testid^='node-']")].map((g) => [g.dataset.testid.slice(5), g]));
  const legend = h("p", { class: "legend muted" }, badge("API", "kind-api"), " HTTP route  ", badge("EVENT", "kind-event"), " subscribes to topics  ",
    badge("CRON", "kind-cron"), " on a schedule  · edges are labelled by topic · counters cover the last 60 s");
  view.root.append(h("h1", {}, "Flows"), legend,
    h("div", { class: "panel graph-box" }, flows.steps.length ? root : h("p", { class: "muted" }, "No steps.")), detail);
  root.style.minWidth = `${Math.round(layout.width * 0.75)}px`; // scaled to fit, down to 3/4: then it scrolls
  const refresh = async () => {
    const stats = await api(`${API}/stats`);
    for (const [name, text] of counters) text.replaceChildren(...statsText(stats.steps[name]));
  };
  await refresh();
  view.every(2000, refresh);
  const soon = view.coalesce(refresh, 1000);
  view.live.span = soon;
  view.live.ready = soon;
  if (view.query.get("step")) select(view.query.get("step"), false);
}

// -- request forms: /_stepflow/endpoints and /docs -------------------------------------------

function resolveRef(ref, root) {
  if (!ref.startsWith("#/")) return {};
  let node = root;
  for (const part of ref.slice(2).split("/")) node = node?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  return node ?? {};
}

function exampleString(schema) {
  const formats = { "date-time": new Date().toISOString(), date: new Date().toISOString().slice(0, 10), time: "12:00:00", email: "user@example.com",
    uri: "https://example.com", url: "https://example.com", uuid: "00000000-0000-4000-8000-000000000000" };
  const min = schema.minLength ?? 0;
  let text = formats[schema.format] ?? "string";
  while (text.length < min) text += text;
  return text.slice(0, Math.max(min, Math.min(text.length, schema.maxLength ?? Infinity)));
}

function exampleNumber(schema, integer) {
  const step = integer ? 1 : 0.5;
  let value = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + step : 0);
  if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) {
    if (schema.maximum !== undefined) value = Math.min(value, schema.maximum);
    if (schema.exclusiveMaximum !== undefined) value = Math.min(value, schema.exclusiveMaximum - step);
  }
  if (schema.multipleOf) value = Math.ceil(value / schema.multipleOf) * schema.multipleOf;
  return integer ? Math.ceil(value) : value;
}

// A value that fits `schema`: its required properties, with type-appropriate placeholders.
function example(schema, root, depth = 0) {
  if (!schema || typeof schema !== "object" || depth > 12) return null;
  if (schema.$ref) return example(resolveRef(schema.$ref, root), root, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  for (const key of ["anyOf", "oneOf"]) {
    if (Array.isArray(schema[key]) && schema[key].length) {
      return example(schema[key].find((x) => x.type !== "null") ?? schema[key][0], root, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((x) => example(x, root, depth + 1));
    return parts.every((x) => x && typeof x === "object" && !Array.isArray(x)) ? Object.assign({}, ...parts) : parts[0] ?? null;
  }
  const implied = schema.properties ? "object" : schema.items ? "array" : null;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type ?? implied;
  if (type === "object") {
    const out = {};
    for (const name of schema.required ?? []) out[name] = example(schema.properties?.[name] ?? {}, root, depth + 1);
    return out;
  }
  if (type === "array") {
    const n = Math.min(Math.max(schema.minItems ?? 0, 1), schema.maxItems ?? Infinity);
    return Array.from({ length: n }, () => example(schema.items ?? {}, root, depth + 1));
  }
  if (type === "string") return exampleString(schema);
  if (type === "integer" || type === "number") return exampleNumber(schema, type === "integer");
  if (type === "boolean") return false;
  return null;
}

function requestForm({ method, path, schema, root }) {
  const params = [...path.matchAll(PARAM)].map(([, name, conv]) =>
    ({ name, conv, input: h("input", { name, required: true, placeholder: name, testid: `param-${name}` }) }));
  const search = h("input", { name: "query", placeholder: "a=1&b=2", testid: "query" });
  const initial = schema ? JSON.stringify(example(schema, root), null, 2) : "";
  const hasBody = schema || !["GET", "HEAD", "DELETE"].includes(method);
  const rows = Math.min(14, initial.split("\n").length + 1);
  const body = h("textarea", { name: "body", rows, spellcheck: "false", testid: "body", value: initial });
  const key = h("input", { type: "password", name: "x-api-key", placeholder: "only if the server has one", autocomplete: "off",
    testid: "api-key", value: apiKey ?? "" });
  const held = h("p", { class: "muted key-note", testid: "key-held", hidden: true },
    "This browser's session holds the API key: with none typed here, the request is sent with it.");
  session.then((s) => {
    if (!s?.cookie) return;
    held.hidden = false;
    key.placeholder = "held by this session";
  });
  const reset = h("button", { type: "button", class: "secondary", onclick: () => (body.value = initial) }, "Reset example");
  const result = h("div", { class: "response", testid: "response" });
  const send = h("button", { type: "submit", testid: "send" }, "Send");
  const form = h("form", { class: "request" },
    h("div", { class: "fields" },
      params.map((p) => h("label", {}, `${p.name} `, p.input)),
      h("label", {}, "query ", search), h("label", {}, "x-api-key ", key)),
    held,
    hasBody ? h("label", { class: "body-label" }, "JSON body", body) : null,
    h("div", { class: "actions" }, send, hasBody && schema ? reset : null),
    result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let url = path.replace(PARAM, (_, name, conv) => {
      const value = params.find((p) => p.name === name).input.value;
      return conv === "path" ? value.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(value);
    });
    if (search.value.trim()) url += `?${search.value.trim().replace(/^\?/, "")}`;
    const init = { method, headers: {} };
    if (key.value) init.headers["x-api-key"] = key.value;
    else if ((await session)?.cookie) init.headers[SESSION_HEADER] = "1"; // the cookie's key
    if (hasBody && body.value.trim()) {
      try {
        JSON.parse(body.value);
      } catch (error) {
        return result.replaceChildren(errorBox(new Error(`the body is not valid JSON: ${error.message}`)));
      }
      init.headers["content-type"] = "application/json";
      init.body = body.value;
    }
    send.disabled = true;
    result.replaceChildren(h("p", { class: "muted" }, `${method} ${url} …`));
    const started = performance.now();
    try {
      const response = await fetch(url, init);
      const text = await response.text();
      const traceId = response.headers.get("x-trace-id");
      const headers = [...response.headers.entries()];
      result.replaceChildren(
        h("div", { class: "status-line" },
          h("span", { class: `http-status http-${String(response.status)[0]}xx`, testid: "response-status" }, String(response.status)),
          h("span", {}, ` ${response.statusText} · ${Math.round(performance.now() - started)} ms`),
          traceId ? [" · x-trace-id ", mono(traceId, { testid: "response-trace-id" }), " ",
            link(`${BASE}/traces/${encodeURIComponent(traceId)}`, "Open its trace →", { testid: "trace-link" })] : null),
        h("details", {}, h("summary", {}, `Headers (${headers.length})`),
          table(["Header", "Value"], h("tbody", {}, headers.map(([k, v]) => h("tr", {}, h("td", {}, mono(k)), h("td", {}, v)))))),
        pre(text || "(empty body)", { testid: "response-body" }));
    } catch (error) {
      result.replaceChildren(errorBox(new Error(`the request failed: ${error.message}`)));
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

const methodBadge = (method) => badge(method, `method method-${method.toLowerCase()}`);

async function viewEndpoints(view) {
  const flows = await api(`${API}/flows`);
  const steps = flows.steps.filter((x) => x.kind === "api");
  view.root.append(h("h1", {}, "Endpoints"),
    h("p", { class: "muted" }, "Every API step, with a form that sends a real request to it. See also ", link("/docs", "the API docs"), "."));
  if (!steps.length) view.root.append(h("p", { class: "muted" }, "No API steps."));
  for (const step of steps) {
    view.root.append(h("section", { class: "panel endpoint", id: `endpoint-${step.name}`, testid: `endpoint-${step.name}` },
      h("h2", {}, methodBadge(step.method), " ", mono(step.path), " ", h("span", { class: "muted" }, step.name)),
      step.description ? h("p", {}, step.description) : null,
      step.emits.length ? h("p", { class: "muted" }, "emits ", codes(step.emits)) : null,
      requestForm({ method: step.method, path: step.path, schema: step.schema, root: step.schema })));
  }
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

async function viewDocs(view) {
  const doc = await api("/openapi.json");
  const refName = (schema) => (schema?.$ref ? schema.$ref.split("/").pop() : schema?.type ?? "");
  const expand = (schema, depth = 0) => {
    if (!schema || typeof schema !== "object" || depth > 6) return schema;
    if (schema.$ref) return expand(resolveRef(schema.$ref, doc), depth + 1);
    if (Array.isArray(schema)) return schema.map((x) => expand(x, depth + 1));
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, typeof v === "object" ? expand(v, depth + 1) : v]));
  };
  view.root.append(h("h1", {}, doc.info?.title ?? "API", " ", h("span", { class: "muted" }, doc.info?.version ?? "")),
    h("p", { class: "muted" }, "The operations of ", link("/openapi.json", "/openapi.json", { target: "_blank" }), ", each with a form to try it."));
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item).filter(([m]) => methods.includes(m))) {
      const upper = method.toUpperCase();
      const schema = op.requestBody?.content?.["application/json"]?.schema ?? null;
      const params = op.parameters ?? [];
      view.root.append(h("section", { class: "panel operation", testid: "operation", "data-operation-id": op.operationId ?? "" },
        h("h2", {}, methodBadge(upper), " ", mono(path, { testid: "operation-path" }), " ", h("span", { class: "muted" }, op.summary ?? "")),
        op.description ? h("p", {}, op.description) : null,
        definitions([["Operation", op.operationId ? mono(op.operationId) : null], ["Tags", (op.tags ?? []).join(", ")]]),
        params.length ? [h("h3", {}, "Parameters"), table(["Name", "In", "Required", "Type"], h("tbody", {}, params.map((p) =>
          h("tr", {}, h("td", {}, mono(p.name)), h("td", {}, p.in), h("td", {}, p.required ? "yes" : "no"), h("td", {}, refName(p.schema))))))] : null,
        schema ? [h("h3", {}, "Request body ", h("span", { class: "muted" }, `application/json · ${refName(schema)}`)), pre(expand(schema))] : null,
        h("h3", {}, "Responses"),
        table(["Status", "Meaning", "Body"], h("tbody", {}, Object.entries(op.responses ?? {}).sort(([a], [b]) => a.localeCompare(b))
          .map(([code, r]) =>
          h("tr", {}, h("td", {}, mono(code)), h("td", {}, r.description ?? ""), h("td", {}, refName(r.content?.["application/json"]?.schema)))))),
        h("details", { class: "try" }, h("summary", { testid: "try-it" }, "Try it"), requestForm({ method: upper, path, schema, root: doc }))));
    }
  }
}

// -- traces: /_stepflow/traces and /_stepflow/traces/{id} ---------------------------------

function clampInt(text, fallback, low, high) {
  const n = Number.parseInt(text ?? "", 10);
  return Number.isFinite(n) ? Math.min(Math.max(n, low), high) : fallback;
}

function pager(onMove) {
  const info = h("span", { class: "muted", testid: "pager-info" });
  const prev = h("button", { type: "button", class: "secondary", testid: "pager-prev", onclick: () => onMove(-1) }, "← Newer");
  const next = h("button", { type: "button", class: "secondary", testid: "pager-next", onclick: () => onMove(1) }, "Older →");
  const el = h("div", { class: "pager" }, prev, info, next);
  const update = (offset, shown, total) => {
    info.textContent = total ? `${offset + 1}–${offset + shown} of ${total}` : "none";
    prev.disabled = offset === 0;
    next.disabled = offset + shown >= total;
  };
  return { el, update };
}

// A page's place in the address: nothing for the first page and the usual size.
const pageQuery = (f) => ({ offset: f.offset || "", limit: f.limit === PAGE ? "" : f.limit });

// A page of rows from `fetchPage()` (which reads `f.offset` and `f.limit`). An offset past
// the last row (an old link, a page emptied by a replay) moves to the last page; `moved`
// is told, to write the offset back to the address.
async function pageWithin(f, fetchPage, moved) {
  const data = await fetchPage();
  if (data.items.length || f.offset === 0 || data.total === 0) return data;
  f.offset = Math.floor((data.total - 1) / f.limit) * f.limit;
  moved();
  return fetchPage();
}

// The steps' names for a filter, or `names: null` and the `error` when the list cannot be
// loaded: a view still opens, and a step in its address is taken as given.
async function stepNames() {
  try {
    return { names: (await api(`${API}/flows`)).steps.map((x) => x.name), error: null };
  } catch (error) {
    return { names: null, error };
  }
}

const selectOf = (name, options, value, testid) =>
  h("select", { name, testid }, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));

// Filters from the address, as the API takes them: a choice matched in any case (one not
// among `options` is dropped), a text cut to `max` characters; each change said in `notes`.
class AddressFilters {
  constructor(search) {
    this.search = search;
    this.notes = [];
  }
  choice(name, options, what = name) {
    const given = this.search.get(name) ?? "";
    if (!given) return "";
    const found = options.find((o) => o === given) ?? options.find((o) => o.toLowerCase() === given.toLowerCase());
    if (found === undefined) this.notes.push(`No ${what} “${cut(given, 60)}”: not filtered by it.`);
    return found ?? "";
  }
  // A step from the address, matched like a `choice` among `steps.names`. When the list
  // could not be loaded, the step is kept as given (the server filters by it), and said so:
  // an unknown list is no reason to call the step unknown.
  step(name, steps) {
    if (steps.names) return this.choice(name, steps.names, "step");
    const given = this.text(name, 500, "step");
    if (given) this.notes.push(`The list of steps could not be loaded (${errorText(steps.error)}): filtered by step “${cut(given, 60)}” as given.`);
    return given;
  }
  text(name, max, what = name) {
    const given = (this.search.get(name) ?? "").trim();
    if (given.length <= max) return given;
    this.notes.push(`The ${what} was cut to its first ${max} characters.`);
    return given.slice(0, max);
  }
  // What was changed, in a line above the list (hidden once the filters change).
  notice() {
    return h("p", { class: "filter-notice", role: "status", testid: "filter-notice", hidden: !this.notes.length }, this.notes.join(" "));
  }
}

const TRACE_STATUSES = ["running", "ok", "failed"];
const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
const optionsOf = (anyLabel, values) => [["", anyLabel], ...values.map((v) => [v, v])];
// A step filter's options: the steps, or (when their list could not be loaded) the step
// the address names, so that the filter stays as given.
const stepOptions = (anyLabel, steps, chosen) => optionsOf(anyLabel, steps.names ?? (chosen ? [chosen] : []));

async function viewTraces(view) {
  const q = view.query;
  const steps = await stepNames();
  const given = new AddressFilters(q);
  const f = { status: given.choice("status", TRACE_STATUSES), step: given.step("step", steps), q: given.text("q", 500, "search"),
    limit: clampInt(q.get("limit"), PAGE, 1, 500), offset: clampInt(q.get("offset"), 0, 0, 1e9) };
  const status = selectOf("status", optionsOf("all", TRACE_STATUSES), f.status, "filter-status");
  const step = selectOf("step", stepOptions("any step", steps, f.step), f.step, "filter-step");
  const search = h("input", { type: "search", name: "q", value: f.q, maxlength: 500, placeholder: "trace id, name, step, input or error",
    testid: "filter-q" });
  const notice = given.notice();
  const rows = h("tbody", {});
  const pages = pager((dir) => {
    f.offset = Math.max(0, f.offset + dir * f.limit);
    apply(false);
  });
  const remember = () => view.setQuery({ ...f, ...pageQuery(f) });
  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    const data = await pageWithin(f, () => api(`${API}/traces?${query(f)}`), remember);
    if (mine !== generation) return; // a newer load is on its way
    rows.replaceChildren(...data.items.map(traceRow));
    if (!data.items.length) rows.append(h("tr", {}, h("td", { colspan: 7, class: "muted empty" }, "No traces match.")));
    pages.update(f.offset, data.items.length, data.total);
  };
  const apply = (reset = true) => {
    if (reset) f.offset = 0;
    Object.assign(f, { status: status.value, step: step.value, q: search.value.trim() });
    notice.hidden = true;
    remember();
    load().then(() => view.ok(), (e) => view.fail(e));
  };
  if (given.notes.length) remember(); // the address says what is filtered
  let typing = null;
  status.addEventListener("change", () => apply());
  step.addEventListener("change", () => apply());
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => apply(), 300);
  });
  view.stops.push(() => clearTimeout(typing));
  const filters = h("form", { class: "filters", onsubmit: (e) => (e.preventDefault(), apply()) },
    h("label", {}, "Status ", status), h("label", {}, "Step ", step), h("label", { class: "grow" }, "Search ", search));
  view.root.append(h("h1", {}, "Traces"), filters, notice,
    h("div", { class: "panel" },
      table(["Status", "Trace", "Name", "Started", "Duration", "Spans", "Errors"], rows, { testid: "trace-table" }), pages.el));
  await load();
  const soon = view.coalesce(() => (f.offset === 0 ? load() : Promise.resolve()), 750);
  view.live.span = soon; // new traces, and running ones that finish
  view.live.ready = soon;
}

function traceRow(t) {
  const href = `${BASE}/traces/${encodeURIComponent(t.trace_id)}`;
  const row = h("tr", { class: "clickable", testid: "trace-row", "data-trace-id": t.trace_id, "data-status": t.status },
    h("td", {}, statusBadge(t.status, { testid: "trace-status" })),
    h("td", {}, link(href, t.trace_id, { class: "mono", testid: "trace-row-link" })),
    h("td", {}, t.name), h("td", {}, fmtTime(t.started_at)), h("td", { class: "num" }, fmtDuration(t.duration)),
    h("td", { class: "num" }, t.spans, t.pending ? h("span", { class: "muted" }, ` (+${t.pending} pending)`) : null),
    h("td", { class: "num" }, t.errors ? h("span", { class: "bad" }, t.errors) : "0",
      t.dead_letters ? h("span", { class: "bad" }, ` · ${t.dead_letters} dead`) : null));
  row.addEventListener("click", (event) => event.target.closest("a") || go(href));
  return row;
}

// Spans in tree order (each after its parent, siblings by start), with their depth.
function spanTree(spans) {
  const ids = new Set(spans.map((x) => x.span_id));
  const kids = new Map();
  const roots = [];
  for (const span of spans) {
    const parent = span.parent_id;
    if (parent && parent !== span.span_id && ids.has(parent)) kids.set(parent, [...(kids.get(parent) ?? []), span]);
    else roots.push(span);
  }
  const byStart = (a, b) => a.started_at - b.started_at || a.seq - b.seq;
  const out = [];
  const seen = new Set();
  const walk = (span, depth) => {
    if (seen.has(span.seq)) return;
    seen.add(span.seq);
    out.push([span, depth]);
    (kids.get(span.span_id) ?? []).sort(byStart).forEach((kid) => walk(kid, depth + 1));
  };
  roots.sort(byStart).forEach((x) => walk(x, 0));
  spans.filter((x) => !seen.has(x.seq)).forEach((x) => walk(x, 0)); // a parent loop: shown anyway
  return out;
}

function logTable(records, { trace = true } = {}) {
  const body = h("tbody", {}, records.map((r) => logRow(r, trace)));
  return table(["Time", "Level", "Step", "Message", "Fields", ...(trace ? ["Trace"] : [])], body, { class: "grid logs" });
}

// A message's first line; the rest (a traceback, say) folded under it.
function message(text) {
  const [first, ...rest] = String(text ?? "").split("\n");
  return rest.length ? h("details", {}, h("summary", {}, first), h("pre", { class: "code" }, rest.join("\n"))) : first;
}

function logRow(r, trace = true) {
  const fields = Object.entries(r.fields ?? {})
    .map(([k, v]) => h("span", { class: "field" }, `${k}=`, typeof v === "string" ? v : JSON.stringify(v)));
  return h("tr", { testid: "log-row", "data-seq": r.seq, class: `level-${r.level}` },
    h("td", { class: "nowrap" }, fmtTime(r.time)), h("td", {}, badge(r.level, `level level-${r.level}`)), h("td", {}, r.step ?? ""),
    h("td", { class: "message" }, message(r.message)), h("td", { class: "fields" }, fields),
    trace ? h("td", {}, r.trace_id ? traceLink(r.trace_id, { testid: "log-trace-link" }) : "") : null);
}

function spanDetail(span, logs, traceId) {
  const own = logs.filter((r) => r.span_id === span.span_id);
  return h("div", { class: "span-detail", testid: "span-detail" },
    definitions([["Span", mono(span.span_id)], ["Parent", span.parent_id ? mono(span.parent_id) : "none (the root)"],
      ["Event", span.event_id ? mono(span.event_id) : null], ["Topic", span.topic ? mono(span.topic) : null], ["Kind", span.kind],
      ["Attempt", span.attempt], ["Started", fmtTime(span.started_at)], ["Duration", fmtDuration(span.duration)], ["Emitted", span.emitted]]),
    span.error ? [h("h4", {}, "Error"), h("pre", { class: "code bad", testid: "span-error-full" }, span.error)] : null,
    span.traceback ? [h("h4", {}, "Traceback"), h("pre", { class: "code", testid: "span-traceback" }, span.traceback)] : null,
    h("h4", {}, "Input"), span.input ? pre(span.input, { testid: "span-input" }) : h("p", { class: "muted" }, "none recorded"),
    Object.keys(span.attributes ?? {}).length ? [h("h4", {}, "Attributes"), pre(span.attributes)] : null,
    h("h4", {}, `Logs (${own.length})`), own.length ? logTable(own, { trace: false }) : h("p", { class: "muted" }, "none"),
    h("p", { class: "links" }, link(`${BASE}/logs?${query({ span_id: span.span_id })}`, "Logs of this span", { testid: "span-logs-link" }),
      link(`${BASE}/logs?${query({ trace_id: traceId })}`, "Logs of the whole trace")));
}

function timeline(trace, open) {
  const spans = trace.span_list;
  const t0 = Math.min(...spans.map((x) => x.started_at));
  const t1 = Math.max(...spans.map((x) => x.started_at + (x.duration ?? 0)), trace.status === "running" ? Date.now() / 1000 : 0);
  const total = Math.max(t1 - t0, 1e-6);
  const axis = h("div", { class: "axis" }, [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const tick = h("span", { class: "tick" }, fmtDuration(f * total));
    tick.style.left = `${f * 100}%`;
    return tick;
  }));
  const rows = spanTree(spans).map(([span, depth]) => {
    const bar = h("div", { class: `bar status-${span.status}`, title: `${span.step}: ${fmtDuration(span.duration)}` });
    bar.style.left = `${((span.started_at - t0) / total) * 100}%`;
    bar.style.width = `${Math.max(((span.duration ?? 0) / total) * 100, 0.4)}%`;
    const label = h("div", { class: "span-label" },
      h("span", { class: "caret" }, open.has(span.seq) ? "▾" : "▸"), h("span", { class: `dot status-${span.status}` }),
      h("strong", { testid: "span-step" }, span.step), " ",
      h("span", { class: "muted" }, span.kind === "api" ? span.name : span.topic ? `← ${span.topic}` : span.kind),
      span.attempt > 1 || span.status !== "ok" ? [" ", badge(`attempt ${span.attempt}`, "attempt", { testid: "span-attempt" })] : null,
      " ", statusBadge(span.status, { testid: "span-status" }));
    label.firstChild.style.marginLeft = `${depth * 18}px`;
    const expanded = open.has(span.seq);
    const row = h("div", { class: `span-row span-${span.status}${expanded ? " open" : ""}`, testid: "span-row", "data-step": span.step,
      "data-status": span.status, "data-attempt": span.attempt, "data-span-id": span.span_id, tabindex: 0, role: "button",
      "aria-expanded": String(expanded) },
      label, h("div", { class: "track" }, bar), h("span", { class: "dur" }, fmtDuration(span.duration)),
      span.error ? h("div", { class: "span-error", testid: "span-error" }, span.error) : null);
    const detail = open.has(span.seq) ? spanDetail(span, trace.logs, trace.trace_id) : null;
    const toggle = () => {
      open.has(span.seq) ? open.delete(span.seq) : open.add(span.seq);
      row.dispatchEvent(new CustomEvent("redraw", { bubbles: true }));
    };
    row.addEventListener("click", (e) => e.target.closest("a") || toggle());
    row.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), toggle()));
    return [row, detail];
  });
  const head = h("div", { class: "span-row head" }, h("div", { class: "span-label muted" }, "Span"), axis, h("span", { class: "dur" }, "took"));
  return h("div", { class: "timeline", testid: "timeline" }, head, rows);
}

async function viewTrace(view) {
  const [id] = view.params;
  const open = new Set(); // the spans shown expanded (by seq), kept across live reloads
  let last = null;
  let missing = false;
  const draw = () => {
    const t = last;
    const body = h("div", {},
      h("h1", {}, "Trace ", h("span", { class: "muted" }, t.name), " ", statusBadge(t.status, { testid: "trace-status" })),
      definitions([["Trace id", mono(t.trace_id, { testid: "trace-id" })], ["Started", fmtTime(t.started_at)], ["Duration", fmtDuration(t.duration)],
        ["Spans", t.spans], ["Errors", t.errors], ["Dead letters", t.dead_letters || null], ["Pending deliveries", t.pending || null]]),
      h("p", { class: "links" }, link(`${BASE}/logs?${query({ trace_id: t.trace_id })}`, "Logs of this trace", { testid: "trace-logs-link" }),
        t.dead_letters ? link(`${BASE}/dead-letters`, "Dead letters") : null, link(`${BASE}/traces`, "All traces")),
      h("div", { class: "panel" }, t.span_list.length ? timeline(t, open) : h("p", { class: "muted" }, "No spans yet.")),
      h("h2", {}, `Logs (${t.logs.length})`),
      h("div", { class: "panel" }, t.logs.length ? logTable(t.logs, { trace: false }) : h("p", { class: "muted" }, "No log records.")));
    body.addEventListener("redraw", draw);
    view.root.replaceChildren(body);
  };
  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    try {
      const trace = await api(`${API}/traces/${encodeURIComponent(id)}`);
      if (mine !== generation) return;
      last = trace;
      missing = false;
      draw();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      missing = true; // not stored yet (spans are written in batches), or pruned
      fill(view.root, h("h1", {}, "Trace"), h("p", { testid: "trace-missing" }, "No trace with id ", mono(id), "."),
        h("p", { class: "muted", testid: "trace-waiting" }, "If it is being written, it shows here as its spans arrive. ",
          link(`${BASE}/traces`, "All traces")));
    }
  };
  await load();
  const soon = view.coalesce(load, 250);
  view.live.span = (span) => span.trace_id === id && soon();
  view.live.log = (record) => record.trace_id === id && soon();
  view.live.ready = soon;
  view.every(2000, async () => missing && soon());
}

// -- logs: /_stepflow/logs -------------------------------------------------------------------

async function viewLogs(view) {
  const keys = ["trace_id", "span_id", "step", "level", "q"];
  const steps = await stepNames();
  const given = new AddressFilters(view.query);
  const f = { trace_id: given.text("trace_id", 200, "trace id"), span_id: given.text("span_id", 200, "span id"), step: given.step("step", steps),
    level: given.choice("level", LOG_LEVELS), q: given.text("q", 500, "search") };
  const inputs = {
    trace_id: h("input", { name: "trace_id", value: f.trace_id, maxlength: 200, placeholder: "any", testid: "filter-trace" }),
    span_id: h("input", { name: "span_id", value: f.span_id, maxlength: 200, placeholder: "any", testid: "filter-span" }),
    step: selectOf("step", stepOptions("any", steps, f.step), f.step, "filter-step"),
    level: selectOf("level", optionsOf("any", LOG_LEVELS), f.level, "filter-level"),
    q: h("input", { type: "search", name: "q", value: f.q, maxlength: 500, placeholder: "text in the message", testid: "filter-q" }),
  };
  const notice = given.notice();
  if (given.notes.length) view.setQuery(f); // the address says what is filtered
  const paused = h("input", { type: "checkbox", testid: "live-pause" });
  const rows = h("tbody", {});
  const count = h("span", { class: "muted", testid: "log-count" });
  const older = h("button", { type: "button", class: "secondary", testid: "load-older" }, "Load older");
  let newest = 0;
  let total = 0;
  const limit = 200;
  const shown = () => rows.querySelectorAll("tr[data-seq]").length;
  const counted = () => {
    count.textContent = `${shown()} of ${total} records`;
    older.hidden = shown() >= total;
  };
  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    const data = await api(`${API}/logs?${query({ ...f, limit })}`);
    if (mine !== generation) return;
    rows.replaceChildren(...data.items.map((r) => logRow(r)));
    newest = data.items.length ? data.items[0].seq : 0;
    total = data.total;
    counted();
  };
  const tail = async () => {
    if (paused.checked) return;
    const mine = generation;
    const data = await api(`${API}/logs?${query({ ...f, after: newest, limit })}`);
    if (mine !== generation || !data.items.length) return;
    // More arrived than one page holds: a gap would open between these and those shown.
    if (data.total > data.items.length) return load();
    rows.prepend(...data.items.filter((r) => r.seq > newest).map((r) => logRow(r)));
    newest = Math.max(newest, data.items[0].seq);
    total += data.total;
    while (shown() > 2000) rows.lastChild.remove();
    counted();
  };
  older.addEventListener("click", async () => {
    const data = await api(`${API}/logs?${query({ ...f, limit, offset: shown() })}`).catch((e) => view.fail(e));
    // Records that came since the rows were loaded push the offset back onto some shown.
    const have = new Set([...rows.querySelectorAll("tr[data-seq]")].map((tr) => Number(tr.dataset.seq)));
    rows.append(...(data?.items ?? []).filter((r) => !have.has(r.seq)).map((r) => logRow(r)));
    counted();
  });
  const apply = () => {
    for (const k of keys) f[k] = inputs[k].value.trim();
    notice.hidden = true;
    view.setQuery(f);
    load().then(() => view.ok(), (e) => view.fail(e));
  };
  for (const k of keys) inputs[k].addEventListener("change", apply);
  const filters = h("form", { class: "filters", onsubmit: (e) => (e.preventDefault(), apply()) },
    h("label", {}, "Trace ", inputs.trace_id), h("label", {}, "Span ", inputs.span_id), h("label", {}, "Step ", inputs.step),
    h("label", {}, "Level ", inputs.level), h("label", { class: "grow" }, "Search ", inputs.q), h("label", {}, paused, " pause"));
  const list = table(["Time", "Level", "Step", "Message", "Fields", "Trace"], rows, { class: "grid logs", testid: "log-table" });
  view.root.append(h("h1", {}, "Logs"), filters, notice, h("div", { class: "panel" }, h("p", {}, count), list, older));
  await load();
  const soon = view.coalesce(tail, 300);
  view.live.log = soon;
  view.live.ready = soon;
  paused.addEventListener("change", () => paused.checked || soon());
}

// -- dead letters: /_stepflow/dead-letters ---------------------------------------------------

function letterDetail(full) {
  return h("div", { class: "letter-detail", testid: "dead-letter-detail" },
    definitions([["Letter", mono(full.id)], ["Event", mono(full.event_id)], ["Topic", mono(full.topic)], ["Step", full.step],
      ["Attempts", full.attempts], ["Failed at", fmtTime(full.failed_at)]]),
    h("h4", {}, "Data"), pre(full.data), h("h4", {}, "Error"), h("pre", { class: "code bad" }, full.error ?? ""),
    full.traceback ? [h("h4", {}, "Traceback"), h("pre", { class: "code" }, full.traceback)] : null);
}

async function viewDeadLetters(view) {
  const f = { limit: clampInt(view.query.get("limit"), PAGE, 1, 500), offset: clampInt(view.query.get("offset"), 0, 0, 1e9) };
  const rows = h("tbody", {});
  const notice = h("p", { class: "notice", testid: "notice", role: "status" });
  const remember = () => view.setQuery(pageQuery(f));
  const pages = pager((dir) => {
    f.offset = Math.max(0, f.offset + dir * f.limit);
    remember();
    load().catch((e) => view.fail(e));
  });
  const act = async (what, ids) => {
    const count = ids ? `${ids.length} letter${ids.length === 1 ? "" : "s"}` : "every dead letter";
    if (what === "purge" && !confirm(`Purge ${count}? Their events are gone for good.`)) return;
    try {
      const done = await api(`${API}/dead-letters/${what}`, { method: "POST", body: { ids } });
      const n = what === "replay" ? done.replayed.length : done.purged;
      notice.textContent = what === "replay" ? `Replayed ${n} letter${n === 1 ? "" : "s"}.` : `Purged ${n} letter${n === 1 ? "" : "s"}.`;
      await load();
      view.ok();
    } catch (error) {
      view.fail(error);
    }
  };
  const opened = new Map(); // letter id → its details (null while they load): kept open across reloads
  const letterRow = (d) => {
    const detail = h("tr", { class: "detail-row", hidden: !opened.has(d.id) }, h("td", { colspan: 7 }));
    const show = async () => {
      try {
        const full = opened.get(d.id) ?? (await api(`${API}/dead-letters/${encodeURIComponent(d.id)}`));
        if (opened.has(d.id)) opened.set(d.id, full);
        detail.firstChild.replaceChildren(letterDetail(full));
      } catch (error) {
        detail.firstChild.replaceChildren(errorBox(error));
      }
    };
    const toggle = () => {
      detail.hidden = !detail.hidden;
      if (detail.hidden) return void opened.delete(d.id);
      opened.set(d.id, null);
      show();
    };
    if (opened.has(d.id)) show();
    const row = h("tr", { testid: "dead-letter-row", "data-letter-id": d.id },
      h("td", { class: "nowrap" }, fmtTime(d.failed_at)), h("td", {}, d.step), h("td", {}, mono(d.topic)), h("td", { class: "num" }, d.attempts),
      h("td", { class: "message bad" }, cut((d.error ?? "").split("\n")[0], 160)),
      h("td", {}, d.trace_id ? traceLink(d.trace_id) : ""),
      h("td", { class: "nowrap" },
        h("button", { type: "button", class: "secondary", testid: "details", onclick: toggle }, "Details"), " ",
        h("button", { type: "button", testid: "replay", onclick: () => act("replay", [d.id]) }, "Replay"), " ",
        h("button", { type: "button", class: "danger", testid: "purge", onclick: () => act("purge", [d.id]) }, "Purge")));
    return [row, detail];
  };
  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    const data = await pageWithin(f, () => api(`${API}/dead-letters?${query(f)}`), remember);
    if (mine !== generation) return;
    const listed = new Set(data.items.map((d) => d.id));
    for (const id of opened.keys()) if (!listed.has(id)) opened.delete(id);
    rows.replaceChildren(...data.items.flatMap(letterRow));
    if (!data.items.length) rows.append(h("tr", {}, h("td", { colspan: 7, class: "muted empty", testid: "no-dead-letters" }, "No dead letters.")));
    pages.update(f.offset, data.items.length, data.total);
  };
  view.root.append(h("h1", {}, "Dead letters"),
    h("p", { class: "muted" }, "Events whose step failed on every attempt. Replay delivers an event again (to the step that failed);",
      " purge drops it."),
    h("div", { class: "toolbar" }, h("button", { type: "button", testid: "replay-all", onclick: () => act("replay", null) }, "Replay all"),
      h("button", { type: "button", class: "danger", testid: "purge-all", onclick: () => act("purge", null) }, "Purge all"), notice),
    h("div", { class: "panel" },
      table(["Failed at", "Step", "Topic", "Attempts", "Error", "Trace", ""], rows, { testid: "dead-letter-table" }), pages.el));
  await load();
  const soon = view.coalesce(load, 400);
  view.live.span = (span) => span.status === "dead_letter" && soon();
  view.live.ready = soon;
}

// -- state: /_stepflow/state -------------------------------------------------------------------

// The group in the query, never in the path: a browser drops a "." or ".." segment from a
// path (percent-encoded too), so groups with such names could not be reached there. Not
// `query()`, which leaves out an empty value: "" is a group's name too.
const groupQuery = (name) => new URLSearchParams({ group: name }).toString();

async function viewState(view) {
  const chosen = view.query.get("group"); // null when none is chosen ("" is a group's name)
  const groups = h("tbody", {});
  const values = h("div", {});
  const load = async () => {
    const data = await api(`${API}/state`);
    const entries = Object.entries(data.groups).sort(([a], [b]) => a.localeCompare(b));
    fill(groups, entries.map(([name, count]) => h("tr", { testid: "state-group", "data-group": name, class: name === chosen ? "selected" : "" },
      h("td", {}, link(`${BASE}/state?${groupQuery(name)}`, name || "(empty name)")), h("td", { class: "num" }, count))));
    if (!entries.length) groups.append(h("tr", {}, h("td", { colspan: 2, class: "muted empty" }, "No state yet.")));
    if (chosen === null) return values.replaceChildren(h("p", { class: "muted" }, "Choose a group to see its keys and values."));
    const group = await api(`${API}/state?${groupQuery(chosen)}`);
    const keys = Object.keys(group.values).sort();
    values.replaceChildren(h("h2", {}, "Group ", mono(group.group), ` · ${keys.length} key${keys.length === 1 ? "" : "s"}`),
      keys.length ? table(["Key", "Value"], h("tbody", {}, keys.map((k) =>
        h("tr", { testid: "state-key", "data-key": k }, h("td", {}, mono(k)), h("td", {}, pre(group.values[k]))))))
        : h("p", { class: "muted" }, "This group is empty."));
  };
  view.root.append(h("h1", {}, "State"),
    h("div", { class: "state-layout" },
      h("div", { class: "panel" }, table(["Group", "Keys"], groups, { testid: "state-groups" })), h("div", { class: "panel" }, values)));
  await load();
  const soon = view.coalesce(load, 1000);
  view.live.span = soon; // steps change state: look again (at most once a second)
  view.live.ready = soon;
}

boot();
