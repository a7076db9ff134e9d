// StateVault dashboard: plain JS over the server's API. The access key lives in sessionStorage and travels only in the
// Authorization header (live updates are read with fetch, not EventSource, so the key never goes into a URL).
"use strict";

const KEY_STORAGE = "statevault.key";
const ROLE_RANK = { reader: 1, writer: 2, admin: 3 };
const $ = (id) => document.getElementById(id);

const state = { key: null, role: null, systems: [], managers: [], selected: null, snapshots: [], chart: null, refreshTimer: null, events: null };

// ---------- key handling ----------
function takeKeyFromHash() {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(KEY_STORAGE, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search); // the key must not stay in the address bar
  }
  return sessionStorage.getItem(KEY_STORAGE);
}

function askForKey(message) {
  const dialog = $("key-dialog");
  $("key-error").hidden = !message;
  $("key-error").textContent = message || "";
  $("key-input").value = "";
  if (!dialog.open) dialog.showModal();
  $("key-input").focus();
}

async function submitKey(event) {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (!key) return;
  try {
    const who = await fetchJson("/api/whoami", {}, key);
    sessionStorage.setItem(KEY_STORAGE, key);
    state.key = key;
    $("key-dialog").close();
    await start(who);
  } catch (error) {
    askForKey(error.status === 401 ? "That key was not accepted." : error.message);
  }
}

// ---------- API ----------
class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function request(path, options = {}, key = state.key) {
  const headers = Object.assign({ Authorization: "Bearer " + key }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (!response.ok) {
    let detail = response.statusText;
    try { const problem = await response.json(); detail = problem.detail || problem.title || detail; } catch { /* not JSON */ }
    if (response.status === 401 && key === state.key) {
      sessionStorage.removeItem(KEY_STORAGE);
      askForKey("The key was refused; enter a valid one.");
    }
    throw new ApiError(response.status, detail);
  }
  return response;
}

async function fetchJson(path, options = {}, key = state.key) {
  const response = await request(path, options, key);
  return response.status === 204 ? null : response.json();
}

// ---------- formatting ----------
function formatBytes(bytes) {
  if (bytes == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return (unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)) + " " + units[unit];
}

function formatTime(iso) { return iso ? new Date(iso).toLocaleString() : "–"; }

// A time as an operator reads it: relative in the text, the absolute local time on hover (and in the datetime attribute).
function timeNode(iso) {
  if (!iso) return el("span", { class: "hint", text: "never" });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970) return el("span", { class: "hint", text: "unknown" });
  return el("time", { datetime: date.toISOString(), title: date.toLocaleString(), text: formatRelative(iso) });
}

function formatRelative(iso) {
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 0) return "in " + formatDuration(-seconds);
  if (seconds < 5) return "just now";
  return formatDuration(seconds, 2) + " ago";
}

// 207.8 → "3 min 27 s"; 93784 → "1 d 2 h"; at most `parts` units, largest first.
function formatDuration(totalSeconds, parts = 2) {
  if (totalSeconds == null || !Number.isFinite(totalSeconds)) return "–";
  let rest = Math.round(totalSeconds);
  if (rest < 1) return "0 s";
  const units = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  const out = [];
  for (const [unit, size] of units) {
    if (rest >= size && out.length < parts) { out.push(Math.floor(rest / size) + " " + unit); rest %= size; }
    else if (out.length) { if (out.length < parts) break; }
  }
  return out.join(" ");
}

function formatNumber(value) {
  if (value == null || value === "") return "–";
  if (typeof value !== "number") return String(value);
  return Number.isInteger(value) ? value.toLocaleString() : value.toLocaleString(undefined, { maximumFractionDigits: 3 });
}

function withUnit(value, unit) {
  if (value == null) return "–";
  const number = formatNumber(value);
  if (!unit) return number;
  return unit === "%" ? number + " %" : number + " " + unit;
}

const SYSTEM_LABELS = {
  core_management: "core management", health_thresholds: "health thresholds", swarm_integration: "swarm integration",
  gaming_alerts: "gaming alerts", dependencies: "dependencies", ai_ml_workflows: "AI/ML workflows", ai_ml_core: "AI/ML core",
  ai_ml_models: "AI/ML models", api_keys: "API keys",
};

function systemLabel(name) { return SYSTEM_LABELS[name] || words(name); }

// "lower_is_worse" → "lower is worse", "pythonModule" → "python module".
function words(value) {
  if (value == null) return "–";
  return String(value).replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_.]+/g, " ").toLowerCase();
}

