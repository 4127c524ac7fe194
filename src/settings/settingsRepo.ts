import type { Knex } from 'knex';
import type { Db } from '../db/db.js';
import { installerOf } from '../portals/portalTokens.js';

type Conn = Db | Knex.Transaction;

/** A portal's settings; every field may be unset (null) and then falls back to a default. */
export interface PortalSettings {
  portalId: string;
  sellerName: string | null;
  /** Multi-line postal address, as it should be printed. */
  sellerAddress: string | null;
  sellerEmail: string | null;
  sellerPhone: string | null;
  sellerTaxId: string | null;
  /** Bank details or how to pay, printed under the totals. */
  paymentInstructions: string | null;
  invoiceFooter: string | null;
  defaultCurrency: string | null;
  defaultPaymentTermsDays: number | null;
  /** BCP 47 tag (de-DE) of the PDF's dates and numbers; null: the service's default. */
  locale: string | null;
  /** HubSpot user ids and (lower-case) emails that may change these settings from the card. */
  cardEditors: string[];
  /** Counts saves (0: never saved); a save from a page that read an older revision is refused. */
  revision: number;
  updatedAt: Date | null;
}

interface DbPortalSettings {
  portal_id: string;
  seller_name: string | null;
  seller_address: string | null;
  seller_email: string | null;
  seller_phone: string | null;
  seller_tax_id: string | null;
  payment_instructions: string | null;
  invoice_footer: string | null;
  default_currency: string | null;
  default_payment_terms_days: number | null;
  locale: string | null;
  card_editors: string[];
  revision: number;
  updated_at: Date;
}

export const emptySettings = (portalId: string): PortalSettings => ({
  portalId,
  sellerName: null,
  sellerAddress: null,
  sellerEmail: null,
  sellerPhone: null,
  sellerTaxId: null,
  paymentInstructions: null,
  invoiceFooter: null,
  defaultCurrency: null,
  defaultPaymentTermsDays: null,
  locale: null,
  cardEditors: [],
  revision: 0,
  updatedAt: null,
});

/** The portal's settings, or all-unset settings when it has none; `lock` holds the row for the transaction. */
export async function get(db: Conn, portalId: string, opts: { lock?: boolean } = {}): Promise<PortalSettings> {
  const q = db('portal_settings').where({ portal_id: portalId }).first();
  if (opts.lock) q.forUpdate();
  const row = (await q) as DbPortalSettings | undefined;
  if (!row) return emptySettings(portalId);
  return {
    portalId: String(row.portal_id),
    sellerName: row.seller_name,
    sellerAddress: row.seller_address,
    sellerEmail: row.seller_email,
    sellerPhone: row.seller_phone,
    sellerTaxId: row.seller_tax_id,
    paymentInstructions: row.payment_instructions,
    invoiceFooter: row.invoice_footer,
    defaultCurrency: row.default_currency?.trim() ?? null,
    defaultPaymentTermsDays: row.default_payment_terms_days,
    locale: row.locale,
    cardEditors: row.card_editors ?? [],
    revision: row.revision,
    updatedAt: row.updated_at,
  };
}

/** Replaces the portal's settings; the card editors only when given (undefined keeps them). */
export async function put(db: Conn, s: Omit<PortalSettings, 'updatedAt' | 'cardEditors' | 'revision'> & { cardEditors?: string[] | undefined }, now: Date): Promise<void> {
  const row = {
    portal_id: s.portalId,
    seller_name: s.sellerName,
    seller_address: s.sellerAddress,
    seller_email: s.sellerEmail,
    seller_phone: s.sellerPhone,
    seller_tax_id: s.sellerTaxId,
    payment_instructions: s.paymentInstructions,
    invoice_footer: s.invoiceFooter,
    default_currency: s.defaultCurrency,
    default_payment_terms_days: s.defaultPaymentTermsDays,
    locale: s.locale,
    ...(s.cardEditors !== undefined ? { card_editors: s.cardEditors } : {}),
    updated_at: now,
  };
  await db('portal_settings')
    .insert({ ...row, revision: 1, created_at: now })
    .onConflict('portal_id')
    .merge({ ...row, revision: db.raw('portal_settings.revision + 1') });
}

/**
 * Makes sure the portal has a settings row (revision 0, everything unset) so that it can be locked
 * with `get(…, { lock: true })` before a read-modify-write: without a row, two first saves would
 * not wait for each other and the second would overwrite the first.
 */
export async function ensureRow(db: Conn, portalId: string, now: Date): Promise<void> {
  await db('portal_settings').insert({ portal_id: portalId, revision: 0, created_at: now, updated_at: now }).onConflict('portal_id').ignore();
}

/**
 * Whether a HubSpot user may change the portal's settings (as already read) from the card:
 * listed in its card editors by id or email, or the user who installed the app.
 */
export async function mayEdit(db: Conn, settings: PortalSettings, user: { userId: string; userEmail: string | null }): Promise<boolean> {
  const email = user.userEmail?.trim().toLowerCase() ?? null;
  const editors = settings.cardEditors;
  if (editors.includes(user.userId) || (email !== null && editors.includes(email))) return true;
  if (email === null) return false;
  return (await installerOf(db, settings.portalId))?.trim().toLowerCase() === email;
}
