import type { Response } from 'express';
import * as auditRepo from '../audit/auditRepo.js';
import { contactKind, productKind } from '../catalog/catalogKinds.js';
import * as catalogRepo from '../catalog/catalogRepo.js';
import type { Deps } from '../deps.js';
import { AppError, type FieldError, MAX_DETAILS, ValidationFailure, validationFailed } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { toAppError } from '../http/errorHandler.js';
import { idempotencyKey, runIdempotent } from '../http/idempotency.js';
import { check, type Checked, compile } from '../http/validate.js';
import { editInvoice, voidInvoice } from '../invoices/changeInvoice.js';
import { createInvoice } from '../invoices/createInvoice.js';
import { currencyExponent, isCurrency } from '../money/currencies.js';
import { todayUtc } from '../invoices/invoice.js';
import { priceLines, Problems } from '../invoices/invoiceInput.js';
import { invoiceDate, lineSchema, MAX_LINES, type LineInput, type PatchInvoiceInput, type PaymentInput } from '../invoices/invoiceSchemas.js';
import type { ChangeContext } from '../invoices/invoiceScope.js';
import { formatDecimal, formatMinor } from '../money/money.js';
import { presentInvoice } from '../invoices/presentInvoice.js';
import { recordPayment } from '../invoices/recordPayment.js';
import type { PageClaims } from '../shared/pageToken.js';
import { checkPortalPatch } from '../sync/pushSettings.js';
import * as portalRepo from '../portals/portalRepo.js';
import { checkSettings } from '../settings/settingsInput.js';
import { requireSettingsEditor, saveSettings } from './saveSettings.js';

const claimsOf = (res: Response) => res.locals.page as PageClaims;

const changeContext = (deps: Deps, res: Response): ChangeContext => {
  const c = claimsOf(res);
  return { actor: { type: 'hubspot_user', userId: c.userId, userEmail: c.userEmail }, requestId: res.locals.requestId as string | undefined, now: deps.clock.now() };
};

/** Runs a change; a refusal (409) is audited as a rejected rep action before it is answered. */
async function audited<T>(deps: Deps, res: Response, action: string, invoiceId: string | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const e = toAppError(err);
    if (e.status === 409) {
      const c = claimsOf(res);
      await auditRepo.record(deps.db, {
        actor: changeContext(deps, res).actor,
        action,
        portalId: c.portalId,
        dealId: c.dealId,
        invoiceId,
        outcome: 'rejected',
        errorCode: e.code,
        requestId: res.locals.requestId as string | undefined,
        at: deps.clock.now(),
      });
    }
    throw err;
  }
}

/** The search box's query: `q` once (a repeated or unknown parameter is refused, not read as an empty search). */
export const validateSearchQuery = compile<{ q?: string }>({
  type: 'object',
  additionalProperties: false,
  properties: { q: { type: 'string', maxLength: 1000 } },
});

const searchText = ({ q }: Checked<typeof validateSearchQuery>) => {
  // PostgreSQL text cannot hold NUL (nor can a name): drop it and other control characters.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  return typeof q === 'string' ? q.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 100) : '';
};

/** GET /hubspot/pages/api/contacts?q= */
export const searchContacts: Handler<{ query: Checked<typeof validateSearchQuery> }> = async (deps, _req, res, { query }) => {
  const found = await catalogRepo.search(deps.db, contactKind, searchText(query), 20);
  res.json({
    contacts: found.map((r) => {
      const c = contactKind.present(r) as { externalId: string; firstName: string | null; lastName: string | null; company: string | null; email: string | null };
      return { externalId: c.externalId, name: [c.firstName, c.lastName].filter(Boolean).join(' ') || null, company: c.company, email: c.email };
    }),
  });
};

/** GET /hubspot/pages/api/products?q= */
export const searchProducts: Handler<{ query: Checked<typeof validateSearchQuery> }> = async (deps, _req, res, { query }) => {
  const found = await catalogRepo.search(deps.db, productKind, searchText(query), 20);
  res.json({ products: found.map((r) => productKind.present(r)) });
};

interface QuoteInput {
  currency: string;
  lines: LineInput[];
}