function sentence(text) {
  const t = words(text).replace(/\b(ai|ml|api|id)\b/g, (w) => w.toUpperCase()).replace(/\bai\/ml\b/gi, "AI/ML");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function formatFigure(value) {
  if (value == null) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(2);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return Array.isArray(value) ? value.length + " items" : Object.keys(value).length + " entries";
  return String(value);
}

// One figure of a manager's summary as [label in words, value node]; null to leave it out.
function describeFigure(name, value, manager) {
  const [key, system] = name.split(/\.(.+)/);
  const which = system && manager.systems.length > 1 ? ` (${systemLabel(system)})` : "";
  switch (key) {
    case "status": return null; // the pill says it
    case "uptime_seconds": return ["Uptime", el("span", { title: formatNumber(value) + " seconds", text: formatDuration(value) })];
    case "last_heartbeat": return ["Last heartbeat", timeNode(value)];
    case "performance_score": return ["Performance score", el("span", { text: formatNumber(value) + " / 100" })];
    case "restored_from": return ["Restored from snapshot" + which, value == null ? el("span", { class: "hint", text: "none yet" }) : el("span", { class: "mono", text: "#" + value })];
    case "fallback": return ["Fell back past damaged snapshots" + which, el("span", { text: String(value) })];
    case "unsaved": return ["Unsaved changes" + which, el("span", { text: formatNumber(value) + " failed saves" })];
    default: break;
  }
  if (Array.isArray(value)) {
    if (!value.length) return [sentence(name), el("span", { class: "hint", text: "none" })];
    const text = value.map((item) => typeof item === "object" && item ? (item.metric ? `${words(item.metric)}: ${formatNumber(item.value)}` : JSON.stringify(item)) : String(item)).join(", ");
    return [sentence(name), el("span", { text })];
  }
  if (value !== null && typeof value === "object" && !Object.keys(value).length) return [sentence(name), el("span", { class: "hint", text: "none" })];
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return [sentence(name), timeNode(value)];
  if (typeof value === "string") return [sentence(name), el("span", { text: words(value) })];
  return [sentence(name), el("span", { text: formatFigure(value) })];
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child != null) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Results for screen readers: one polite live region that exists from the start (a region that appears with its text is
// often not read). Cleared first, so the same sentence twice is announced twice.
function announce(message) {
  const region = $("announcer");
  region.textContent = "";
  requestAnimationFrame(() => { region.textContent = message; });
}

// Where focus goes when a panel or dialog closes: the control that opened it, found again by selector because a refresh
// may have re-rendered it; else the fallback.
function focusBack(selector, fallback) {
  const target = (selector && document.querySelector(selector)) || fallback;
  if (target) target.focus();
}

// Live updates re-render lists; that must not throw a keyboard user's focus back to the page's start: the control with the
// same data-focus-key gets it back.
function keepFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : null;
  render();
  if (key) container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
}

function toast(message, isError = false) {
  announce(isError ? "Error: " + message : message);
  const box = $("toast");
  box.textContent = message;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function confirmAction(title, text) {
  return new Promise((resolve) => {
    const dialog = $("confirm-dialog");
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    dialog.returnValue = "";
    const opener = document.activeElement;
    dialog.addEventListener("close", () => {
      if (opener && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === "ok");
    }, { once: true });
    dialog.showModal();
    $("confirm-ok").focus();
  });
}

function can(role) { return (ROLE_RANK[state.role] || 0) >= ROLE_RANK[role]; }

function applyRole() {
  for (const node of document.querySelectorAll("[data-needs]")) node.hidden = !can(node.dataset.needs);
  $("role").hidden = !state.role;
  $("role").textContent = state.role || "";
}

// ---------- overview ----------
async function loadSystems() {
  state.systems = await fetchJson("/api/systems");
  renderSystems();
}

function renderSystems() {
  const body = $("systems").tBodies[0];
  keepFocus(body, () => body.replaceChildren(...state.systems.map((system) => {
    const rate = system.saves.successRate;
    // The name is a real button (keyboard, screen readers); a click anywhere else on the row opens the system too.
    const row = el("tr", { "data-system": system.name, class: system.name === state.selected ? "selected" : null, onclick: (event) => { if (!event.target.closest("button")) selectSystem(system.name); } },
      el("td", { class: "mono" }, el("button", {
        class: "system-open", type: "button", "data-system": system.name, "data-focus-key": "open-" + system.name, "aria-controls": "detail",
        "aria-expanded": system.name === state.selected ? "true" : "false", "aria-label": `Open system ${system.name}`,
        onclick: () => selectSystem(system.name), text: system.name,
      })),
      el("td", { class: "num newest", text: system.latestSequence }),
      el("td", { class: "num", text: system.count + (system.damaged ? " (" + system.damaged + " damaged)" : "") }),
      el("td", { class: "num", text: formatBytes(system.bytes) }),
      el("td", {}, timeNode(system.lastSavedUtc)),
      el("td", {}, rate == null ? el("span", { class: "hint", text: "no saves yet" }) : rateBar(rate, system.saves)),
      el("td", {}, system.manager ? el("span", { class: "pill muted", text: systemLabel(system.manager) }) : el("span", { class: "hint", text: "—" })));
    return row;
  })));
  $("systems-empty").hidden = state.systems.length > 0;
  $("stat-systems").textContent = state.systems.length;
  $("stat-snapshots").textContent = state.systems.reduce((sum, s) => sum + s.count, 0).toLocaleString();
  $("stat-bytes").textContent = formatBytes(state.systems.reduce((sum, s) => sum + s.bytes, 0));
  const succeeded = state.systems.reduce((sum, s) => sum + s.saves.succeeded, 0);
  const failed = state.systems.reduce((sum, s) => sum + s.saves.failed, 0);
  $("stat-success").textContent = succeeded + failed === 0 ? "–" : (100 * succeeded / (succeeded + failed)).toFixed(1) + " %";
}

function rateBar(rate, saves) {
  const fill = el("span");
  fill.style.width = Math.round(rate * 100) + "%";
  if (rate < 0.99) fill.style.background = rate < 0.9 ? "var(--bad)" : "var(--warn)";
  return el("span", { class: "rate", title: `${saves.succeeded} ok, ${saves.failed} failed, ${saves.conflicts} conflicts, ${saves.rejected} rejected` },
    el("span", { class: "bar" }, fill), (rate * 100).toFixed(rate === 1 ? 0 : 1) + " %");
}

async function loadManagers() {
  state.managers = await fetchJson("/api/managers");
  const grid = $("managers");
  keepFocus(grid, () => grid.replaceChildren(...state.managers.map((manager) => {
    const figures = Object.entries(manager.summary || {}).map(([name, value]) => describeFigure(name, value, manager)).filter(Boolean);
    return el("article", { class: "manager-card", "data-manager": manager.name, "data-health": manager.health },
      el("header", {}, el("span", { class: "manager-name", text: systemLabel(manager.name) }), el("span", { class: "pill " + manager.health, text: words(manager.status) })),
      el("div", { class: "manager-systems", text: "Systems: " + manager.systems.map(systemLabel).join(", ") }),
      manager.owner
        ? el("div", { class: "manager-owner", "data-owner": manager.owner.instanceId, text: "Owner: " + (manager.owner.self ? "this instance" : manager.owner.instanceId + (manager.owner.url ? " (" + manager.owner.url + ")" : "")) + (manager.ownerSince ? ", since " + new Date(manager.ownerSince).toLocaleString() : "") })
        : null,
      figures.length
        ? el("dl", { class: "figures" }, figures.flatMap(([label, node]) => [el("dt", { text: label }), el("dd", {}, node)]))
        : el("p", { class: "hint", text: "No figures." }),
      el("a", { class: "detail-link", "data-focus-key": "detail-" + manager.name, "aria-label": "Details of " + systemLabel(manager.name), href: "#manager=" + encodeURIComponent(manager.name), onclick: (event) => { event.preventDefault(); showManager(manager.name); }, text: "Details →" }));
  })));
  $("managers-hint").textContent = state.managers.length ? "" : "No managers run in this server.";
  const online = state.managers.filter((m) => m.health === "healthy").length;
  $("stat-managers").textContent = state.managers.length ? `${online} / ${state.managers.length}` : "–";
}

// ---------- one manager's domain data ----------
function table(id, columns, rows, rowAttributes = () => ({})) {
  if (!rows.length) return el("p", { class: "hint", text: "None." });
  return el("div", { class: "table-wrap" }, el("table", { id, class: "detail-table" },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { class: c.num ? "num" : null, text: c.label })))),
    el("tbody", {}, rows.map((row) => el("tr", rowAttributes(row), columns.map((c) => {
      const value = c.value(row);
      return el("td", { class: c.num ? "num" : null }, value instanceof Node ? value : el("span", { text: value == null ? "–" : String(value) }));
    }))))));
}

