// The admins' dashboard: loads /admin/api/overview, renders it, refreshes every 10 s, and replays
// failures. No framework, no CDN: everything comes from this service.

import { formatDateTime, pickLocale } from './locale.js';

const LOCALE = pickLocale(navigator.language);
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** A time in the admin's locale: the same date format as the pages and PDFs of that locale. */
const when = (iso) => (iso ? formatDateTime(iso, LOCALE) : '—');
const span = (s) => (s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : s < 86400 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`);
const ago = (iso) => (iso ? `${span(Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000)))} ago` : '—');
/** An access token's state: HubSpot's last one hour; the push refreshes them when needed. */
const tokenState = (iso) => {
  const s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  return s > 0 ? `valid, expires in ${span(s)}` : `expired ${span(-s)} ago; refreshed at the next push`;
};
const badge = (status) => `<span class="badge badge-${esc(status)}">${esc(status)}</span>`;
const table = (head, rows, empty) =>
  rows.length === 0 ? `<p class="empty">${esc(empty)}</p>` : `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;

function renderPortals(portals, revocations) {
  $('portals').innerHTML = table(
    ['Portal', 'Status', 'Auth', 'Push', 'Token', 'Last push', 'HubSpot versions'],
    portals.map((p) => {
      const token = p.authType === 'private_app' ? 'private-app token' : p.token ? `${tokenState(p.token.expiresAt)} (${when(p.token.expiresAt)})` : 'none: reinstall';
      const last = p.lastRun ? `${badge(p.lastRun.status)} ${ago(p.lastRun.finishedAt)}` : 'never';
      return `<tr><td>${esc(p.portalId)}</td><td>${badge(p.status)}${p.statusMessage ? `<div class="note">${esc(p.statusMessage)}</div>` : ''}${p.pausedUntil ? `<div class="note">paused until ${when(p.pausedUntil)}</div>` : ''}</td><td>${esc(p.authType === 'oauth' ? 'OAuth' : 'private app')}</td><td>${p.pushEnabled ? 'on' : 'off'}${deals(p.deals)}</td><td>${esc(token)}</td><td>${last}</td><td>${versions(p.hubspotVersions)}</td></tr>`;
    }),
    'No portal is connected yet: install the app (/oauth/install) or set HUBSPOT_ACCESS_TOKEN and HUBSPOT_PORTAL_ID.',
  );
  renderRevocations(revocations);
}

/** The deal side of the push: what is on, and what stops it, with what to do. */
function deals(d) {
  if (!d) return '';
  const on = `<div class="note">Deal billing properties ${d.properties ? 'on' : 'off'}, timeline ${d.timeline ? 'on' : 'off'}</div>`;
  const scopes = d.missingScopes?.length
    ? `<div class="note" role="alert">This install has not granted ${esc(d.missingScopes.join(', '))}: reinstall the app in this HubSpot account (<a href="/oauth/install">Connect HubSpot</a>) to write deal billing. Contacts and products are pushed meanwhile.</div>`
    : '';
  const problem = d.problem ? `<div class="note" role="alert">Deal billing stopped ${ago(d.problemAt)}: ${esc(d.problem)}</div>` : '';
  return on + scopes + problem;
}

const SUPPORT = { ok: 'supported', soon: 'ends soon', past: 'no longer supported' };

/** The API and sign-in (OAuth) versions a portal is on, and HubSpot's end of support for each. */
function versions(v) {
  if (!v) return '';
  const one = (what, s) =>
    s
      ? `<div class="version ${s.state}"><strong>${esc(what)}:</strong> ${esc(s.label)} <span class="badge badge-${s.state === 'ok' ? 'done' : s.state === 'soon' ? 'paused' : 'failed'}">${esc(SUPPORT[s.state])}</span><div class="note"${s.state === 'ok' ? '' : ' role="alert"'}>${esc(s.message)}</div></div>`
      : '';
  return `${one('Data (CRM API)', v.api)}${one('Sign-in (OAuth)', v.oauth)}`;
}

const REVOCATION_REASONS = { disconnect: 'disconnected', install_failed: 'install failed', install_refused: 'install refused (not allowed)' };

