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

function formatAgo(iso) {
  if (!iso) return "never";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
  if (seconds < 86400) return Math.round(seconds / 3600) + " h ago";
  return Math.round(seconds / 86400) + " d ago";
}

function formatTime(iso) { return iso ? new Date(iso).toLocaleString() : "–"; }

function formatFigure(value) {
  if (value == null) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(2);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return Array.isArray(value) ? value.length + " items" : Object.keys(value).length + " entries";
  return String(value);
}

function humanize(name) { return name.replace(/[_-]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase(); }

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

function toast(message, isError = false) {
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
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
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
  body.replaceChildren(...state.systems.map((system) => {
    const rate = system.saves.successRate;
    const row = el("tr", { "data-system": system.name, class: system.name === state.selected ? "selected" : null, onclick: () => selectSystem(system.name) },
      el("td", { class: "mono", text: system.name }),
      el("td", { class: "num newest", text: system.latestSequence }),
      el("td", { class: "num", text: system.count + (system.damaged ? " (" + system.damaged + " damaged)" : "") }),
      el("td", { class: "num", text: formatBytes(system.bytes) }),
      el("td", { title: formatTime(system.lastSavedUtc), text: formatAgo(system.lastSavedUtc) }),
      el("td", {}, rate == null ? el("span", { class: "hint", text: "no saves yet" }) : rateBar(rate, system.saves)),
      el("td", {}, system.manager ? el("span", { class: "pill muted", text: system.manager }) : el("span", { class: "hint", text: "—" })));
    return row;
  }));
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
  grid.replaceChildren(...state.managers.map((manager) => {
    const figures = Object.entries(manager.summary || {});
    return el("article", { class: "manager-card", "data-manager": manager.name, "data-health": manager.health },
      el("header", {}, el("span", { class: "manager-name", text: manager.name }), el("span", { class: "pill " + manager.health, text: manager.status })),
      el("div", { class: "manager-systems", text: manager.systems.join(" · ") + " — " + manager.health }),
      figures.length
        ? el("dl", { class: "figures" }, figures.flatMap(([name, value]) => [el("dt", { text: humanize(name) }), el("dd", { text: formatFigure(value) })]))
        : el("p", { class: "hint", text: "No figures." }));
  }));
  $("managers-hint").textContent = state.managers.length ? "" : "No managers run in this server.";
  const online = state.managers.filter((m) => m.health === "healthy").length;
  $("stat-managers").textContent = state.managers.length ? `${online} / ${state.managers.length}` : "–";
}

// ---------- one system ----------
async function selectSystem(name) {
  state.selected = name;
  $("detail").hidden = false;
  $("detail-name").textContent = name;
  for (const row of $("systems").tBodies[0].rows) row.classList.toggle("selected", row.dataset.system === name);
  await loadSnapshots();
  $("detail").scrollIntoView({ behavior: "smooth", block: "start" });
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
  $("timeline").replaceChildren(...state.snapshots.map((snapshot) => {
    const meta = snapshot.metadata;
    const classes = [snapshot.isValid ? "" : "invalid", newest && snapshot.sequence === newest.sequence ? "newest" : ""].join(" ").trim();
    const badges = [];
    if (newest && snapshot.sequence === newest.sequence) badges.push(el("span", { class: "tag", text: "newest" }));
    if (meta && meta.attributes && meta.attributes.restored_from) badges.push(el("span", { class: "tag", text: "restored from #" + meta.attributes.restored_from }));
    if (!snapshot.isValid) badges.push(el("span", { class: "tag bad", text: "damaged" }));
    for (const tag of (meta && meta.tags) || []) badges.push(el("span", { class: "tag", text: tag }));
    const actions = el("span", { class: "tl-actions" },
      el("button", { class: "small ghost", type: "button", onclick: () => viewSnapshot(snapshot.sequence), disabled: !snapshot.isValid, text: "View" }),
      can("writer") ? el("button", { class: "small warn restore", type: "button", "data-seq": snapshot.sequence, onclick: () => restoreSnapshot(snapshot.sequence), disabled: !snapshot.isValid, text: "Restore" }) : null);
    return el("li", { class: classes || null, "data-seq": snapshot.sequence },
      el("div", { class: "tl-row" }, el("span", {}, el("span", { class: "tl-seq", text: "#" + snapshot.sequence }), badges), actions),
      el("div", { class: "tl-meta", text: meta ? `${formatTime(meta.createdUtc)} · ${formatBytes(snapshot.storedBytes)} stored · ${formatBytes(meta.rawLength)} JSON · ${meta.codec}` : snapshot.error }));
  }));
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
    toast(`Restored #${sequence} of ${system} as #${restored.sequence}.`);
    await refresh();
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
    box.replaceChildren(...[
      el("strong", { text: result.healthy ? `All ${result.checked} snapshots verified.` : `${result.damaged.length} of ${result.checked} snapshots are damaged:` }),
      result.healthy ? null : el("ul", {}, result.damaged.map((d) => el("li", { class: "mono", text: `${d.system} #${d.sequence}: ${d.error}` }))),
    ].filter(Boolean));
  } catch (error) {
    box.className = "verify-result bad";
    box.textContent = "Verify failed: " + error.message;
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
  $("close-detail").addEventListener("click", () => { state.selected = null; $("detail").hidden = true; renderSystems(); });
  $("diff-form").addEventListener("submit", (event) => showDiff(event).catch((error) => toast(error.message, true)));
  state.key = takeKeyFromHash();
  if (!state.key) { askForKey(); return; }
  try {
    await start(await fetchJson("/api/whoami"));
  } catch (error) {
    if (error.status !== 401) askForKey(error.message);
  }
});