function section(title, ...content) { return el("div", { class: "card detail-card" }, el("h3", { text: title }), ...content); }

function severityBadge(severity) { return el("span", { class: "severity sev-" + severity, text: severity }); }

function levelBadge(level) { return el("span", { class: "severity level-" + level, text: words(level) }); }

function yesNo(value) { return value == null ? "–" : value ? "yes" : "no"; }

const MANAGER_VIEWS = {
  async health_thresholds(base) {
    const [thresholds, state] = await Promise.all([fetchJson(base + "/thresholds"), fetchJson(base + "/state")]);
    const validations = (state.validation_operations || []).slice(-20).reverse();
    return [
      section("Thresholds", table("thresholds-table", [
        { label: "Metric", value: (t) => words(t.metric) },
        { label: "Warning at", num: true, value: (t) => withUnit(t.warning, t.unit) },
        { label: "Critical at", num: true, value: (t) => withUnit(t.critical, t.unit) },
        { label: "Worse when", value: (t) => t.direction === "lowerIsWorse" || t.direction === "lower_is_worse" ? "lower" : "higher" },
        { label: "Description", value: (t) => t.description || "" },
        { label: "Set", value: (t) => timeNode(t.updatedAt) },
      ], thresholds)),
      section("Recent validations", table("validations-table", [
        { label: "Metric", value: (v) => words(v.metric) },
        { label: "Value", num: true, value: (v) => withUnit(v.value, v.unit) },
        { label: "Result", value: (v) => levelBadge(v.result) },
        { label: "Note", value: (v) => v.note || "" },
        { label: "When", value: (v) => timeNode(v.timestamp) },
      ], validations)),
    ];
  },
  async gaming_alerts(base) {
    const [alerts, thresholds, history] = await Promise.all([fetchJson(base + "/alerts"), fetchJson(base + "/thresholds"), fetchJson(base + "/alerts/history")]);
    const unitOf = (metric) => (thresholds.find((t) => t.metric === metric) || {}).unit;
    return [
      section("Active alerts", table("alerts-table", [
        { label: "Severity", value: (a) => severityBadge(a.severity) },
        { label: "Game system", value: (a) => a.gameSystem },
        { label: "Metric", value: (a) => words(a.metric) },
        { label: "Value", num: true, value: (a) => withUnit(a.value, unitOf(a.metric)) },
        { label: "Level passed", num: true, value: (a) => withUnit(a.threshold, unitOf(a.metric)) },
        { label: "Message", value: (a) => a.message },
        { label: "Status", value: (a) => words(a.status) },
        { label: "Raised", value: (a) => timeNode(a.createdAt) },
      ], alerts, (a) => ({ class: "alert-row sev-" + a.severity, "data-alert": a.id }))),
      section("Alert levels", table("alert-thresholds-table", [
        { label: "Metric", value: (t) => words(t.metric) },
        { label: "Fires", value: (t) => t.comparison === "below" ? "below the level" : "above the level" },
        { label: "Medium", num: true, value: (t) => withUnit(t.medium, t.unit) },
        { label: "High", num: true, value: (t) => t.high == null ? "not set" : withUnit(t.high, t.unit) },
        { label: "Critical", num: true, value: (t) => t.critical == null ? "not set" : withUnit(t.critical, t.unit) },
      ], thresholds)),
      section("History", table("alert-history-table", [
        { label: "Severity", value: (a) => severityBadge(a.severity) },
        { label: "Message", value: (a) => a.message },
        { label: "Status", value: (a) => words(a.status) + (a.resolutionNote ? ": " + a.resolutionNote : "") },
        { label: "Note", value: (a) => a.note || "" },
        { label: "Raised", value: (a) => timeNode(a.createdAt) },
      ], history.slice().reverse())),
    ];
  },
  async ai_ml_core(base) {
    const [models, workflows, core] = await Promise.all([fetchJson(base + "/models"), fetchJson(base + "/workflows"), fetchJson(base + "/state?system=ai_ml_core")]);
    return [
      section("Models", table("models-table", [
        { label: "Model", value: (m) => m.name },
        { label: "Provider or framework", value: (m) => m.provider || m.framework || "–" },
        { label: "Task", value: (m) => m.task ? words(m.task) : (m.capabilities || []).join(", ") },
        { label: "Version", value: (m) => m.version },
        { label: "Status", value: (m) => el("span", { class: "pill status-" + m.status, text: words(m.status) }) },
        { label: "Owner", value: (m) => m.owner || "–" },
        { label: "Registered", value: (m) => timeNode(m.createdAt) },
        { label: "Changed", value: (m) => timeNode(m.updatedAt) },
      ], models)),
      section("Provider models", table("provider-models-table", [
        { label: "Model", value: (m) => m.name },
        { label: "Provider", value: (m) => m.provider },
        { label: "Provider's id", value: (m) => m.model_id },
        { label: "Version", value: (m) => m.version },
        { label: "Capabilities", value: (m) => (m.capabilities || []).join(", ") },
        { label: "Registered", value: (m) => timeNode(m.created_at) },
      ], Object.values(core.models || {}))),
      section("Workflows", table("workflows-table", [
        { label: "Workflow", value: (w) => w.name },
        { label: "Description", value: (w) => w.description || "" },
        { label: "Steps", value: (w) => (w.steps || []).map((step) => `${step.name} (${words(step.status)})`).join(" → ") },
        { label: "Status", value: (w) => words(w.status) },
        { label: "Created", value: (w) => timeNode(w.createdAt) },
      ], workflows)),
    ];
  },
  async ai_ml_workflows(base) {
    const workflows = await fetchJson(base + "/workflows");
    return [section("Workflows", table("workflows-table", [
      { label: "Workflow", value: (w) => w.name },
      { label: "Description", value: (w) => w.description || "" },
      { label: "Steps", value: (w) => (w.steps || []).map((step) => step.name).join(" → ") },
      { label: "Created", value: (w) => timeNode(w.createdAt) },
    ], workflows))];
  },
  async swarm_integration(base) {
    const [agents, tasks, messages] = await Promise.all([fetchJson(base + "/agents"), fetchJson(base + "/tasks"), fetchJson(base + "/messages")]);
    return [
      section("Agents", table("agents-table", [
        { label: "Agent", value: (a) => a.id },
        { label: "Name", value: (a) => a.name },
        { label: "Capabilities", value: (a) => (a.capabilities || []).map(words).join(", ") },
        { label: "Status", value: (a) => words(a.status) },
        { label: "Integrated", value: (a) => yesNo(a.integrated) },
        { label: "Last seen", value: (a) => timeNode(a.lastSeenAt) },
      ], agents)),
      section("Coordination tasks", table("tasks-table", [
        { label: "Task", value: (t) => t.description },
        { label: "Agents", value: (t) => (t.agentIds || []).join(", ") },
        { label: "Status", value: (t) => words(t.status) },
        { label: "Results", value: (t) => Object.entries(t.results || {}).map(([agent, r]) => `${agent}: ${r.success ? "ok" : "failed"}`).join(", ") },
        { label: "Created", value: (t) => timeNode(t.createdAt) },
      ], tasks)),
      section("Messages", table("messages-table", [
        { label: "From", value: (m) => m.from }, { label: "To", value: (m) => m.to }, { label: "Type", value: (m) => words(m.type) },
        { label: "Content", value: (m) => m.content }, { label: "Sent", value: (m) => timeNode(m.timestamp) },
      ], messages.slice().reverse())),
    ];
  },
  async dependencies(base) {
    const dependencies = await fetchJson(base);
    return [section("Dependencies", table("dependencies-table", [
      { label: "Dependency", value: (d) => d.name },
      { label: "Kind", value: (d) => words(d.kind) },
      { label: "Status", value: (d) => el("span", { class: "severity dep-" + d.status, text: words(d.status) }) },
      { label: "Critical", value: (d) => yesNo(d.critical) },
      { label: "Checks", num: true, value: (d) => formatNumber(d.checks) },
      { label: "Last checked", value: (d) => timeNode(d.lastCheckedAt) },
    ], dependencies))];
  },
  async core_management(base) {
    const [components, config] = await Promise.all([fetchJson(base + "/components"), fetchJson(base + "/config")]);
    return [
      section("Components", table("components-table", [
        { label: "Component", value: (c) => words(c.name) }, { label: "Type", value: (c) => c.type },
        { label: "Status", value: (c) => words(c.status) }, { label: "Runs here", value: (c) => yesNo(c.live) },
      ], components)),
      section("Configuration", table("config-table", [
        { label: "Key", value: ([key]) => key },
        { label: "Value", value: ([, value]) => value.length > 160 ? `${value.slice(0, 160)}… (${formatBytes(value.length)})` : value },
      ], Object.entries(config))),
    ];
  },
  async api_keys(base) {
    const [operations, checks, state] = await Promise.all([fetchJson(base + "/operations"), fetchJson(base + "/security-checks"), fetchJson(base + "/state")]);
    return [
      section("Configured services", el("p", { text: (state.configured_services || []).join(", ") || "none" })),
      section("Key operations", table("key-operations-table", [
        { label: "Operation", value: (o) => words(o.operation) }, { label: "Provider", value: (o) => o.provider },
        { label: "Succeeded", value: (o) => yesNo(o.success) }, { label: "Key present", value: (o) => yesNo(o.keyAvailable) },
        { label: "Key valid", value: (o) => yesNo(o.keyValid) }, { label: "When", value: (o) => timeNode(o.timestamp) },
      ], operations.slice(-20).reverse())),
      section("Security checks", table("security-checks-table", [
        { label: "Check", value: (c) => words(c.checkType || "key age") }, { label: "Passed", value: (c) => yesNo(c.passed ?? !c.rotationDue) },
        { label: "When", value: (c) => timeNode(c.timestamp) },
      ], checks)),
    ];
  },
};

