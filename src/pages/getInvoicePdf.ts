import crypto from 'node:crypto';
import { contactKind } from '../catalog/catalogKinds.js';
import * as catalogRepo from '../catalog/catalogRepo.js';
import { AppError } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { displayStatus, todayUtc } from '../invoices/invoice.js';
import * as invoiceRepo from '../invoices/invoiceRepo.js';
import { type BillToDetails, PDF_LAYOUT_VERSION, renderInvoicePdf } from '../invoices/pdf/renderInvoicePdf.js';
import * as settingsRepo from '../settings/settingsRepo.js';
import type { PageClaims } from '../shared/pageToken.js';

/**
 * GET /hubspot/pdf/invoices/{id}: the invoice as a PDF, inline (or as a download with
 * ?download=1), behind a page token. Rendering is deterministic, so the ETag is computed from
 * what the PDF is made of (invoice, contact and settings versions, displayed status, layout
 * version) and a matching If-None-Match is answered 304 without rendering.
 */
export const getInvoicePdf: Handler = async (deps, req, res) => {
  const claims = res.locals.page as PageClaims;
  const inv = claims.invoiceId ? await invoiceRepo.findDetail(deps.db, claims.invoiceId) : undefined;
  if (!inv || inv.portalId !== claims.portalId || inv.dealId !== claims.dealId) {
    throw new AppError('not_found', 404, 'This invoice no longer exists on this deal. Close this window and reopen the deal record.');
  }
  const today = todayUtc(deps.clock.now());
  const [seller, contact] = await Promise.all([
    settingsRepo.get(deps.db, inv.portalId),
    inv.contactExternalId ? catalogRepo.find(deps.db, contactKind, inv.contactExternalId) : Promise.resolve(undefined),
  ]);
  const etag = `"${crypto
    .createHash('sha256')
    .update(JSON.stringify([PDF_LAYOUT_VERSION, inv.id, inv.updatedAt.toISOString(), displayStatus(inv, today), contact?.version ?? null, seller.updatedAt?.toISOString() ?? null]))
    .digest('base64url')
    .slice(0, 27)}"`;
  const download = (req.query as Record<string, unknown>).download === '1';
  res.set({
    ETag: etag,
    'Cache-Control': 'private, no-cache',
    'Content-Disposition': `${download ? 'attachment' : 'inline'}; filename="${inv.number.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf"`,
  });
  if (req.get('if-none-match') === etag) {
    res.status(304).end();
    return;
  }
  let billTo: BillToDetails | null = null;
  if (contact) {
    const c = contactKind.present(contact) as {
      firstName: string | null;
      lastName: string | null;
      company: string | null;
      email: string | null;
      phone: string | null;
      address: Record<string, string> | null;
    };
    const a = c.address ?? {};
    billTo = {
      name: [c.firstName, c.lastName].filter(Boolean).join(' ') || null,
      company: c.company,
      email: c.email,
      phone: c.phone,
      addressLines: [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country].filter((l): l is string => !!l),
    };
  }
  const pdf = await renderInvoicePdf({ invoice: inv, billTo, seller, today });
  res.type('application/pdf').send(pdf);
};
