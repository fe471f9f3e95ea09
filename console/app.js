// Tessera web console. Plain JavaScript, no dependencies. Every value from the server is put into the page
// with textContent or setAttribute, never parsed as HTML; the bearer token lives in sessionStorage only.
"use strict";

const TOKEN_KEY = "tessera.console.token";
const PAGE = 50;

// ---------- DOM helpers ----------

/** Creates an element; `attrs` keys are attributes (or `on<event>` handlers); children are nodes or text. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

function badge(text) { return h("span", { class: "badge " + String(text || "").replace(/[^a-z0-9-]/gi, "") }, text || "—"); }
function when(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "—"; }
function link(hash, text) { return h("a", { href: hash }, text); }
function table(headers, rows, empty) {
  if (!rows.length) return h("p", { class: "muted" }, empty || "Nothing here.");
  return h("table", {}, h("thead", {}, h("tr", {}, headers.map((t) => h("th", {}, t)))), h("tbody", {}, rows));
}
function main() { return document.getElementById("main"); }
function show(...children) { const m = main(); m.replaceChildren(); append(m, children); }

// ---------- API ----------

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(path, options) {
  const opts = options || {};
  const headers = { Authorization: "Bearer " + (opts.token || token() || "") };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: opts.method || "GET", headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
  });
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    if (response.status === 401 && !opts.token) signOut("Your session ended: sign in again.");
    throw new ApiError(response.status, (data && data.detail) || (data && data.title) || "HTTP " + response.status);
  }
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const text = q.toString();
  return text ? "?" + text : "";
}

// ---------- sign-in ----------

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById("token");
  const error = document.getElementById("signin-error");
  const candidate = input.value.trim();
  error.textContent = "";
  try {
    const me = await api("/v1/console/whoami", { token: candidate });
    sessionStorage.setItem(TOKEN_KEY, candidate);
    input.value = "";
    signedIn(me);
  } catch (e) {
    error.textContent = e.status === 401 ? "That token was not accepted." : "Sign-in failed: " + e.message;
  }
}

function signedIn(me) {
  document.getElementById("signin").hidden = true;
  document.getElementById("main").hidden = false;
  document.getElementById("nav").hidden = false;
  document.getElementById("signout").hidden = false;
  document.getElementById("who").textContent = me.name + " (" + me.role + ")";
  route();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById("main").replaceChildren();
  document.getElementById("main").hidden = true;
  document.getElementById("nav").hidden = true;
  document.getElementById("signout").hidden = true;
  document.getElementById("who").textContent = "";
  document.getElementById("signin").hidden = false;
  document.getElementById("signin-error").textContent = typeof message === "string" ? message : "";
}

// ---------- sign-in through the IdP (authorization code + PKCE held by this tab) ----------
// The server runs the OIDC flow with the IdP and sends the browser back to /console/#code=<one-time code>. The
// fragment never reaches a server; the code is useless without the PKCE verifier that stays in this tab's
// sessionStorage, so a code seen in history or planted by someone else (login CSRF) redeems nothing.

const VERIFIER_KEY = "tessera.console.pkce";
let idp = null;

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function showIdP() {
  try {
    const response = await fetch("/auth/info", { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" });
    if (!response.ok) return;
    const info = await response.json();
    if (!info.configured) return;
    idp = info;
    document.getElementById("idp-signin").textContent = "Sign in with " + idp.name;
    document.getElementById("idp").hidden = false;
  } catch (e) { /* no IdP configured, or unreachable: the token form stays */ }
}

async function startIdPSignIn() {
  const error = document.getElementById("signin-error");
  if (!window.crypto || !crypto.subtle) {
    error.textContent = "Signing in through the IdP needs HTTPS (or a loopback address).";
    return;
  }
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  location.assign("/auth/login?console_challenge=" + encodeURIComponent(challenge));
}