async function showManager(name) {
  state.manager = name;
  const panel = $("manager-detail");
  panel.hidden = false;
  $("manager-detail-name").textContent = systemLabel(name);
  const body = $("manager-detail-body");
  body.replaceChildren(el("p", { class: "hint", text: "Loading…" }));
  const view = MANAGER_VIEWS[name];
  try {
    const base = "/api/managers/" + encodeURIComponent(name);
    body.replaceChildren(...(view ? await view(base) : [section("State", el("pre", { class: "json" }, ...highlight(await fetchJson(base + "/state"), 0)))]));
  } catch (error) {
    body.replaceChildren(el("p", { class: "error", text: "Could not load: " + error.message }));
  }
  for (const card of document.querySelectorAll(".manager-card")) card.classList.toggle("selected", card.dataset.manager === name);
  panel.scrollIntoView({ behavior: "smooth", block: "start" });
  $("manager-detail-heading").focus({ preventScroll: true });
}

// ---------- one system ----------
async function selectSystem(name) {
  state.selected = name;
  $("detail").hidden = false;
  $("detail-name").textContent = name;
  for (const row of $("systems").tBodies[0].rows) {
    row.classList.toggle("selected", row.dataset.system === name);
    row.querySelector("button.system-open")?.setAttribute("aria-expanded", row.dataset.system === name ? "true" : "false");
  }
  await loadSnapshots();
  $("detail").scrollIntoView({ behavior: "smooth", block: "start" });
  $("detail-heading").focus({ preventScroll: true });
  announce(`System ${name}: ${state.snapshots.length} snapshots.`);
}

