import type { Knex } from 'knex';
import type { Request, Response } from 'express';
import { formatMoney, pickLocale } from '../../public/locale.js';
import * as auditRepo from '../audit/auditRepo.js';
import type { Deps } from '../deps.js';
import { AppError, notConfigured, notFound } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { toAppError } from '../http/errorHandler.js';
import { runIdempotent } from '../http/idempotency.js';
import { sendJson } from '../http/sendJson.js';
import { type Checked, compile, isRowId } from '../http/validate.js';
import { type ChangeResult, deleteDraft, issueInvoice, voidInvoice } from '../invoices/changeInvoice.js';
import { todayUtc, type InvoiceDetail } from '../invoices/invoice.js';
import { hubspotId, paymentProperties, type PaymentInput } from '../invoices/invoiceSchemas.js';
import { type ChangeContext, type InvoiceScope, lockInScope } from '../invoices/invoiceScope.js';
import { recordPayment } from '../invoices/recordPayment.js';
import { currencyExponent } from '../money/currencies.js';
import { formatMinor } from '../money/money.js';
import { requireServedPortal } from '../portals/portalAccess.js';
import * as settingsRepo from '../settings/settingsRepo.js';
import { hubspotIdSchema } from '../shared/hubspotId.js';
import { buildAppCardInvoices } from './buildAppCard.js';
import { type AppCardCaller, appCardCallerOf } from './hubspotParams.js';
import { type AppCardInvoiceState, presentAppCardInvoiceState } from './presentAppCard.js';

/**
 * Our own app card's JSON endpoints (GET /hubspot/app-card/invoices and the POSTs of its actions),
 * called by the card's React code through hubspot.fetch.
 *
 * WHY A REP CANNOT ASK FOR ANOTHER ACCOUNT'S DATA. The card runs in the rep's browser, so
 * everything it sends (URL, query, body) is the rep's to write: from the browser console a rep
 * can call hubspot.fetch with any URL, parameter and body. What the rep cannot write:
 * 1. The account. hubspot.fetch does not go to us from the browser: it goes to HubSpot, whose
 *    proxy APPENDS `userId`, `portalId`, `userEmail` and `appId` of the signed-in user and the
 *    card's app to the query, after the card's own parameters, and then signs the whole request
 *    (method, full URL with that query, body, timestamp: signature v3) with our app's client
 *    secret. The secret is on our server and in HubSpot, never in the card's code.
 * 2. So a request that reaches a handler here (verifyHubSpotSignature first: 401 without a valid
 *    v3 signature over the URL we received, within 5 minutes) carries HubSpot's own `portalId`.
 *    A rep who adds `portalId=<another account>` to the card's URL sends it twice with different
 *    values: requireAppCardCaller refuses every such request (400 conflicting_parameters) rather
 *    than choose one. An identical copy changes nothing.
 * 3. The body is never read for who is asking: the schemas below accept `portalId`, `userId`,
 *    `userEmail` and `appId` in a body (a tool that copies HubSpot's habit may send them) and
 *    nothing reads them. The account, the user the audit log names and the user bound into every
 *    page token come from the signed query alone.
 * 4. The account must be one this service serves (portalAccess.ts: 403 otherwise), and with
 *    HUBSPOT_APP_ID set the request must come from our app (403 wrong_app).
 * 5. Every invoice is read and changed within that account and the card's deal: the list reads
 *    `where portal_id = <signed portal> and deal_id = <dealId>`, and an action's invoice id outside
 *    them is a 404, indistinguishable from one that does not exist (invoiceScope.ts).
 * What the rep does choose is the deal (`dealId`, the card's own parameter, from
 * context.crm.objectId): within their own account, a rep can name any deal, as HubSpot's own deal
 * search lets them find it. HubSpot's per-record permissions are not checked here.
 *
 * Retries: HubSpot retries a hubspot.fetch once on its own. Issue, void and delete of an invoice
 * already issued, voided or deleted answer 200 with the same message and `changed: false`; a
 * payment carries a `requestId` the card makes per submit, and a repeat answers what the first
 * answered (idempotency_keys), never recording a second payment.
 */

/** The identity HubSpot appends to the query: read and checked by requireAppCardCaller, only allowed here. */
const SIGNED_IDENTITY = {
  appId: { description: 'read by requireAppCardCaller (hubspotParams.ts)' },
  portalId: { description: 'read by requireAppCardCaller (hubspotParams.ts)' },
  userEmail: { description: 'read by requireAppCardCaller (hubspotParams.ts)' },
  userId: { description: 'read by requireAppCardCaller (hubspotParams.ts)' },
} as const;

