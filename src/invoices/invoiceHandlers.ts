import type { Request, Response } from 'express';
import type { Actor } from '../audit/auditRepo.js';
import type { Deps } from '../deps.js';
import { notFound } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { idempotencyKey, runIdempotent } from '../http/idempotency.js';
import { type Checked, isRowId } from '../http/validate.js';
import { deleteDraft, editInvoice } from './changeInvoice.js';
import { createInvoice } from './createInvoice.js';
import { todayUtc } from './invoice.js';
import * as invoiceRepo from './invoiceRepo.js';
import type { validateCreateInvoice, validateListInvoices, validatePatchInvoice, validatePayment } from './invoiceSchemas.js';
import type { ChangeContext } from './invoiceScope.js';
import { presentInvoice, presentInvoiceSummary } from './presentInvoice.js';
import { recordPayment } from './recordPayment.js';

const API_ACTOR: Actor = { type: 'api' };

const changeContext = (deps: Deps, res: Response): ChangeContext => ({
  actor: API_ACTOR,
  requestId: res.locals.requestId as string | undefined,
  now: deps.clock.now(),
});

const idParam = (req: Request) => String(req.params.id);

/** POST /api/v1/invoices (honours Idempotency-Key). */
export const postInvoice: Handler<{ body: Checked<typeof validateCreateInvoice> }> = async (deps, req, res, { body: input }) => {
  const key = idempotencyKey(req.get('idempotency-key'));
  const ctx = changeContext(deps, res);
  const result = await runIdempotent(deps.db, 'POST /api/v1/invoices', key, input, async (trx) => {
    const invoice = await createInvoice(trx, input, ctx);
    return { status: 201, body: presentInvoice(invoice, todayUtc(ctx.now)) };
  });
  if (result.replayed) res.set('Idempotent-Replayed', 'true');
  res.status(result.status).json(result.body);
};

/** GET /api/v1/invoices?portalId=&dealId=&status=&limit=&before= */
export const listInvoices: Handler<{ query: Checked<typeof validateListInvoices> }> = async (deps, _req, res, { query: q }) => {
  const limit = Number(q.limit ?? 50);
  const invoices = await invoiceRepo.list(deps.db, {
    portalId: q.portalId,
    dealId: q.dealId,
    status: q.status,
    includeDeleted: q.includeDeleted === 'true',
    limit,
    beforeId: q.before,
  });
  const today = todayUtc(deps.clock.now());
  res.json({
    invoices: invoices.map((i) => presentInvoiceSummary(i, today)),
    nextBefore: invoices.length === limit ? invoices[invoices.length - 1]!.id : null,
  });
};

/** GET /api/v1/invoices/{id} (deleted drafts included, flagged). */
export const getInvoice: Handler = async (deps, req, res) => {
  const id = idParam(req);
  const invoice = isRowId(id) ? await invoiceRepo.findDetail(deps.db, id) : undefined;
  if (!invoice) throw notFound(`Invoice ${id}`);
  res.json(presentInvoice(invoice, todayUtc(deps.clock.now())));
};

/** PATCH /api/v1/invoices/{id}: edit a draft, issue it, or void an issued invoice. */
export const patchInvoice: Handler<{ body: Checked<typeof validatePatchInvoice> }> = async (deps, req, res, { body: patch }) => {
  const ctx = changeContext(deps, res);
  const { invoice } = await deps.db.transaction((trx) => editInvoice(trx, idParam(req), patch, {}, ctx));
  res.json(presentInvoice(invoice, todayUtc(ctx.now)));
};

/** DELETE /api/v1/invoices/{id}: soft-delete a draft (issued invoices answer 409: void them). */
export const deleteInvoice: Handler = async (deps, req, res) => {
  const ctx = changeContext(deps, res);
  const { invoice } = await deps.db.transaction((trx) => deleteDraft(trx, idParam(req), {}, ctx));
  res.json(presentInvoice(invoice, todayUtc(ctx.now)));
};

/** POST /api/v1/invoices/{id}/payments (honours Idempotency-Key). */
export const postPayment: Handler<{ body: Checked<typeof validatePayment> }> = async (deps, req, res, { body: input }) => {
  const key = idempotencyKey(req.get('idempotency-key'));
  const ctx = changeContext(deps, res);
  const id = idParam(req);
  const result = await runIdempotent(deps.db, `POST /api/v1/invoices/${id}/payments`, key, input, async (trx) => {
    const { invoice, paymentId } = await recordPayment(trx, id, input, {}, ctx);
    return { status: 201, body: { paymentId, invoice: presentInvoice(invoice, todayUtc(ctx.now)) } };
  });
  if (result.replayed) res.set('Idempotent-Replayed', 'true');
  res.status(result.status).json(result.body);
};