async function loadSnapshots() {
  if (!state.selected) return;
  const system = state.selected;
  state.snapshots = await fetchJson(`/api/systems/${encodeURIComponent(system)}/snapshots`);
  renderTimeline();
  renderChart();
  renderDiffChoices();
}

function renderTimeline() {
  const newest = state.snapshots.find((s) => s.isValid);
  keepFocus($("timeline"), () => $("timeline").replaceChildren(...state.snapshots.map((snapshot) => {
    const meta = snapshot.metadata;
    const classes = [snapshot.isValid ? "" : "invalid", newest && snapshot.sequence === newest.sequence ? "newest" : ""].join(" ").trim();
    const badges = [];
    if (newest && snapshot.sequence === newest.sequence) badges.push(el("span", { class: "tag", text: "newest" }));
    if (meta && meta.attributes && meta.attributes.restored_from) badges.push(el("span", { class: "tag", text: "restored from #" + meta.attributes.restored_from }));
    if (!snapshot.isValid) badges.push(el("span", { class: "tag bad", text: "damaged" }));
    for (const tag of (meta && meta.tags) || []) badges.push(el("span", { class: "tag", text: tag }));
    const actions = el("span", { class: "tl-actions" },
      el("button", { class: "small ghost view", type: "button", "data-focus-key": "view-" + snapshot.sequence, "aria-label": `View snapshot #${snapshot.sequence}`, onclick: () => viewSnapshot(snapshot.sequence), disabled: !snapshot.isValid, text: "View" }),
      can("writer") ? el("button", { class: "small warn restore", type: "button", "data-seq": snapshot.sequence, "data-focus-key": "restore-" + snapshot.sequence, "aria-label": `Restore snapshot #${snapshot.sequence}`, onclick: () => restoreSnapshot(snapshot.sequence), disabled: !snapshot.isValid, text: "Restore" }) : null);
    return el("li", { class: classes || null, "data-seq": snapshot.sequence },
      el("div", { class: "tl-row" }, el("span", {}, el("span", { class: "tl-seq", text: "#" + snapshot.sequence }), badges), actions),
      el("div", { class: "tl-meta", text: meta ? `${formatTime(meta.createdUtc)} · ${formatBytes(snapshot.storedBytes)} stored · ${formatBytes(meta.rawLength)} JSON · ${meta.codec}` : snapshot.error }));
  })));
}

