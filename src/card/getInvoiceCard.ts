import { badRequest, notConfigured } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { check, compile } from '../http/validate.js';
import { buildInvoiceCard } from './buildInvoiceCard.js';

const id = { type: 'string', pattern: '^[1-9][0-9]{0,17}$', description: 'must be a HubSpot id (digits only)' } as const;

export interface CardFetchQuery {
  portalId: string;
  associatedObjectId: string;
  associatedObjectType: string;
  userId?: string;
  userEmail?: string;
}

// HubSpot's default parameters; everything else (propertiesToSend values, the app card's appId)
// is tolerated and ignored here.
const validateCardFetch = compile<CardFetchQuery>({
  type: 'object',
  required: ['portalId', 'associatedObjectId', 'associatedObjectType'],
  properties: {
    portalId: id,
    associatedObjectId: id,
    associatedObjectType: { type: 'string', maxLength: 40 },
    userId: { type: 'string', pattern: '^[0-9]{0,20}$', description: 'must be a HubSpot user id (digits only)' },
    userEmail: { type: 'string', maxLength: 254 },
  },
});

/** GET /hubspot/card: HubSpot's signed data fetch for the deal a rep is viewing. */
export const getInvoiceCard: Handler = async (deps, req, res) => {
  const q = check(validateCardFetch, { ...(req.query as Record<string, unknown>) });
  if (q.associatedObjectType.toUpperCase() !== 'DEAL') {
    throw badRequest('unsupported_object_type', `This card shows invoices on deals; got associatedObjectType=${q.associatedObjectType}`);
  }
  if (!deps.pageTokenKey) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'The invoice card');
  const raw = req.query as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const card = await buildInvoiceCard(
    deps,
    { portalId: q.portalId, dealId: q.associatedObjectId, userId: q.userId ?? '', userEmail: q.userEmail || null },
    deps.pageTokenKey,
    { dealname: text(raw.dealname), amount: text(raw.amount), deal_currency_code: text(raw.deal_currency_code) },
  );
  deps.metrics.cardFetches.inc({ caller: raw.appId === undefined ? 'classic_card' : 'app_card' });
  res.set('Cache-Control', 'no-store').json(card);
};