// Returns true when the page was a sign-in callback (handled, successfully or not).
async function finishIdPSignIn() {
  const match = /^#code=([A-Za-z0-9_.~-]+)$/.exec(location.hash);
  if (!match) return false;
  history.replaceState(null, "", location.pathname);  // the code leaves the address bar and this history entry
  const verifier = sessionStorage.getItem(VERIFIER_KEY);
  sessionStorage.removeItem(VERIFIER_KEY);
  if (!verifier) {
    signOut("This sign-in was not started in this tab: start again.");
    return true;
  }
  if (!idp) await showIdP();
  const body = new URLSearchParams({
    code: match[1], code_verifier: verifier, redirect_uri: (idp && idp.console_redirect_uri) || location.origin + "/console/",
  });
  try {
    const response = await fetch("/auth/token", {
      method: "POST", body, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok || !data.session_token) throw new Error(data.detail || "HTTP " + response.status);
    sessionStorage.setItem(TOKEN_KEY, data.session_token);
    signedIn(await api("/v1/console/whoami"));
  } catch (e) {
    signOut("Sign-in failed: " + e.message);
  }
  return true;
}

// ---------- routing ----------

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, search] = raw.split("?");
  const parts = path.split("/").map(decodeURIComponent);
  return { view: parts[0] || "overview", arg: parts[1], params: new URLSearchParams(search || "") };
}

const views = {
  overview: overviewView, inventory: inventoryView, identity: identityView, tasks: tasksView, task: taskView, findings: findingsView, audit: auditView,
  discovered: discoveredView, external: externalView,
};

async function route() {
  if (!token()) return;
  const { view, arg, params } = parseHash();
  for (const a of document.querySelectorAll("#nav a")) {
    const active = a.dataset.view === view || (a.dataset.view === "inventory" && view === "identity") ||
      (a.dataset.view === "tasks" && view === "task") || (a.dataset.view === "discovered" && view === "external");
    a.classList.toggle("active", active);
  }
  const render = views[view] || overviewView;
  show(h("p", { class: "muted" }, "Loading…"));
  try {
    await render(arg, params);
  } catch (e) {
    if (token()) show(h("p", { class: "error", role: "alert" }, "Could not load this page: " + e.message));
  }
}

function go(view, params) { location.hash = "#/" + view + query(params || {}); }

// ---------- overview ----------
// Charts are SVG built with createElementNS (no library, no CDN, no inline style: the CSP stays strict).

function barList(title, pairs, opts) {
  const o = opts || {};
  const rows = (pairs || []).slice(0, o.limit || 8);
  const max = Math.max(1, ...rows.map((p) => p.count));
  const rowHeight = 22, labelWidth = o.labelWidth || 150, width = 420;
  const svg = s("svg", { class: "chart bars", viewBox: `0 0 ${width} ${Math.max(1, rows.length) * rowHeight}`,
    role: "img", "aria-label": title });
  rows.forEach((p, i) => {
    const y = i * rowHeight;
    const barWidth = Math.max(2, Math.round((width - labelWidth - 80) * p.count / max));
    const label = String(p.name);
    const clipped = label.length > 30 ? label.slice(0, 29) + "…" : label;  // the start of a reason says what it is
    svg.append(s("g", {}, s("title", {}, label),
      s("text", { x: labelWidth - 6, y: y + 15, class: "label", "text-anchor": "end" }, clipped)));
    svg.append(s("rect", { x: labelWidth, y: y + 4, width: barWidth, height: 14, class: o.tone || "bar" }));
    svg.append(s("text", { x: labelWidth + barWidth + 6, y: y + 15, class: "value" }, p.count.toLocaleString()));
  });
  return h("div", { class: "panel" }, h("h3", {}, title),
    rows.length ? svg : h("p", { class: "muted" }, o.empty || "Nothing yet."));
}

