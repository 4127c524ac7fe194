import { AppError } from '../errors.js';

/**
 * The OAuth install's failures. Each code is shown on the install's result page (oauthPages.ts's
 * installErrorView), with `details` for what the page says beyond the message. The 502s are
 * exposed: their message is HubSpot's failure in our words (or a fixed sentence for ours), logged
 * where it happened, and the installing admin reads it.
 */

/** HubSpot sent the admin back with an error instead of a code (cancelled, or its error code). */
export const installNotCompleted = (said: string) => new AppError('install_not_completed', 400, said);

/** The state is missing, expired, altered or another install's, or HubSpot's answer has no code. */
export const invalidInstallLink = (why: string) => new AppError('invalid_install_link', 400, why);

/** The code exchange failed: HubSpot refused the code (a 400: the request's fault) or did not answer (502). */
export const codeExchangeFailed = (detail: string, refused: boolean) => (refused ? new AppError('code_refused', 400, detail) : new AppError('code_exchange_failed', 502, detail, undefined, true));

/** The account is not one this service serves; the app is (being) uninstalled from it. */
export const portalNotAllowed = (portalId: string, uninstalled: boolean) =>
  new AppError('portal_not_allowed', 403, `HubSpot account ${portalId} is not one this service serves: nothing was connected`, { portalId, uninstalled });

/** The install failed after HubSpot granted access; the grant was (or will be) given back. */
export const installFailed = (detail: string, grantRevoked: boolean) => new AppError('install_failed', 502, detail, { grantRevoked }, true);
