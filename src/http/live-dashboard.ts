import type { FastifyInstance } from 'fastify';
import type { Host } from '../host/host.js';

/** Escapes text for HTML: reasons and ids come from third parties and plugins. */
function html(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// Replay buttons call the admin route. Without MARINA_ADMIN_TOKEN that works from this machine
// only; with one, the page asks for it once and keeps it for the browser tab (sessionStorage).
const SCRIPT = `
async function replay(integration, id) {
  let token = sessionStorage.getItem('marina-admin-token') || '';
  for (let tries = 0; tries < 2; tries++) {
    const response = await fetch('/api/integrations/' + encodeURIComponent(integration) + '/live/dead-letters/' + encodeURIComponent(id) + '/replay', {
      method: 'POST',
      headers: token ? { authorization: 'Bearer ' + token } : {},
    });
    if (response.status === 401 || response.status === 403) {
      token = prompt('Admin token (MARINA_ADMIN_TOKEN)') || '';
      sessionStorage.setItem('marina-admin-token', token);
      continue;
    }
    const body = await response.json().catch(() => ({}));
    alert(response.ok ? 'Queued again' : 'Not replayed: ' + (body.message || response.status));
    location.reload();
    return;
  }
}`;

/**
 * `GET /dashboard/live`: every integration's live-event queue figures and dead letters, with a
 * replay button per dead letter. Plain HTML from the same snapshots as the admin API (secrets
 * already masked there), escaped; it refreshes itself every 10 s.
 */
export function registerLiveDashboard(app: FastifyInstance, options: { host: Host }): void {
  app.get('/dashboard/live', async (_request, reply) => {
    const sections = options.host.integrations().map((integration) => {
      const snapshot = integration.snapshot();
      const live = snapshot.live;
      if (live === null) return `<section><h2>${html(snapshot.identifier)}</h2><p>${html(snapshot.status)}: no live events served.</p></section>`;
      const routes = live.processors.map((processor) => `<code>POST /integrations/${html(snapshot.identifier)}/webhook${html(processor.path)}</code> (${html(processor.name)})`).join('<br>');
      const rows = live.deadLetterList
        .map(
          (letter) =>
            `<tr><td><code>${html(letter.id)}</code></td><td>${html(letter.resourceKey)}</td><td>${html(letter.path)}</td><td>${html(letter.failedAt)}</td><td>${html(letter.attempts)}</td><td>${html(letter.reason)}</td>` +
            `<td><button data-integration="${html(snapshot.identifier)}" data-id="${html(letter.id)}" onclick="replay(this.dataset.integration, this.dataset.id)">Replay</button></td></tr>`,
        )
        .join('');
      const misconfigured = live.misconfigurations
        .map((field) => `<tr><td>${html(field.kind)}</td><td><code>${html(field.field)}</code></td><td><code>${html(field.expression)}</code></td><td>${html(field.severity)}</td><td>${field.count}</td><td>${html(field.example ?? '')}</td></tr>`)
        .join('');
      return `<section><h2>${html(snapshot.identifier)} <small>(${html(snapshot.type)}, ${html(snapshot.status)})</small></h2>
<p>${routes || 'No processors.'}</p>
<p>queued ${live.queued} · running ${live.running} · handled ${live.handled} · retries ${live.retries} · dead-lettered ${live.deadLettered} · dead letters ${live.deadLetters}</p>
${rows ? `<table><thead><tr><th>event</th><th>resource</th><th>path</th><th>failed at</th><th>tries</th><th>reason</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No dead letters.</p>'}
${misconfigured ? `<h3>Mapping misconfigurations</h3><table><thead><tr><th>kind</th><th>field</th><th>expression</th><th>severity</th><th>items</th><th>example</th></tr></thead><tbody>${misconfigured}</tbody></table>` : ''}</section>`;
    });
    const page = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="10"><title>Marina: live events</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}small{color:#666}</style>
<script>${SCRIPT}</script></head><body><h1>Live events</h1>${sections.join('\n') || '<p>No integrations.</p>'}</body></html>`;
    return reply.type('text/html; charset=utf-8').send(page);
  });
}