function columns(title, series) {
  const width = 640, height = 150, bottom = 20, gap = 2;
  const max = Math.max(1, ...series.map((p) => p.issued + p.refused));
  const slot = width / Math.max(1, series.length);
  const svg = s("svg", { class: "chart columns", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  series.forEach((p, i) => {
    const x = i * slot + gap;
    const issued = Math.round((height - bottom) * p.issued / max);
    const refused = Math.round((height - bottom) * p.refused / max);
    svg.append(s("rect", { x, y: height - bottom - issued, width: slot - 2 * gap, height: issued, class: "bar" },
      s("title", {}, p.at + ": " + p.issued + " issued")));
    svg.append(s("rect", { x, y: height - bottom - issued - refused, width: slot - 2 * gap, height: refused, class: "bar-refused" },
      s("title", {}, p.at + ": " + p.refused + " refused")));
    if (i % Math.ceil(series.length / 8) === 0) {
      svg.append(s("text", { x: x + 1, y: height - 5, class: "label" }, p.at.length > 10 ? p.at.slice(11, 16) : p.at.slice(5)));
    }
  });
  return h("div", { class: "panel wide" }, h("h3", {}, title), svg,
    h("p", { class: "legend" }, h("span", { class: "swatch bar" }), " issued ", h("span", { class: "swatch bar-refused" }), " refused"));
}

function tile(label, value, note, id) {
  return h("div", { class: "tile", id }, h("div", { class: "tile-value" }, value === null || value === undefined ? "—" : Number(value).toLocaleString()),
    h("div", { class: "tile-label" }, label), note ? h("div", { class: "muted small" }, note) : null);
}

async function overviewView() {
  const o = await api("/v1/console/overview");
  const i = o.identities, a = o.activity, f = o.findings;
  const status = Object.fromEntries((i.by_status || []).map((p) => [p.name, p.count]));
  const tiles = h("div", { class: "tiles", id: "overview-tiles" },
    tile("identities", i.total, (status.active || 0).toLocaleString() + " active", "tile-identities"),
    tile("owners", i.owners, i.review_overdue + " reviews overdue, " + i.expired + " expired"),
    tile("issued, 24 h", a.last_24h.issued, a.last_7d.issued.toLocaleString() + " in 7 days", "tile-issued"),
    tile("refused, 24 h", a.last_24h.refused, a.last_7d.refused.toLocaleString() + " in 7 days", "tile-refused"),
    tile("open findings", f.open, f.evaluated_at ? "evaluated " + when(f.evaluated_at) : "open Findings to evaluate"),
    tile("open tasks", o.live.open_tasks), tile("live leases", o.live.live_leases));
  show(h("h1", {}, "Overview"), tiles,
    h("div", { class: "panels" },
      columns("Issuance and refusals, last 24 hours", a.hourly),
      columns("Last 7 days", a.daily),
      barList("Top refusal reasons, 24 h", a.top_refusals_24h, { tone: "bar-refused", labelWidth: 200, empty: "No refusals." }),
      barList("Top refusal reasons, 7 days", a.top_refusals_7d, { tone: "bar-refused", labelWidth: 200, empty: "No refusals." }),
      barList("Identities by kind", i.by_kind),
      barList("By status", i.by_status),
      barList("By environment", i.by_environment),
      barList("By authentication method", i.by_auth_method),
      barList("Registered keys by age", o.credentials.registered_keys_by_age),
      barList("Static secrets by age", o.credentials.static_secrets_by_age, { empty: "No static secrets registered." }),
      barList("Open findings by OWASP NHI", f.by_owasp, { labelWidth: 210, tone: "bar-finding",
        empty: f.evaluated_at ? "No open findings." : "Not evaluated yet: open Findings." }),
      barList("Open findings by severity", f.by_severity, { tone: "bar-finding",
        empty: f.evaluated_at ? "No open findings." : "Not evaluated yet." })),
    h("p", { class: "muted small", id: "overview-footer" }, "Computed " + when(o.computed_at) + " in " + o.compute_ms + " ms" +
      (a.complete ? "" : "; activity still being counted (through record " + a.folded_through_seq + " of " + a.head_seq + ")")));
}

// ---------- inventory ----------

const KINDS = ["", "service", "api-client", "batch-job", "pipeline", "container", "ai-agent", "third-party"];
const STATUSES = ["", "active", "suspended", "retired"];

function select(name, options, value) {
  return h("select", { name, id: "f-" + name }, options.map((o) => h("option", { value: o, selected: o === value }, o || "any")));
}

function field(label, input) { return h("label", {}, label, input); }

async function inventoryView(_, params) {
  const filters = {
    q: params.get("q") || "", kind: params.get("kind") || "", owner: params.get("owner") || "",
    environment: params.get("environment") || "", status: params.get("status") || "",
  };
  const after = params.get("after") || "";
  const back = params.get("back") ? params.get("back").split("\n") : [];
  const page = await api("/v1/console/identities" + query({ ...filters, after, limit: PAGE }));
  const form = h("form", { class: "filters", id: "inventory-filters" },
    field("Search (SPIFFE ID or path prefix)", h("input", { name: "q", id: "f-q", value: filters.q, size: 34, placeholder: "billing/" })),
    field("Kind", select("kind", KINDS, filters.kind)),
    field("Owner", h("input", { name: "owner", id: "f-owner", value: filters.owner })),
    field("Environment", h("input", { name: "environment", id: "f-environment", value: filters.environment, size: 10 })),
    field("Status", select("status", STATUSES, filters.status)),
    h("button", { type: "submit", class: "primary" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    go("inventory", data);
  });
  const rows = page.identities.map((i) => h("tr", {},
    h("td", { class: "mono" }, link("#/identity/" + encodeURIComponent(i.id), i.spiffe_id)),
    h("td", {}, i.kind), h("td", {}, i.owner), h("td", {}, i.environment || "—"), h("td", {}, badge(i.status)),
    h("td", {}, i.eligible ? "yes" : "no: " + (i.ineligible_reason || ""))));
  const pager = h("div", { class: "pager" },
    h("button", {
      type: "button", id: "prev-page", disabled: !after,
      onclick: () => go("inventory", { ...filters, after: back[back.length - 1] || "", back: back.slice(0, -1).join("\n") }),
    }, "← Previous"),
    h("span", { id: "page-info" }, page.identities.length + " shown" + (page.next_cursor ? ", more after " : "")),
    h("button", {
      type: "button", id: "next-page", disabled: !page.next_cursor,
      onclick: () => go("inventory", { ...filters, after: page.next_cursor, back: back.concat([after]).join("\n") }),
    }, "Next →"));
  show(h("h1", {}, "Inventory"), form,
    table(["SPIFFE ID", "Kind", "Owner", "Environment", "Status", "Eligible"], rows, "No identity matches."), pager);
}

// ---------- discovered identities ----------

const SOURCES = ["", "postgres", "openbao", "aws", "host"];
const DISCOVERY_STATUSES = ["", "discovered", "claimed", "gone"];

async function discoveredView(_, params) {
  const filters = { source: params.get("source") || "", status: params.get("status") || "" };
  const after = params.get("after") || "";
  const page = await api("/v1/discovered" + query({ ...filters, after, limit: PAGE }));
  const form = h("form", { class: "filters", id: "discovered-filters" },
    field("Source", select("source", SOURCES, filters.source)),
    field("Status", select("status", DISCOVERY_STATUSES, filters.status)),
    h("button", { type: "submit", class: "primary" }, "Filter"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go("discovered", Object.fromEntries(new FormData(form).entries()));
  });
  const rows = page.identities.map((i) => {
    const actions = h("td", { class: "actions" });
    if (i.status === "discovered") {
      actions.append(h("button", { type: "button", class: "claim", onclick: () => claimForm(actions, i.id) }, "Claim"));
    }
    return h("tr", { "data-id": i.id },
      h("td", {}, badge(i.source)), h("td", {}, i.kind),
      h("td", { class: "mono" }, link("#/external/" + encodeURIComponent(i.id), i.name)),
      h("td", {}, badge(i.status)), h("td", {}, i.owner || "—"),
      h("td", {}, (i.privileged || []).length ? "yes" : "no"), h("td", {}, when(i.last_seen_at)), actions);
  });
  const next = page.next_cursor
    ? h("button", { type: "button", id: "next-page", onclick: () => go("discovered", { ...filters, after: page.next_cursor }) }, "Next →")
    : "";
  show(h("h1", {}, "Discovered identities"),
    h("p", { class: "muted" }, "Found outside Tessera by tessera discover; unowned until claimed."), form,
    table(["Source", "Kind", "Name", "Status", "Owner", "Privileged", "Last seen", ""], rows, "Nothing discovered yet."), next);
}

function claimForm(cell, id) {
  const owner = h("input", { name: "owner", class: "owner", placeholder: "owner (required)", required: true });
  const purpose = h("input", { name: "purpose", class: "purpose", placeholder: "purpose (required)", required: true });
  const environment = h("input", { name: "environment", class: "environment", placeholder: "environment", size: 8 });
  const error = h("div", { class: "error" });
  const form = h("form", { class: "inline-form" }, owner, purpose, environment,
    h("button", { type: "submit", class: "primary" }, "Confirm claim"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { owner: owner.value.trim(), purpose: purpose.value.trim() };
    if (environment.value.trim()) body.environment = environment.value.trim();
    try {
      await api("/v1/discovered/" + encodeURIComponent(id) + "/claim", { method: "POST", body });
      route();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  cell.replaceChildren(form, error);
  owner.focus();
}

async function externalView(id) {
  const [item, plan] = await Promise.all([
    api("/v1/discovered/" + encodeURIComponent(id)), api("/v1/discovered/" + encodeURIComponent(id) + "/plan"),
  ]);
  const facts = h("dl", { class: "facts", id: "external-facts" },
    ...[["Source", item.source], ["External id", item.external_id], ["Kind", item.kind], ["Status", badge(item.status)],
      ["Owner", item.owner || "— (unclaimed)"], ["Purpose", (item.claim && item.claim.purpose) || "—"],
      ["Discovered", when(item.discovered_at)], ["Last seen", when(item.last_seen_at)],
      ["Last used", item.usage_known ? when(item.last_used_at) : "not recorded by the source"],
      ["Migrated to", item.migrated_to ? link("#/identity/" + encodeURIComponent(item.migrated_to), item.migrated_to) : "—"]]
      .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  const credentials = table(["Kind", "Reference", "Status", "Created", "Last used", "Expires"],
    (item.credentials || []).map((c) => h("tr", {}, h("td", {}, c.kind), h("td", { class: "mono" }, c.reference),
      h("td", {}, c.status || "—"), h("td", {}, when(c.created_at)), h("td", {}, when(c.last_used_at)),
      h("td", {}, c.expires_at ? when(c.expires_at) : (c.expiry_known ? "never" : "unknown")))), "No credentials seen.");
  const list = (title, lines) => lines && lines.length ? [h("h2", {}, title), h("ul", {}, lines.map((l) => h("li", {}, l)))] : [];
  const steps = h("ol", { id: "plan-steps" }, plan.steps.map((st) => h("li", {}, h("strong", {}, st.title), h("pre", {}, st.text))));
  show(h("h1", {}, item.name), h("div", { class: "card" }, facts),
    h("h2", {}, "Credentials"), credentials,
    ...list("Privileged", item.privileged), ...list("Interactive use", item.interactive_use),
    ...list("Grants", item.grants), ...list("What the source could not tell", item.unknowns),
    h("h2", {}, "Plan"), h("p", { id: "plan-summary" }, plan.summary), steps,
    h("p", {}, h("strong", {}, "Retire the old credential: "), h("code", {}, plan.retire)));
}

// ---------- identity ----------

async function identityView(id) {
  const identity = await api("/v1/identities/" + encodeURIComponent(id));
  const [leases, activity] = await Promise.all([
    api("/v1/leases" + query({ subject: identity.spiffe_id, limit: 50 })),
    api("/v1/console/audit" + query({ subject: identity.spiffe_id, limit: 25 })),
  ]);
  // Findings come from a posture evaluation over the whole estate: fill them in when they arrive.
  const findingsSection = h("div", { id: "identity-findings" }, h("p", { class: "muted" }, "Evaluating posture…"));
  const facts = h("dl", { class: "facts", id: "identity-facts" },
    ...[["SPIFFE ID", identity.spiffe_id], ["Inventory id", identity.id], ["Kind", identity.kind], ["Owner", identity.owner],
      ["Purpose", identity.purpose], ["Status", badge(identity.status)], ["Environment", identity.environment || "—"],
      ["Trust boundary", identity.trust_boundary || "—"], ["Scopes", (identity.scopes || []).join(" ") || "—"],
      ["Audiences", (identity.audiences || []).join(" ") || "—"], ["Expires", when(identity.expires_at)],
      ["Review by", when(identity.review_by)], ["Created", when(identity.created_at)]]
      .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  show(h("h1", {}, identity.spiffe_id), h("div", { class: "card" }, facts),
    h("h2", {}, "Leases"), leaseTable(leases.leases),
    h("h2", {}, "Recent activity"), auditTable(activity.records, { id: "identity-activity" }),
    h("p", {}, link("#/audit" + query({ subject: identity.spiffe_id }), "Full timeline of this identity →")),
    h("h2", {}, "Findings"), findingsSection);
  try {
    const findings = await api("/v1/findings" + query({ identity: identity.id }));
    findingsSection.replaceChildren(findingsTable(findings.findings));
  } catch (e) {
    findingsSection.replaceChildren(h("p", { class: "error" }, "Findings unavailable: " + e.message));
  }
}

function leaseTable(leases) {
  return table(["Lease", "Kind", "Subject", "Task", "Issued", "Expires", "Revoked"], leases.map((l) => h("tr", {},
    h("td", { class: "mono" }, l.id), h("td", {}, l.kind), h("td", { class: "mono" }, l.subject),
    h("td", {}, l.task_id ? link("#/task/" + encodeURIComponent(l.task_id), l.task_id) : "—"),
    h("td", {}, when(l.issued_at)), h("td", {}, when(l.expires_at)),
    h("td", {}, l.revoked_at ? when(l.revoked_at) + " (" + (l.revoke_reason || "") + ")" : "—"))), "No leases.");
}

// ---------- tasks ----------

async function tasksView(_, params) {
  const state = params.get("state") || "";
  const data = await api("/v1/tasks" + query({ state, limit: 100 }));
  const form = h("form", { class: "filters" }, field("State", select("state", ["", "open", "ended", "revoked", "expired"], state)),
    h("button", { type: "submit", class: "primary" }, "Filter"));
  form.addEventListener("submit", (e) => { e.preventDefault(); go("tasks", Object.fromEntries(new FormData(form).entries())); });
  show(h("h1", {}, "Tasks"), form, table(["Task", "Intent", "State", "Initiator", "Identities", "Expires"], data.tasks.map((t) =>
    h("tr", {}, h("td", { class: "mono" }, link("#/task/" + encodeURIComponent(t.id), t.id)), h("td", {}, t.intent),
      h("td", {}, badge(t.state)), h("td", {}, t.initiator), h("td", {}, String(t.identities.length)),
      h("td", {}, when(t.expires_at)))), "No tasks."));
}

async function taskView(id) {
  const [task, leases, graph, activity] = await Promise.all([
    api("/v1/tasks/" + encodeURIComponent(id)), api("/v1/tasks/" + encodeURIComponent(id) + "/leases"),
    api("/v1/console/tasks/" + encodeURIComponent(id) + "/graph"), api("/v1/console/audit" + query({ task: id, limit: 50 })),
  ]);
  const facts = h("dl", { class: "facts", id: "task-facts" },
    ...[["Task", task.id], ["Intent", task.intent], ["Purpose", task.purpose || "—"], ["State", badge(task.state)],
      ["Initiator", task.initiator], ["Identities", task.identities.join(" ")], ["Scopes", task.scopes.join(" ") || "—"],
      ["Created", when(task.created_at)], ["Expires", when(task.expires_at)],
      ["Ended", task.ended_at ? when(task.ended_at) + " (" + (task.end_reason || "") + ")" : "—"]]
      .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  show(h("h1", {}, "Task " + task.intent), h("div", { class: "card" }, facts),
    h("h2", {}, "Delegation chain"), graphSVG(graph),
    h("p", { class: "legend" }, "Dashed: started by the initiator. Solid: acts for (token exchange, delegation) or calls a tool; red: refused calls. ",
      "Read from " + graph.records_read + " audit records of this task."),
    h("h2", {}, "Leases"), leaseTable(leases.leases),
    h("h2", {}, "Activity"), auditTable(activity.records, { id: "task-activity" }));
}

/** Lays the graph out in columns by depth (initiator on the left) and draws it as inline SVG. */
function graphSVG(graph) {
  const columns = new Map();
  for (const node of graph.nodes) {
    if (!columns.has(node.depth)) columns.set(node.depth, []);
    columns.get(node.depth).push(node);
  }
  const W = 230, H = 46, GX = 70, GY = 22, PAD = 16;
  const position = new Map();
  let rows = 0;
  for (const [depth, nodes] of [...columns.entries()].sort((a, b) => a[0] - b[0])) {
    nodes.forEach((node, i) => position.set(node.id, { x: PAD + depth * (W + GX), y: PAD + i * (H + GY) }));
    rows = Math.max(rows, nodes.length);
  }
  const width = PAD * 2 + Math.max(1, columns.size) * (W + GX) - GX;
  const height = PAD * 2 + Math.max(1, rows) * (H + GY) - GY;
  const svg = s("svg", { class: "graph", id: "task-graph", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "delegation graph" });
  svg.append(s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7,
    orient: "auto-start-reverse" }, s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#7d8799" }))));
  for (const edge of graph.edges) {
    const a = position.get(edge.from), b = position.get(edge.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const back = x2 <= x1;
    const d = back ? `M ${a.x + W / 2} ${a.y + H} C ${a.x + W / 2} ${a.y + H + 40}, ${b.x + W / 2} ${b.y + H + 40}, ${b.x + W / 2} ${b.y + H}`
      : `M ${x1} ${y1} C ${x1 + GX / 2} ${y1}, ${x2 - GX / 2} ${y2}, ${x2} ${y2}`;
    const cls = "edge " + edge.relation + (edge.denied ? " denied" : "");
    const g = s("g", { class: "edge-group", "data-from": edge.from, "data-to": edge.to, "data-relation": edge.relation });
    g.append(s("path", { class: cls, d, "marker-end": "url(#arrow)" }));
    const label = edge.relation.replace("_", " ") + (edge.count > 1 ? " ×" + edge.count : "") + (edge.denied ? " (" + edge.denied + " refused)" : "");
    g.append(s("text", { class: "edge-label", x: (x1 + x2) / 2 - 20, y: (y1 + y2) / 2 - 4 }, label));
    g.append(s("title", {}, edge.from + " → " + edge.to + ": " + label));
    svg.append(g);
  }
  for (const node of graph.nodes) {
    const p = position.get(node.id);
    const g = s("g", { class: "node " + node.kind.replace(/[^a-z0-9-]/gi, ""), "data-id": node.id, transform: `translate(${p.x},${p.y})` });
    g.append(s("rect", { width: W, height: H, rx: 6 }));
    g.append(s("text", { x: 8, y: 18 }, shorten(node.id, 34)));
    g.append(s("text", { class: "kind", x: 8, y: 36 }, node.kind + (node.in_task ? " · in task" : "")));
    g.append(s("title", {}, node.id));
    svg.append(g);
  }
  return svg;
}

function shorten(text, max) {
  const t = String(text).replace(/^spiffe:\/\/[^/]+/, "");
  return t.length > max ? "…" + t.slice(t.length - max + 1) : t;
}

// ---------- findings ----------

async function findingsView(_, params) {
  const status = params.get("status") || "";
  const severity = params.get("severity") || "";
  const data = await api("/v1/findings" + query({ status, severity }));
  const form = h("form", { class: "filters" },
    field("Status", select("status", ["", "open", "acknowledged", "resolved"], status)),
    field("Minimum severity", select("severity", ["", "low", "medium", "high", "critical"], severity)),
    h("button", { type: "submit", class: "primary" }, "Filter"));
  form.addEventListener("submit", (e) => { e.preventDefault(); go("findings", Object.fromEntries(new FormData(form).entries())); });
  show(h("h1", {}, "Findings"), form, findingsTable(data.findings));
}

function findingsTable(findings) {
  const rows = [];
  for (const tracked of findings) {
    const f = tracked.finding;
    const actions = h("td", { class: "actions" });
    const row = h("tr", { "data-finding": f.id },
      h("td", {}, badge(f.severity)),
      h("td", { title: f.title.length > 240 ? f.title : null }, f.title.length > 240 ? f.title.slice(0, 240) + "…" : f.title,
        h("div", { class: "muted" }, f.remediation || "")),
      h("td", { class: "mono" }, f.identityID ? link("#/identity/" + encodeURIComponent(f.identityID), f.subject) : f.subject),
      h("td", {}, f.owasp), h("td", { class: "status" }, badge(tracked.status), tracked.reason ? h("div", { class: "muted" }, tracked.reason) : null),
      actions);
    if (tracked.status === "open") {
      actions.append(h("button", { type: "button", class: "ack", onclick: () => findingForm(actions, f.id, "acknowledge") }, "Acknowledge"), " ");
    }
    if (tracked.status !== "resolved") {
      actions.append(h("button", { type: "button", class: "resolve", onclick: () => findingForm(actions, f.id, "resolve") }, "Resolve"));
    }
    rows.push(row);
  }
  return table(["Severity", "Finding", "Subject", "OWASP", "Status", ""], rows, "No findings.");
}

function findingForm(cell, id, action) {
  const input = h("input", { name: "reason", class: "reason", placeholder: "reason" + (action === "acknowledge" ? " (required)" : ""),
    required: action === "acknowledge" });
  const error = h("div", { class: "error" });
  const form = h("form", { class: "inline-form" }, input, h("button", { type: "submit", class: "primary" }, action === "acknowledge" ? "Confirm acknowledge" : "Confirm resolve"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = input.value.trim();
    try {
      await api("/v1/findings/" + encodeURIComponent(id) + "/" + action, { method: "POST", body: reason ? { reason } : {} });
      route();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  cell.replaceChildren(form, error);
  input.focus();
}

// ---------- audit ----------

async function auditView(_, params) {
  const filters = { type: params.get("type") || "", subject: params.get("subject") || "", task: params.get("task") || "" };
  const before = params.get("before") || "";
  const page = await api("/v1/console/audit" + query({ ...filters, before, limit: PAGE }));
  const form = h("form", { class: "filters", id: "audit-filters" },
    field("Type prefix", h("input", { name: "type", id: "f-type", value: filters.type, placeholder: "token." })),
    field("Subject", h("input", { name: "subject", id: "f-subject", value: filters.subject, size: 40 })),
    field("Task", h("input", { name: "task", id: "f-task", value: filters.task, size: 24 })),
    h("button", { type: "submit", class: "primary" }, "Filter"));
  form.addEventListener("submit", (e) => { e.preventDefault(); go("audit", Object.fromEntries(new FormData(form).entries())); });
  const verify = h("div", { class: "status-line", id: "chain-status" }, "Verifying the hash chain…");
  const pager = h("div", { class: "pager" },
    before ? h("button", { type: "button", onclick: () => go("audit", filters) }, "⇤ Newest") : null,
    h("button", { type: "button", id: "older", disabled: !page.next_before,
      onclick: () => go("audit", { ...filters, before: page.next_before }) }, "Older →"),
    h("span", {}, page.records.length + " records" + (page.next_before ? ", continuing below #" + page.next_before : ", start of the chain reached") +
      "; newest is #" + page.head_seq));
  show(h("h1", {}, "Audit timeline"), verify, form, auditTable(page.records, { id: "audit-records" }), pager);
  try {
    const report = await api("/v1/audit/verify");
    verify.classList.add(report.intact ? "intact" : "broken");
    verify.replaceChildren(report.intact
      ? "Chain intact: " + report.records_checked + " records verified, head #" + report.head_seq + " " + String(report.head_hash || "").slice(0, 16) + "…"
      : "Chain BROKEN at record #" + report.broken_seq + ": " + report.broken_reason);
  } catch (e) {
    verify.replaceChildren("Chain verification failed: " + e.message);
  }
}

function auditTable(records, attrs) {
  const rows = [];
  for (const r of records) {
    const details = h("tr", { class: "details", hidden: true }, h("td", { colspan: 8 }, h("pre", {}, JSON.stringify(r, null, 2))));
    rows.push(h("tr", { class: "record", "data-seq": r.seq },
      h("td", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); details.hidden = !details.hidden; } }, "#" + r.seq)),
      h("td", {}, when(r.time)), h("td", { class: "type" }, r.type), h("td", {}, badge(r.outcome)),
      h("td", { class: "mono" }, r.actor || "—"), h("td", { class: "mono" }, r.subject || "—"),
      h("td", {}, r.task ? link("#/task/" + encodeURIComponent(r.task), r.task) : "—"),
      h("td", {}, r.reason || "")), details);
  }
  const t = table(["#", "Time", "Type", "Outcome", "Actor", "Subject", "Task", "Reason"], rows, "No records.");
  if (attrs && attrs.id) t.id = attrs.id;
  return t;
}

// ---------- start ----------

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("signin-form").addEventListener("submit", signIn);
  document.getElementById("signout").addEventListener("click", () => signOut(""));
  document.getElementById("idp-signin").addEventListener("click", startIdPSignIn);
  window.addEventListener("hashchange", route);
  await showIdP();
  if (await finishIdPSignIn()) return;
  if (!token()) return signOut("");
  try {
    signedIn(await api("/v1/console/whoami"));
  } catch (e) {
    signOut(e.status === 401 ? "Your session ended: sign in again." : "Server unreachable: " + e.message);
  }
});