/** Grants HubSpot has not yet confirmed giving back: the worker retries them; nothing to do unless they linger. */
function renderRevocations(revocations) {
  const items = revocations ?? [];
  $('portals').insertAdjacentHTML(
    'beforeend',
    items.length === 0
      ? ''
      : `<h3>Waiting for HubSpot to revoke</h3>${table(
          ['Account', 'Why', 'What is left', 'Attempts', 'Next try', 'Last error'],
          items.map(
            (r) =>
              `<tr><td>${esc(r.portalId ?? 'unknown')}</td><td>${esc(REVOCATION_REASONS[r.reason] ?? r.reason)}</td><td>${r.uninstall ? 'uninstall the app, then revoke the grant' : 'revoke the grant'}</td><td class="num">${esc(r.attempts)}</td><td>${when(r.nextAttemptAt)}</td><td><div class="note">${esc(r.lastError ?? '')}</div></td></tr>`,
          ),
          '',
        )}`,
  );
}

function renderRuns(runs) {
  $('runs').innerHTML = table(
    ['#', 'Portal', 'Status', 'Trigger', 'Started', 'Duration', 'Created', 'Updated', 'Unchanged', 'Failed', 'Skipped', 'Conflicts', '429s'],
    runs
      .slice(0, 20)
      .map(
        (r) =>
          `<tr><td>${esc(r.id)}</td><td>${esc(r.portalId)}</td><td>${badge(r.status)}${r.error ? `<div class="note">${esc(r.error)}</div>` : ''}</td><td>${esc(r.trigger)}</td><td>${when(r.startedAt)}</td><td>${r.durationMs === null ? '—' : `${(r.durationMs / 1000).toFixed(1)} s`}</td><td class="num">${r.counts.created}</td><td class="num">${r.counts.updated}</td><td class="num">${r.counts.unchanged}</td><td class="num ${r.counts.failed ? 'bad' : ''}">${r.counts.failed}</td><td class="num">${r.counts.skipped}</td><td class="num">${r.counts.conflicts}</td><td class="num">${r.counts.rateLimited}</td></tr>`,
      ),
    'No push has run yet.',
  );
}

/**
 * HubSpot's validation messages embed a JSON list of per-property errors ("Property values were
 * not valid: [{…}]"): show each one's own message, and keep the original for anything else.
 */
