import type { Knex } from 'knex';
import type { Db } from '../db/db.js';
import type { Payment } from './invoice.js';

/** The payments table: what was received against an invoice, one row per payment. */

type Conn = Db | Knex.Transaction;

interface DbPayment {
  id: string;
  invoice_id: string;
  amount_minor: string;
  paid_on: string;
  method: string | null;
  reference: string | null;
  created_at: Date;
}

function toPayment(row: DbPayment): Payment {
  return {
    id: String(row.id),
    amountMinor: BigInt(row.amount_minor),
    paidOn: row.paid_on,
    method: row.method,
    reference: row.reference,
    createdAt: row.created_at,
  };
}

/** An invoice's payments, oldest first. */
export async function listForInvoice(db: Conn, invoiceId: string): Promise<Payment[]> {
  const rows = (await db('payments').where({ invoice_id: invoiceId }).orderBy('id')) as DbPayment[];
  return rows.map(toPayment);
}

/** Records a payment row; its id. */
export async function insert(trx: Knex.Transaction, invoiceId: string, p: { amountMinor: bigint; paidOn: string; method: string | null; reference: string | null; now: Date }): Promise<string> {
  const [row] = await trx('payments')
    .insert({ invoice_id: invoiceId, amount_minor: p.amountMinor.toString(), paid_on: p.paidOn, method: p.method, reference: p.reference, created_at: p.now })
    .returning('id');
  return String((row as { id: string }).id);
}