function renderChart() {
  const points = state.snapshots.filter((s) => s.isValid).slice().reverse();
  const labels = points.map((s) => new Date(s.metadata.createdUtc).toLocaleTimeString() + "  #" + s.sequence);
  const data = points.map((s) => s.storedBytes);
  if (typeof Chart === "undefined") return;
  if (state.chart) {
    state.chart.data.labels = labels;
    state.chart.data.datasets[0].data = data;
    state.chart.update();
    return;
  }
  const context = $("bytes-chart").getContext("2d");
  const gradient = context.createLinearGradient(0, 0, 0, 280);
  gradient.addColorStop(0, "rgba(79, 157, 255, 0.35)");
  gradient.addColorStop(1, "rgba(79, 157, 255, 0.02)");
  state.chart = new Chart(context, {
    type: "line",
    data: { labels, datasets: [{ label: "stored bytes", data, borderColor: "#4f9dff", backgroundColor: gradient, fill: true, tension: 0.3, pointRadius: 4, pointBackgroundColor: "#7c5cff" }] },
    options: {
      responsive: true, maintainAspectRatio: false, animation: { duration: 300 },
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => formatBytes(item.parsed.y) } } },
      scales: {
        x: { ticks: { color: "#8b98a8", maxRotation: 0, autoSkip: true }, grid: { color: "rgba(42, 52, 65, 0.6)" } },
        y: { beginAtZero: true, ticks: { color: "#8b98a8", callback: (value) => formatBytes(value) }, grid: { color: "rgba(42, 52, 65, 0.6)" } },
      },
    },
  });
}