export const validateQuote = compile<QuoteInput>({
  type: 'object',
  additionalProperties: false,
  required: ['currency', 'lines'],
  properties: {
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'must be an ISO 4217 code in capitals, like "EUR"' },
    lines: { type: 'array', maxItems: MAX_LINES, items: lineSchema },
  },
});

/**
 * POST /hubspot/pages/api/quote: line and invoice totals by the server's money rules, for the
 * form's live totals. Problems come back as a list (status 200): the rep is still typing.
 */
export const postQuote: Handler<{ body: QuoteInput }> = async (deps, _req, res, { body: input }) => {
  if (!isCurrency(input.currency)) {
    res.json({ problems: [{ field: 'currency', message: 'is not an ISO 4217 currency code that can be invoiced' }] });
    return;
  }
  const problems = new Problems();
  const priced = await priceLines(deps.db, problems, input.lines, input.currency);
  const money = (m: bigint) => formatMinor(m, input.currency);
  if (!priced) {
    // The form only needs to know the lines are not priceable yet; 500 bad lines need not be 500 entries.
    const omitted = problems.list.length - MAX_DETAILS;
    res.json({ problems: problems.list.slice(0, MAX_DETAILS), ...(omitted > 0 ? { problemsNotListed: omitted } : {}), exponent: currencyExponent(input.currency) });
    return;
  }
  res.json({
    problems: [],
    exponent: currencyExponent(input.currency),
    lines: priced.lines.map((l) => ({
      subtotal: money(l.subtotalMinor),
      discount: money(l.discountMinor),
      tax: money(l.taxMinor),
      net: money(l.subtotalMinor - l.discountMinor),
      total: money(l.totalMinor),
      description: l.description,
      unitPrice: formatDecimal(l.unitPrice),
    })),
    totals: { subtotal: money(priced.totals.subtotalMinor), discount: money(priced.totals.discountMinor), tax: money(priced.totals.taxMinor), total: money(priced.totals.totalMinor) },
  });
};

interface PageCreateInput {
  currency: string;
  issueDate?: string;
  dueDate?: string;
  paymentTermsDays?: number;
  contactExternalId?: string | null;
  lines: LineInput[];
  status?: 'draft' | 'open';
  memo?: string | null;
}

export const validatePageCreate = compile<PageCreateInput>({
  type: 'object',
  additionalProperties: false,
  required: ['currency', 'lines'],
  properties: {
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'must be an ISO 4217 code in capitals, like "EUR"' },
    issueDate: invoiceDate,
    dueDate: invoiceDate,
    paymentTermsDays: { type: 'integer', minimum: 0, maximum: 3650 },
    contactExternalId: { type: ['string', 'null'], maxLength: 100 },
    lines: { type: 'array', minItems: 1, maxItems: MAX_LINES, items: lineSchema },
    status: { enum: ['draft', 'open'] },
    memo: { type: ['string', 'null'], maxLength: 5000 },
  },
});

/** POST /hubspot/pages/api/invoices: create on the token's deal; the form's Idempotency-Key makes a double submit one invoice. */
export const postPageInvoice: Handler<{ body: PageCreateInput }> = async (deps, req, res, { body: input }) => {
  const claims = claimsOf(res);
  const ctx = changeContext(deps, res);
  const key = idempotencyKey(req.get('idempotency-key'));
  const result = await audited(deps, res, 'invoice.create', null, () =>
    runIdempotent(deps.db, `page:create:${claims.portalId}:${claims.dealId}`, key, input, async (trx) => {
      const invoice = await createInvoice(trx, { ...input, portalId: claims.portalId, dealId: claims.dealId }, ctx);
      return { status: 201, body: presentInvoice(invoice, todayUtc(ctx.now)) };
    }),
  );
  res.status(result.status).json(result.body);
};

/** PATCH /hubspot/pages/api/invoices/{id}: edit (and optionally issue) the token's draft. */
export const patchPageInvoice: Handler<{ body: PatchInvoiceInput }> = async (deps, req, res, { body: patch }) => {
  if (patch.dealId !== undefined || patch.status === 'void') {
    throw new AppError('not_allowed', 403, 'This page edits the draft; it cannot move or void it.');
  }
  const claims = claimsOf(res);
  const ctx = changeContext(deps, res);
  const id = String(req.params.invoiceId);
  const { invoice } = await audited(deps, res, 'invoice.edit', id, () => deps.db.transaction((trx) => editInvoice(trx, id, patch, { portalId: claims.portalId, dealId: claims.dealId }, ctx)));
  res.json(presentInvoice(invoice, todayUtc(ctx.now)));
};

