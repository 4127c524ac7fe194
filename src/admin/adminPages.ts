import type { AppError } from '../errors.js';
import type { ErrorView } from '../http/errorHandler.js';
import { assetUrl, documentShell } from '../html/documentShell.js';
import { html, type SafeHtml } from '../html/html.js';

/** The dashboard's views: pure, over the one document shell with the dashboard's own assets. */

/** The code of a refused sign-in: the sign-in form shows its message (signInErrorView). */
export const SIGN_IN_REFUSED = 'sign_in_refused';

function adminDocument(title: string, body: SafeHtml, withScript: boolean): SafeHtml {
  return documentShell({ title, stylesheet: assetUrl('admin.css'), script: withScript ? assetUrl('admin.js') : undefined, bodyClass: 'admin', dataIcon: true, body });
}

/** The sign-in form, with the message of a refused attempt. */
export function renderSignInPage(message?: string): SafeHtml {
  return adminDocument(
    'Sign in · Invoice card',
    html`<main class="login">
<h1>Invoice card · operations</h1>
<form method="post" action="login">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
${message ? html`<p class="error" role="alert">${message}</p>` : ''}
<button type="submit">Sign in</button>
<p class="hint">The service's <code>API_TOKEN</code>. A session lasts 12 hours, or until you sign out.</p>
</form>
</main>`,
    false,
  );
}

/** A refused sign-in is answered with the sign-in form again, saying why (the error handler shows it). */
export const signInErrorView: ErrorView = (err: AppError) => (err.code === SIGN_IN_REFUSED ? renderSignInPage(err.message) : undefined);

/** The dashboard's frame: its script fills in every section from /admin/api/overview. */
export function renderDashboardPage(): SafeHtml {
  return adminDocument(
    'Operations · Invoice card',
    html`<header><h1>Invoice card · operations</h1><form method="post" action="logout"><button type="submit" class="link">Sign out</button> <button type="submit" class="link" name="everywhere" value="1" title="Ends every dashboard session, on every device">Sign out everywhere</button></form></header>
<main id="dashboard" aria-busy="true">
<section><h2>Portals</h2><div id="portals"></div></section>
<section><h2>Push throughput</h2><div id="chart"></div></section>
<section><h2>Pushes</h2><div id="runs"></div></section>
<section><h2>Failures</h2><div id="failures"></div></section>
<section><h2>Recent card errors</h2><div id="card-errors"></div></section>
</main>`,
    true,
  );
}
