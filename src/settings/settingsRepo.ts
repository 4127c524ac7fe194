import type { Knex } from 'knex';
import type { Db } from '../db/db.js';

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
  updatedAt: null,
});

/** The portal's settings, or all-unset settings when it has none. */
export async function get(db: Conn, portalId: string): Promise<PortalSettings> {
  const row = (await db('portal_settings').where({ portal_id: portalId }).first()) as DbPortalSettings | undefined;
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
    updatedAt: row.updated_at,
  };
}

/** Replaces the portal's settings. */
export async function put(db: Conn, s: Omit<PortalSettings, 'updatedAt'>, now: Date): Promise<void> {
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
    updated_at: now,
  };
  await db('portal_settings').insert({ ...row, created_at: now }).onConflict('portal_id').merge(row);
}