/** POST /hubspot/pages/api/invoices/{id}/payments (Idempotency-Key from the form). */
export const postPagePayment: Handler<{ body: PaymentInput }> = async (deps, req, res, { body: input }) => {
  const claims = claimsOf(res);
  const ctx = changeContext(deps, res);
  const id = String(req.params.invoiceId);
  const key = idempotencyKey(req.get('idempotency-key'));
  const result = await audited(deps, res, 'invoice.payment', id, () =>
    runIdempotent(deps.db, `page:payment:${id}`, key, input, async (trx) => {
      const { invoice, paymentId } = await recordPayment(trx, id, input, { portalId: claims.portalId, dealId: claims.dealId }, ctx);
      return { status: 201, body: { paymentId, invoice: presentInvoice(invoice, todayUtc(ctx.now)) } };
    }),
  );
  res.status(result.status).json(result.body);
};

export const validateVoid = compile<{ voidReason?: string }>({
  type: 'object',
  additionalProperties: false,
  properties: { voidReason: { type: 'string', maxLength: 1000 } },
});

/** POST /hubspot/pages/api/invoices/{id}/void */
export const postPageVoid: Handler<{ body: Checked<typeof validateVoid> }> = async (deps, req, res, { body: { voidReason } }) => {
  const claims = claimsOf(res);
  const ctx = changeContext(deps, res);
  const id = String(req.params.invoiceId);
  const { invoice } = await audited(deps, res, 'invoice.void', id, () => deps.db.transaction((trx) => voidInvoice(trx, id, voidReason, { portalId: claims.portalId, dealId: claims.dealId }, ctx)));
  res.json(presentInvoice(invoice, todayUtc(ctx.now)));
};

/** The settings page's body: no fields but its three parts (each is checked on its own below). */
const validateSettingsEnvelope = compile<{ settings?: unknown; push?: unknown; version?: unknown }>({
  type: 'object',
  additionalProperties: false,
  properties: { settings: {}, push: {}, version: {} },
});

/**
 * PUT /hubspot/pages/api/settings `{ settings, push?, version }`: the settings page saves the
 * portal's invoice settings and, when the portal is connected for the push, the push settings it
 * changed (saveSettings). Only the portal's settings editors may. Both parts are checked before
 * either is written.
 */
export const putPageSettings: Handler = async (deps, req, res) => {
  const claims = claimsOf(res);
  await requireSettingsEditor(deps.db, claims.portalId, claims);
  // Every problem of every part is collected and answered at once (the form shows each beside its
  // field), through the same size-first schemas and the same cap on details as everything else.
  const body = (req.body ?? {}) as { settings?: unknown; push?: unknown; version?: unknown };
  const problems: FieldError[] = [];
  const collect = <T>(run: () => T): T | undefined => {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof ValidationFailure)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  collect(() => check(validateSettingsEnvelope, body));
  if (!Number.isSafeInteger(body.version) || (body.version as number) < 0) problems.push({ field: 'version', message: 'must be the settings revision the page was opened with (a whole number)' });
  const settingsPart = body.settings ?? {};
  if (typeof settingsPart === 'object' && settingsPart !== null && Object.hasOwn(settingsPart, 'cardEditors'))
    problems.push({ field: 'cardEditors', message: 'is changed through /api/v1, not from the card' });
  const settings = collect(() => checkSettings(settingsPart));
  const portal = portalRepo.connected(await portalRepo.get(deps.db, claims.portalId));
  if (body.push !== undefined && !portal) problems.push({ field: 'push', message: 'this account is not connected for the push' });
  const push = body.push === undefined || !portal ? undefined : collect(() => checkPortalPatch(body.push));
  if (problems.length > 0 || !settings) throw validationFailed(problems);

  await saveSettings(
    deps,
    { portalId: claims.portalId, version: body.version as number, settings, portal, push },
    { actor: changeContext(deps, res).actor, requestId: res.locals.requestId as string | undefined },
  );
  deps.log.info('settings saved from the card', { scope: 'pages', portalId: claims.portalId, userId: claims.userId });
  res.json({ saved: true });
};
