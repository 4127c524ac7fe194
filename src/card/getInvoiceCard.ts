import { badRequest, notConfigured, validationFailed } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { sendJson } from '../http/sendJson.js';
import { buildInvoiceCard } from './buildInvoiceCard.js';
import { requireServedPortal } from '../portals/portalAccess.js';
import { hubspotParamsOf } from './hubspotParams.js';

/**
 * GET /hubspot/card: HubSpot's signed data fetch for the deal a rep is viewing. By the time it
 * runs, requireServedCaller has read HubSpot's default parameters (hubspotParams.ts: repeats must
 * agree); everything else in the query (propertiesToSend values) is tolerated, and only the three
 * deal properties below are read. The portal check (portalAccess.ts) runs here, side by side with
 * the card's query: nothing is answered and no page link is minted until it has passed.
 */
export const getInvoiceCard: Handler = async (deps, req, res) => {
  const p = hubspotParamsOf(res);
  if (p.associatedObjectType === undefined) throw validationFailed([{ field: 'associatedObjectType', message: 'is required' }]);
  if (p.associatedObjectType.toUpperCase() !== 'DEAL') {
    throw badRequest('unsupported_object_type', `This card shows invoices on deals; got associatedObjectType=${p.associatedObjectType}`);
  }
  if (!deps.pageTokenKey) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'The invoice card');
  const raw = req.query as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const served = requireServedPortal(deps, p.portalId, 'operator', { path: req.path, requestId: res.locals.requestId });
  const card = await buildInvoiceCard(
    deps,
    { portalId: p.portalId, dealId: p.associatedObjectId, userId: p.userId ?? '', userEmail: p.userEmail || null },
    deps.pageTokenKey,
    { dealname: text(raw.dealname), amount: text(raw.amount), deal_currency_code: text(raw.deal_currency_code) },
    served,
  );
  deps.metrics.cardFetches.inc({ caller: p.appId === undefined ? 'classic_card' : 'app_card' });
  res.set('Cache-Control', 'no-store');
  sendJson(req, res, card);
};
