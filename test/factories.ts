import { expect } from 'vitest';
import type { JsonBody, TestApp } from './testApp.js';

let seq = 0;
const next = () => ++seq;

/** A contact through PUT /api/v1/contacts/{externalId}. */
export async function createContact(app: TestApp, over: Record<string, unknown> = {}): Promise<string> {
  const externalId = (over.externalId as string) ?? `c-${next()}`;
  const { externalId: _ignored, ...fields } = over;
  const res = await app.api('PUT', `/contacts/${externalId}`, {
    email: `${externalId}@customer.example`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: `Company ${externalId}`,
    ...fields,
  });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return externalId;
}

/** A product through PUT /api/v1/products/{externalId}. */
export async function createProduct(app: TestApp, over: Record<string, unknown> = {}): Promise<string> {
  const externalId = (over.externalId as string) ?? `p-${next()}`;
  const { externalId: _ignored, ...fields } = over;
  const res = await app.api('PUT', `/products/${externalId}`, { name: `Product ${externalId}`, price: '100.00', currency: 'EUR', ...fields });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return externalId;
}

export function invoiceBody(over: Record<string, unknown> = {}) {
  return {
    portalId: '987654',
    dealId: '53701',
    currency: 'EUR',
    lines: [{ description: 'Consulting', quantity: '2', unitPrice: '100.00', taxRate: '20' }],
    ...over,
  };
}

/** An invoice through POST /api/v1/invoices; returns the API's JSON. */
export async function createInvoice(app: TestApp, over: Record<string, unknown> = {}): Promise<JsonBody> {
  const res = await app.api('POST', '/invoices', invoiceBody(over));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