const hubspotMessage = (message) => {
  const m = /^([^[]*?):\s*(\[.*\])\s*$/s.exec(String(message ?? ''));
  if (!m) return esc(message);
  try {
    const items = JSON.parse(m[2]);
    if (!Array.isArray(items) || items.length === 0) return esc(message);
    return `${esc(m[1])}:<ul class="reasons">${items.map((i) => `<li>${esc(i.localizedErrorMessage ?? i.message ?? JSON.stringify(i))}${i.error ? ` <code>${esc(i.error)}</code>` : ''}</li>`).join('')}</ul>`;
  } catch {
    return esc(message);
  }
};

/**
 * A refusal by a HubSpot portal admin's validation rule: each property it names with the rule's
 * own message, then the reason in full (what refused it, and what to do).
 */
const ruleRefusal = (f) =>
  `<ul class="reasons">${f.error.violations.map((v) => `<li>${v.property ? `<code>${esc(v.property)}</code> ` : ''}${esc(v.message)}</li>`).join('')}</ul>${f.error.correlationId ? `<div class="note">correlation id <span class="id">${esc(f.error.correlationId)}</span></div>` : ''}`;

function renderFailures(failures) {
  $('failures').innerHTML = table(
    ['Record', 'State', 'Why', 'HubSpot said', 'Attempts', 'Since', ''],
    failures.map(
      (f) =>
        `<tr data-failure="${esc(f.id)}"><td>${esc(f.objectType)} <strong>${esc(f.externalId)}</strong><div class="note">portal ${esc(f.portalId)}</div></td><td>${badge(f.state)}</td><td>${esc(f.error && f.reason && !f.error.violations?.length ? f.reason.split(': ')[0] : f.reason)}</td><td>${f.error?.violations?.length ? ruleRefusal(f) : f.error ? `${hubspotMessage(f.error.message)}${f.error.correlationId ? `<div class="note">correlation id <span class="id">${esc(f.error.correlationId)}</span></div>` : ''}` : '—'}</td><td class="num">${esc(f.attempts)}</td><td>${ago(f.updatedAt)}</td><td><button type="button" class="replay" data-id="${esc(f.id)}">Replay</button></td></tr>`,
    ),
    'No failures: HubSpot has accepted every record.',
  );
}

/** How a recorded request proved itself; only such requests are recorded. */
const VIA = { hubspot_signature: 'HubSpot (signed)', page_token: "rep's page" };

// Every cell is the service's own: the verified portal, the route template, our error code and
// request id. Callers' text (paths, messages) is never recorded, so never shown here.
function renderCardErrors(errors) {
  $('card-errors').innerHTML = table(
    ['When', 'Portal', 'From', 'Request', 'Status', 'Error', 'Request id'],
    errors.map(
      (e) =>
        `<tr><td>${ago(e.createdAt)}</td><td>${esc(e.portalId ?? '—')}</td><td>${esc(VIA[e.via] ?? e.via)}</td><td><code>${esc(e.method)} ${esc(e.route)}</code></td><td class="num">${esc(e.status)}</td><td><code>${esc(e.code)}</code></td><td><code>${esc(e.requestId ?? '—')}</code></td></tr>`,
    ),
    'No errors on signed card requests or valid page links in the last week.',
  );
}

/** Bars per finished push, oldest left: records pushed (created + updated + archived) and failed. */
function renderChart(runs) {
  const done = runs
    .filter((r) => r.finishedAt)
    .reverse()
    .slice(-40);
  if (done.length === 0) {
    $('chart').innerHTML = '<p class="empty">Nothing pushed yet.</p>';
    return;
  }
  const pushed = (r) => r.counts.created + r.counts.updated + r.counts.archived;
  const max = Math.max(1, ...done.map((r) => pushed(r) + r.counts.failed));
  const W = 760,
    H = 180,
    pad = 36,
    bw = Math.max(4, Math.min(40, (W - pad) / done.length - 4));
  const bars = done
    .map((r, i) => {
      const x = pad + i * (bw + 4);
      const hp = Math.round((pushed(r) / max) * (H - 40));
      const hf = Math.round((r.counts.failed / max) * (H - 40));
      const rate = r.durationMs ? Math.round(pushed(r) / (r.durationMs / 1000)) : 0;
      return `<g><title>Push #${r.id} (${when(r.finishedAt)}): ${pushed(r)} pushed, ${r.counts.failed} failed${rate ? `, ${rate} records/s` : ''}</title>
<rect class="bar-ok" x="${x}" y="${H - 20 - hp - hf}" width="${bw}" height="${hp}"></rect><rect class="bar-bad" x="${x}" y="${H - 20 - hf}" width="${bw}" height="${hf}"></rect></g>`;
    })
    .join('');
  $('chart').innerHTML = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Records pushed and failed per push">
<line class="axis" x1="${pad}" y1="${H - 20}" x2="${W}" y2="${H - 20}"></line>
<text class="tick" x="${pad - 6}" y="16" text-anchor="end">${max}</text><text class="tick" x="${pad - 6}" y="${H - 20}" text-anchor="end">0</text>
${bars}
<text class="tick" x="${pad}" y="${H - 4}">${esc(when(done[0].finishedAt))}</text><text class="tick" x="${W}" y="${H - 4}" text-anchor="end">${esc(when(done[done.length - 1].finishedAt))}</text>
</svg><p class="legend"><span class="key key-ok"></span> pushed <span class="key key-bad"></span> failed · per push, oldest first</p>`;
}

async function load() {
  const res = await fetch('api/overview', { headers: { accept: 'application/json' } });
  if (res.status === 401) {
    location.href = 'login';
    return;
  }
  const data = await res.json();
  renderPortals(data.portals, data.revocations);
  renderChart(data.runs);
  renderRuns(data.runs);
  renderFailures(data.failures);
  renderCardErrors(data.cardErrors);
  $('dashboard').setAttribute('aria-busy', 'false');
}

document.addEventListener('click', async (event) => {
  const button = event.target.closest('button.replay');
  if (!button) return;
  button.disabled = true;
  button.textContent = 'Sending…';
  const res = await fetch(`api/failures/${encodeURIComponent(button.dataset.id)}/replay`, { method: 'POST', headers: { 'x-admin-request': '1' } });
  if (!res.ok) {
    button.disabled = false;
    button.textContent = 'Replay';
    alert(`Replay failed: ${(await res.json()).error?.message ?? res.status}`);
    return;
  }
  // Only now is the push queued: the label says so once it is true.
  button.textContent = 'Queued…';
  setTimeout(load, 1500);
});

load();
setInterval(load, 10_000);
