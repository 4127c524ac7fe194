import type { Knex } from 'knex';
import type { Request, Response } from 'express';
import * as auditRepo from '../audit/auditRepo.js';
import type { Deps } from '../deps.js';
import { AppError, badRequest, notFound } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { toAppError } from '../http/errorHandler.js';
import { deleteDraft, issueInvoice, voidInvoice, type ChangeResult } from '../invoices/changeInvoice.js';
import type { ChangeContext, InvoiceScope } from '../invoices/invoiceScope.js';
import { hubspotParamsOf } from './hubspotParams.js';
import { isRowId } from '../http/validate.js';

/**
 * The card's action hooks (ACTION_HOOK / CONFIRMATION_ACTION_HOOK). HubSpot sends its default
 * parameters (userId, userEmail, associatedObjectId, associatedObjectType, portalId) in the query
 * string, in a form-encoded body (classic card POST/PUT/PATCH) or in a JSON body (the converter
 * app card), plus appId from app cards; requireServedCaller reads all of them (hubspotParams.ts:
 * every copy must agree) and checks the portal before a hook runs. Each hook is idempotent: a
 * repeat of the same request (HubSpot's retry, a double click) finds the work done and answers the
 * same. Every attempt is audited with the HubSpot user, whether it changed something or was refused.
 */

type HookWork = (trx: Knex.Transaction, invoiceId: string, scope: InvoiceScope, ctx: ChangeContext) => Promise<ChangeResult>;

function hook(action: string, work: HookWork, describe: (r: ChangeResult) => string): Handler {
  return async (deps: Deps, req: Request, res: Response) => {
    const params = hubspotParamsOf(res);
    if (params.associatedObjectType && params.associatedObjectType.toUpperCase() !== 'DEAL') {
      throw badRequest('unsupported_object_type', `These actions work on deals; got associatedObjectType=${params.associatedObjectType}`);
    }
    const invoiceId = String(req.params.invoiceId);
    // An id the database cannot hold cannot name an invoice: a 404 before any query (see isRowId).
    const validId = isRowId(invoiceId as unknown);
    const ctx: ChangeContext = {
      actor: { type: 'hubspot_user', userId: params.userId ?? '', userEmail: params.userEmail ?? null },
      requestId: res.locals.requestId as string | undefined,
      now: deps.clock.now(),
    };
    const scope = { portalId: params.portalId, dealId: params.associatedObjectId };
    try {
      if (!validId) throw notFound(`Invoice ${invoiceId.slice(0, 40)}`);
      const result = await deps.db.transaction((trx) => work(trx, invoiceId, scope, ctx));
      res.json({ message: describe(result), invoice: { id: result.invoice.id, number: result.invoice.number, status: result.invoice.status }, changed: result.changed });
    } catch (err) {
      const appErr = err instanceof AppError ? withMessage(err) : toAppError(err);
      if (appErr.status < 500) {
        await auditRepo.record(deps.db, {
          actor: ctx.actor,
          action,
          portalId: params.portalId,
          dealId: params.associatedObjectId,
          invoiceId: validId ? invoiceId : null,
          outcome: 'rejected',
          errorCode: appErr.code,
          requestId: ctx.requestId,
          at: ctx.now,
        });
      }
      throw appErr.status < 500 ? appErr : err;
    }
  };
}

/** Turns a missing void reason into advice the rep can act on from the card. */
function withMessage(err: AppError): AppError {
  if (err.code === 'validation_failed' && JSON.stringify(err.details ?? '').includes('voidReason')) {
    return new AppError('void_reason_required', 409, 'This invoice has payments recorded against it: void it from its "Void invoice…" page, which asks for the reason.', err.details);
  }
  return err;
}

/** POST /hubspot/actions/invoices/{id}/void */
export const postVoidHook = hook(
  'invoice.void',
  (trx, id, scope, ctx) => voidInvoice(trx, id, undefined, scope, ctx),
  (r) => (r.changed ? `Invoice ${r.invoice.number} is void.` : `Invoice ${r.invoice.number} was already void.`),
);

/** DELETE /hubspot/actions/invoices/{id} (drafts only) */
export const deleteDraftHook = hook(
  'invoice.delete',
  (trx, id, scope, ctx) => deleteDraft(trx, id, scope, ctx),
  (r) => (r.changed ? `Draft ${r.invoice.number} was deleted.` : `Draft ${r.invoice.number} was already deleted.`),
);

/** POST /hubspot/actions/invoices/{id}/issue */
export const postIssueHook = hook(
  'invoice.issue',
  (trx, id, scope, ctx) => issueInvoice(trx, id, scope, ctx),
  (r) => (r.changed ? `Invoice ${r.invoice.number} was issued.` : `Invoice ${r.invoice.number} was already issued.`),
);
