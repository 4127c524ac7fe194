import type { Knex } from 'knex';
import type { Request, Response } from 'express';
import * as auditRepo from '../audit/auditRepo.js';
import type { Deps } from '../deps.js';
import { AppError, badRequest } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { toAppError } from '../http/errorHandler.js';
import { check, compile } from '../http/validate.js';
import { deleteDraft, issueInvoice, voidInvoice, type ChangeResult } from '../invoices/changeInvoice.js';
import type { ChangeContext, InvoiceScope } from '../invoices/invoiceScope.js';

/**
 * The card's action hooks (ACTION_HOOK / CONFIRMATION_ACTION_HOOK). HubSpot sends its default
 * parameters (userId, userEmail, associatedObjectId, associatedObjectType, portalId) in the query
 * string, in a form-encoded body (classic card POST/PUT/PATCH) or in a JSON body (the converter
 * app card), plus appId from the app card; all three are read. Each hook is idempotent: a repeat
 * of the same request (HubSpot's retry, a double click) finds the work done and answers the same.
 * Every attempt is audited with the HubSpot user, whether it changed something or was refused.
 */

export interface HookParams {
  portalId: string;
  associatedObjectId: string;
  associatedObjectType?: string;
  userId?: string;
  userEmail?: string;
}

const id = { type: 'string', pattern: '^[1-9][0-9]{0,17}$', description: 'must be a HubSpot id (digits only)' } as const;
const validateHookParams = compile<HookParams>({
  type: 'object',
  required: ['portalId', 'associatedObjectId'],
  properties: {
    portalId: id,
    associatedObjectId: id,
    associatedObjectType: { type: 'string', maxLength: 40 },
    userId: { type: 'string', pattern: '^[0-9]{0,20}$', description: 'must be a HubSpot user id (digits only)' },
    userEmail: { type: 'string', maxLength: 254 },
  },
});

/** Reads the default parameters from the query and the (already signature-checked) raw body. */
export function hookParams(req: Request, res: Response): HookParams {
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) merged[k] = v;
  const raw: Buffer = res.locals.rawBody ?? Buffer.alloc(0);
  if (raw.length > 0) {
    const type = (req.get('content-type') ?? '').toLowerCase();
    let body: Record<string, unknown>;
    if (type.includes('json') || (!type.includes('form') && raw[0] === 0x7b)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        throw badRequest('invalid_json', 'The request body is not valid JSON');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('invalid_body', 'The request body must be a JSON object');
      body = parsed as Record<string, unknown>;
    } else {
      body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    }
    // JSON bodies may carry ids as numbers; the query string always has strings.
    for (const [k, v] of Object.entries(body)) merged[k] = typeof v === 'number' ? String(v) : v;
  }
  const params = check(validateHookParams, merged);
  if (params.associatedObjectType && params.associatedObjectType.toUpperCase() !== 'DEAL') {
    throw badRequest('unsupported_object_type', `These actions work on deals; got associatedObjectType=${params.associatedObjectType}`);
  }
  return params;
}

type HookWork = (trx: Knex.Transaction, invoiceId: string, scope: InvoiceScope, ctx: ChangeContext) => Promise<ChangeResult>;

function hook(action: string, work: HookWork, describe: (r: ChangeResult) => string): Handler {
  return async (deps: Deps, req: Request, res: Response) => {
    const params = hookParams(req, res);
    const invoiceId = String(req.params.invoiceId);
    const ctx: ChangeContext = {
      actor: { type: 'hubspot_user', userId: params.userId ?? '', userEmail: params.userEmail ?? null },
      requestId: res.locals.requestId as string | undefined,
      now: deps.clock.now(),
    };
    const scope = { portalId: params.portalId, dealId: params.associatedObjectId };
    try {
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
          invoiceId: /^[1-9][0-9]{0,18}$/.test(invoiceId) ? invoiceId : null,
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
    return new AppError(
      'void_reason_required',
      409,
      'This invoice has payments recorded against it: void it from its "Void invoice…" page, which asks for the reason.',
      err.details,
    );
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