/** The same names in a JSON body: accepted in HubSpot's shapes, never read (see point 3 above). */
const IGNORED_IDENTITY = {
  appId: { type: ['string', 'integer'], maxLength: 20, pattern: '^[0-9]{1,20}$', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'must be a HubSpot app id (digits only); it is ignored' },
  portalId: { ...hubspotId, maxLength: 20, description: 'must be a HubSpot id (digits only); it is ignored: the account is the one HubSpot signed' },
  userEmail: { type: 'string', maxLength: 254 },
  userId: { type: ['string', 'integer'], maxLength: 20, pattern: '^[0-9]{0,20}$', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'must be a HubSpot user id (digits only); it is ignored' },
} as const;

const dealId = hubspotIdSchema('must be the id of the deal the card shows (context.crm.objectId)');

interface ListQuery {
  dealId: string;
  page?: string;
}

/** GET /hubspot/app-card/invoices: `dealId` once, `page` (1-based) at most once. */
export const validateAppCardListQuery = compile<ListQuery>({
  type: 'object',
  additionalProperties: false,
  required: ['dealId'],
  properties: {
    dealId,
    page: { type: 'string', pattern: '^[1-9][0-9]{0,5}$', description: 'must be a page number from 1 to 999999' },
    ...SIGNED_IDENTITY,
  },
});

/** The actions' query: the deal the card shows. */
export const validateAppCardActionQuery = compile<{ dealId: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['dealId'],
  properties: { dealId, ...SIGNED_IDENTITY },
});

/** Issue and delete take no fields of their own (the identity a body may carry is ignored). */
export const validateAppCardEmptyBody = compile<Record<string, never>>({
  type: 'object',
  additionalProperties: false,
  properties: { ...IGNORED_IDENTITY },
});

export const validateAppCardVoidBody = compile<{ reason?: string }>({
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 1000 }, ...IGNORED_IDENTITY },
});

interface PaymentBody extends PaymentInput {
  requestId: string;
}

export const validateAppCardPaymentBody = compile<PaymentBody>({
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'requestId'],
  properties: {
    ...paymentProperties,
    // Lengths bound what the format and the pattern read (src/http/validate.ts, size first).
    date: { ...paymentProperties.date, maxLength: 10 },
    requestId: { type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{7,99}$', description: 'must be the id the card made for this submit (a UUID)' },
    ...IGNORED_IDENTITY,
  },
});

/** GET /hubspot/app-card/invoices?dealId=D&page=N: one page of the deal's invoices, its totals and page links. */
export const getAppCardInvoices: Handler<{ query: Checked<typeof validateAppCardListQuery> }> = async (deps, req, res, { query }) => {
  const caller = appCardCallerOf(res);
  if (!deps.pageTokenKey) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'The invoice card');
  // The portal check runs beside the card's read; nothing is answered or minted before it passed.
  const served = requireServedPortal(deps, caller.portalId, 'operator', { path: req.path, requestId: res.locals.requestId });
  const answer = await buildAppCardInvoices(
    deps,
    { portalId: caller.portalId, dealId: query.dealId, userId: caller.userId ?? '', userEmail: caller.userEmail || null },
    Number(query.page ?? '1'),
    deps.pageTokenKey,
    served,
  );
  deps.metrics.cardFetches.inc({ caller: 'native_card' });
  res.set('Cache-Control', 'no-store');
  sendJson(req, res, answer);
};

interface ActionRequest {
  caller: AppCardCaller;
  invoiceId: string;
  scope: InvoiceScope;
  ctx: ChangeContext;
}

function actionRequest(deps: Deps, req: Request, res: Response, query: { dealId: string }): ActionRequest {
  const caller = appCardCallerOf(res);
  return {
    caller,
    invoiceId: String(req.params.invoiceId),
    scope: { portalId: caller.portalId, dealId: query.dealId },
    ctx: { actor: { type: 'hubspot_user', userId: caller.userId ?? '', userEmail: caller.userEmail ?? null }, requestId: res.locals.requestId as string | undefined, now: deps.clock.now() },
  };
}

/** Runs an action; a refusal (4xx) is audited as a rejected rep action before it is answered. */
async function audited<T>(deps: Deps, action: string, r: ActionRequest, work: () => Promise<T>): Promise<T> {
  // An id the database cannot hold names no invoice: a 404 before any query (see isRowId).
  const validId = isRowId(r.invoiceId as unknown);
  try {
    if (!validId) throw notFound(`Invoice ${r.invoiceId.slice(0, 40)}`);
    return await work();
  } catch (err) {
    const e = toAppError(err);
    if (e.status < 500) {
      await auditRepo.record(deps.db, {
        actor: r.ctx.actor,
        action,
        portalId: r.caller.portalId,
        dealId: r.scope.dealId!,
        invoiceId: validId ? r.invoiceId : null,
        outcome: 'rejected',
        errorCode: e.code,
        requestId: r.ctx.requestId,
        at: r.ctx.now,
      });
    }
    throw err;
  }
}