function renderDiffChoices() {
  const valid = state.snapshots.filter((s) => s.isValid);
  for (const [id, index] of [["diff-from", Math.min(1, valid.length - 1)], ["diff-to", 0]]) {
    const select = $(id);
    const previous = select.value;
    select.replaceChildren(...valid.map((s) => el("option", { value: s.sequence, text: "#" + s.sequence })));
    if (valid.some((s) => String(s.sequence) === previous)) select.value = previous;
    else if (valid.length) select.value = valid[Math.max(0, index)].sequence;
  }
}

async function viewSnapshot(sequence) {
  const response = await request(`/api/systems/${encodeURIComponent(state.selected)}/snapshots/${sequence}`);
  const json = JSON.parse(await response.text());
  $("view-seq").textContent = "#" + sequence;
  const meta = state.snapshots.find((s) => s.sequence === sequence)?.metadata;
  $("view-meta").textContent = meta ? `${meta.stateType} · schema v${meta.schemaVersion} · sha256 ${meta.sha256.slice(0, 12)}…` : "";
  $("json-view").replaceChildren(...highlight(json, 0));
}

function highlight(value, depth) {
  const pad = "  ".repeat(depth);
  if (value === null) return [el("span", { class: "j-null", text: "null" })];
  if (typeof value === "string") return [el("span", { class: "j-str", text: JSON.stringify(value) })];
  if (typeof value === "number") return [el("span", { class: "j-num", text: String(value) })];
  if (typeof value === "boolean") return [el("span", { class: "j-bool", text: String(value) })];
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v) => [null, v]) : Object.entries(value);
  if (!entries.length) return [isArray ? "[]" : "{}"];
  const out = [isArray ? "[\n" : "{\n"];
  entries.forEach(([key, child], i) => {
    out.push(pad + "  ");
    if (!isArray) out.push(el("span", { class: "j-key", text: JSON.stringify(key) }), ": ");
    out.push(...highlight(child, depth + 1));
    out.push(i < entries.length - 1 ? ",\n" : "\n");
  });
  out.push(pad + (isArray ? "]" : "}"));
  return out;
}

async function showDiff(event) {
  event.preventDefault();
  const from = $("diff-from").value, to = $("diff-to").value;
  if (!from || !to) return;
  const diff = await fetchJson(`/api/systems/${encodeURIComponent(state.selected)}/diff?from=${from}&to=${to}`);
  const box = $("diff-result");
  if (!diff.changes.length) { box.replaceChildren(el("p", { class: "hint", text: `#${from} and #${to} hold the same state.` })); return; }
  const show = (node) => (node === null || node === undefined ? "" : JSON.stringify(node));
  box.replaceChildren(el("table", {},
    el("thead", {}, el("tr", {}, el("th", { text: "Path" }), el("th", { text: "" }), el("th", { text: "#" + from }), el("th", { text: "#" + to }))),
    el("tbody", {}, diff.changes.map((change) => el("tr", {},
      el("td", { text: change.path }), el("td", {}, el("span", { class: "kind " + change.kind, text: change.kind })),
      el("td", { class: "old", text: show(change.oldValue) }), el("td", { class: "new", text: show(change.newValue) }))))));
}

