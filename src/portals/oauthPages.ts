import type { AppError } from '../errors.js';
import type { ErrorView } from '../http/errorHandler.js';
import { documentShell } from '../html/documentShell.js';
import { html, type SafeHtml } from '../html/html.js';

/**
 * The OAuth install's result pages, where HubSpot sends the installing admin back. Pure views over
 * the one document shell, with neither stylesheet nor script: the route has the API header
 * profile, which allows none.
 */

const again = html`<p><a href="/oauth/install">Start the installation again</a>.</p>`;

const resultPage = (title: string, body: SafeHtml): SafeHtml => documentShell({ title, body: html`<h1>${title}</h1>${body}` });

/** The install went through: the portal is connected. */
export function renderInstalledPage(view: { portalId: string; pushEnabled: boolean }): SafeHtml {
  return resultPage(
    'Invoice card installed',
    html`<p>HubSpot portal <strong>${view.portalId}</strong> is connected${view.pushEnabled ? ', and its contacts and products will be pushed on the next run' : ''}.</p><p>Open a deal in HubSpot to see its invoices. You can close this tab.</p>`,
  );
}

/** The install's failures (installErrors.ts), each on its result page; other errors are left to the usual answer. */
export const installErrorView: ErrorView = (err: AppError) => {
  const details = (err.details ?? {}) as { portalId?: string; uninstalled?: boolean; grantRevoked?: boolean };
  switch (err.code) {
    case 'install_not_completed':
      return resultPage('The app was not installed', html`<p>${err.message}</p>${again}`);
    case 'invalid_install_link':
      return resultPage('This installation link is not valid', html`<p>${err.message}</p>${again}`);
    case 'code_refused':
    case 'code_exchange_failed':
      return resultPage('The app could not be installed', html`<p>${err.message}.</p><p>Nothing was connected. Authorization codes work once and expire after a few minutes.</p>${again}`);
    case 'portal_not_allowed':
      return resultPage(
        'This HubSpot account may not install the app',
        html`<p>HubSpot account <strong>${details.portalId}</strong> is not one this service serves: nothing was connected and no data is shared with it. ${
          details.uninstalled
            ? "The app has been uninstalled from the account and its authorization revoked; HubSpot emails the account's super admins that the app was uninstalled."
            : 'The app is being uninstalled from the account and its authorization revoked (HubSpot did not confirm at once; the service keeps trying).'
        }</p><p>If the account should be served, the service's administrator adds it to <code>HUBSPOT_ALLOWED_PORTAL_IDS</code>; then install the app again.</p>`,
      );
    case 'install_failed':
      return resultPage(
        'The app could not be installed',
        html`<p>${err.message}.</p><p>Nothing was connected, and the authorization HubSpot gave ${details.grantRevoked ? 'was revoked' : 'will be revoked as soon as HubSpot answers'}. Start again in a minute; if it keeps failing, the service's administrator finds the details in its log.</p>${again}`,
      );
    default:
      return undefined;
  }
};