const stateOf = (inv: InvoiceDetail, now: Date): AppCardInvoiceState => presentAppCardInvoiceState({ ...inv, deleted: inv.deletedAt !== null }, todayUtc(now));

type ChangeWork<B> = (trx: Knex.Transaction, r: ActionRequest, body: B) => Promise<ChangeResult>;

/**
 * An issue, void or delete: one transaction, answered `{ message, invoice, changed }`. The message
 * is the same whether this request changed the invoice or found it done (HubSpot's retry of a
 * request whose answer was lost must tell the rep what happened, not that nothing did).
 */
function change<B>(action: string, work: ChangeWork<B>, message: (number: string) => string): Handler<{ query: { dealId: string }; body: B }> {
  return async (deps, req, res, { query, body }) => {
    const r = actionRequest(deps, req, res, query);
    const result = await audited(deps, action, r, () => deps.db.transaction((trx) => work(trx, r, body)));
    res.json({ message: message(result.invoice.number), invoice: stateOf(result.invoice, r.ctx.now), changed: result.changed });
  };
}

/**
 * Voids an issued invoice; one that money was received on needs a reason, asked for in the rep's
 * words before voidInvoice's own check (which names the API's field) can refuse it.
 */
async function voidFromCard(trx: Knex.Transaction, r: ActionRequest, reason: string | undefined): Promise<ChangeResult> {
  const inv = await lockInScope(trx, r.invoiceId, r.scope);
  if (inv.deletedAt === null && (inv.status === 'open' || inv.status === 'paid') && inv.paidMinor > 0n && !reason?.trim()) {
    throw new AppError('void_reason_required', 409, `Give a reason: money was received on ${inv.number}, so say why it is voided.`, [{ field: 'reason', message: 'is required' }]);
  }
  return voidInvoice(trx, r.invoiceId, reason, r.scope, r.ctx);
}

/** POST /hubspot/app-card/invoices/{id}/issue?dealId=D */
export const postAppCardIssue = change<Checked<typeof validateAppCardEmptyBody>>(
  'invoice.issue',
  (trx, r) => issueInvoice(trx, r.invoiceId, r.scope, r.ctx),
  (n) => `Invoice ${n} issued.`,
);

/** POST /hubspot/app-card/invoices/{id}/void?dealId=D `{ reason? }` */
export const postAppCardVoid = change<Checked<typeof validateAppCardVoidBody>>(
  'invoice.void',
  (trx, r, body) => voidFromCard(trx, r, body.reason),
  (n) => `Invoice ${n} voided.`,
);

/** POST /hubspot/app-card/invoices/{id}/delete?dealId=D (drafts only) */
export const postAppCardDelete = change<Checked<typeof validateAppCardEmptyBody>>(
  'invoice.delete',
  (trx, r) => deleteDraft(trx, r.invoiceId, r.scope, r.ctx),
  (n) => `Draft ${n} deleted.`,
);

/**
 * POST /hubspot/app-card/invoices/{id}/payments?dealId=D `{ amount, date?, method?, reference?,
 * requestId }` → 201 `{ message, invoice, paymentId }`. The answer is stored with the payment,
 * under the card's requestId, in the same transaction: a repeat gets it back as it was, and the
 * same requestId with other fields is a 409.
 */
export const postAppCardPayment: Handler<{ query: { dealId: string }; body: Checked<typeof validateAppCardPaymentBody> }> = async (deps, req, res, { query, body }) => {
  const r = actionRequest(deps, req, res, query);
  // Only the payment's own fields: the identity a body may carry is ignored, and requestId is the key.
  const input: PaymentInput = { amount: body.amount, date: body.date, method: body.method, reference: body.reference };
  const result = await audited(deps, 'invoice.payment', r, () =>
    runIdempotent(deps.db, `app-card:payment:${r.caller.portalId}:${query.dealId}:${r.invoiceId}`, body.requestId, input, async (trx) => {
      const { invoice, paymentId } = await recordPayment(trx, r.invoiceId, input, r.scope, r.ctx);
      const amountMinor = invoice.payments.find((p) => p.id === paymentId)?.amountMinor ?? 0n;
      const { locale } = await settingsRepo.get(trx, r.caller.portalId);
      const amount = formatMoney(formatMinor(amountMinor, invoice.currency), invoice.currency, currencyExponent(invoice.currency), pickLocale(locale));
      const settled = invoice.status === 'paid' ? `; it is now paid in full` : '';
      return { status: 201, body: { message: `Payment of ${amount} recorded on ${invoice.number}${settled}.`, invoice: stateOf(invoice, r.ctx.now), paymentId } };
    }),
  );
  res.status(result.status).json(result.body);
};