async function restoreSnapshot(sequence) {
  const system = state.selected;
  const manager = state.systems.find((s) => s.name === system)?.manager;
  const ok = await confirmAction("Restore snapshot", `Make a copy of #${sequence} the newest snapshot of ${system}?` + (manager ? ` The running manager ${manager} adopts it at once.` : ""));
  if (!ok) return;
  try {
    const restored = await fetchJson(`/api/systems/${encodeURIComponent(system)}/snapshots/${sequence}/restore`, { method: "POST" });
    await refresh();
    toast(`Restored #${sequence} of ${system} as #${restored.sequence}.`);
    focusBack(`#timeline li[data-seq='${restored.sequence}'] button.restore`, $("detail-heading"));
  } catch (error) {
    toast(error.message, true);
  }
}

async function verify(system) {
  const box = $("verify-result");
  box.hidden = false;
  box.className = "verify-result";
  box.textContent = "Verifying…";
  try {
    const result = await fetchJson("/api/verify" + (system ? "?system=" + encodeURIComponent(system) : ""), { method: "POST" });
    box.className = "verify-result " + (result.healthy ? "ok" : "bad");
    announce(result.healthy ? `Verify: all ${result.checked} snapshots verified.` : `Verify: ${result.damaged.length} of ${result.checked} snapshots are damaged.`);
    box.replaceChildren(...[
      el("strong", { text: result.healthy ? `All ${result.checked} snapshots verified.` : `${result.damaged.length} of ${result.checked} snapshots are damaged:` }),
      result.healthy ? null : el("ul", {}, result.damaged.map((d) => el("li", { class: "mono", text: `${d.system} #${d.sequence}: ${d.error}` }))),
    ].filter(Boolean));
  } catch (error) {
    box.className = "verify-result bad";
    box.textContent = "Verify failed: " + error.message;
    announce("Error: verify failed: " + error.message);
  }
}

// ---------- live updates ----------
async function refresh() {
  await Promise.all([loadSystems(), loadManagers(), state.selected ? loadSnapshots() : null]);
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => refresh().catch(() => setLive("offline")), 250);
}

function setLive(mode) {
  $("live").dataset.state = mode;
  $("live-text").textContent = mode === "live" ? "live" : mode === "polling" ? "polling" : mode === "offline" ? "offline" : "connecting";
}

async function listen() {
  const controller = new AbortController();
  state.events = controller;
  try {
    const response = await request("/api/events", { signal: controller.signal, headers: { Accept: "text/event-stream" } });
    setLive("live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.split("\n").some((line) => line.startsWith("data:")) && !block.includes("\"kind\":\"hello\"")) scheduleRefresh();
      }
    }
  } catch (error) {
    if (error.status === 401) return;
  }
  // The stream ended (server restart, network): poll until it can be opened again.
  setLive("polling");
  setTimeout(listen, 5000);
}

setInterval(() => { if ($("live").dataset.state !== "live" && state.key) refresh().catch(() => setLive("offline")); }, 5000);
setInterval(() => { if (state.key) renderSystems(); }, 30000); // keep "x min ago" current

// ---------- start ----------
async function start(who) {
  state.role = who.role;
  applyRole();
  await refresh();
  if (!state.events) listen();
}

document.addEventListener("DOMContentLoaded", async () => {
  $("key-form").addEventListener("submit", submitKey);
  $("change-key").addEventListener("click", () => askForKey());
  $("verify-all").addEventListener("click", () => verify(null));
  $("verify-system").addEventListener("click", () => verify(state.selected));
  $("close-detail").addEventListener("click", () => {
    const system = state.selected;
    state.selected = null;
    $("detail").hidden = true;
    renderSystems();
    focusBack(system && `button.system-open[data-system='${CSS.escape(system)}']`, $("systems"));
  });
  $("close-manager").addEventListener("click", () => {
    const manager = state.manager;
    state.manager = null;
    $("manager-detail").hidden = true;
    focusBack(manager && `.manager-card[data-manager='${CSS.escape(manager)}'] a.detail-link`, $("managers"));
  });
  $("diff-form").addEventListener("submit", (event) => showDiff(event).catch((error) => toast(error.message, true)));
  state.key = takeKeyFromHash();
  if (!state.key) { askForKey(); return; }
  try {
    await start(await fetchJson("/api/whoami"));
  } catch (error) {
    if (error.status !== 401) askForKey(error.message);
  }
});
