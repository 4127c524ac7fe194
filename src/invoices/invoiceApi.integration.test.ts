import { describe, expect, it } from 'vitest';
import { createContact, createInvoice, createProduct, invoiceBody } from '../../test/factories.js';
import { startTestApp } from '../../test/testApp.js';
import { useTestApp } from '../../test/setup.js';
import * as auditRepo from '../audit/auditRepo.js';

const { tdb, app } = useTestApp({ now: '2026-11-25T12:00:00Z' });

const count = async (table: string) => Number(((await tdb.db(table).count({ n: '*' })) as Array<{ n: string }>)[0]!.n);

describe('/api/v1 access', () => {
  it('rejects a missing or wrong bearer token', async () => {
    const none = await fetch(`${app.url}/api/v1/invoices`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await app.api('GET', '/invoices', undefined, { authorization: 'Bearer wrong-token-000000000' })).status).toBe(401);
  });

  it('answers 503 naming API_TOKEN when it is not configured', async () => {
    const bare = await startTestApp({ db: tdb.db, env: { API_TOKEN: '' } });
    try {
      const res = await bare.api('GET', '/invoices');
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'not_configured', details: { variable: 'API_TOKEN' } });
    } finally {
      await bare.close();
    }
  });

  it('refuses non-JSON bodies with 415, broken JSON with 400 and huge bodies with 413', async () => {
    const form = await app.api('POST', '/invoices', 'portalId=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    const broken = await app.api('POST', '/invoices', '{"portalId": ', { 'content-type': 'application/json' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const huge = await app.api('POST', '/invoices', JSON.stringify({ memo: 'x'.repeat(6 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });
});

describe('POST /api/v1/invoices', () => {
  it('creates a draft with exact totals, a generated number and 30-day terms', async () => {
    const contact = await createContact(app);
    const res = await app.api(
      'POST',
      '/invoices',
      invoiceBody({
        contactExternalId: contact,
        issueDate: '2026-11-01',
        lines: [
          { description: 'Consulting', quantity: '2.5', unitPrice: '80.00', taxRate: '19' },
          { description: 'Travel', quantity: '1', unitPrice: '45.67', discount: { type: 'amount', value: '5.67' } },
        ],
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      portalId: '987654',
      dealId: '53701',
      number: expect.stringMatching(/^INV-\d{6}$/),
      status: 'draft',
      displayStatus: 'draft',
      issueDate: '2026-11-01',
      dueDate: '2026-12-01',
      paymentTermsDays: 30,
      subtotal: '245.67',
      discountTotal: '5.67',
      taxTotal: '38.00',
      total: '278.00',
      amountPaid: '0.00',
      balance: '278.00',
      billTo: { externalId: contact, company: `Company ${contact}` },
    });
    expect(res.body.lines).toEqual([
      expect.objectContaining({ position: 1, quantity: '2.5', unitPrice: '80.00', taxRate: '19', subtotal: '200.00', tax: '38.00', total: '238.00', discount: null }),
      expect.objectContaining({ position: 2, unitPrice: '45.67', discount: { type: 'amount', value: '5.67' }, discountAmount: '5.67', total: '40.00' }),
    ]);
    const audit = await auditRepo.listForInvoice(tdb.db, res.body.id);
    expect(audit).toEqual([expect.objectContaining({ action: 'invoice.create', actor_type: 'api', outcome: 'ok' })]);
  });

  it('takes description and price from a product in the same currency', async () => {
    const product = await createProduct(app, { name: 'Annual licence', price: '1200.00', currency: 'EUR' });
    const inv = await createInvoice(app, { lines: [{ productExternalId: product, quantity: '2', taxRate: '10', discount: { type: 'percent', value: '12.5' } }] });
    expect(inv.lines[0]).toMatchObject({
      description: 'Annual licence',
      unitPrice: '1200.00',
      productExternalId: product,
      subtotal: '2400.00',
      discountAmount: '300.00',
      tax: '210.00',
      total: '2310.00',
    });
  });

  it('names every invalid field in one 400 and writes nothing', async () => {
    const before = { invoices: await count('invoices'), lines: await count('invoice_lines'), audit: await count('audit_log') };
    const res = await app.api('POST', '/invoices', {
      portalId: 'abc',
      dealId: 0,
      currency: 'EURO',
      issueDate: '2026-02-30',
      lines: [{ quantity: '1e3', unitPrice: 5, extra: true }],
      colour: 'blue',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['portalId', 'dealId', 'currency', 'issueDate', 'lines[0].quantity', 'lines[0].unitPrice', 'lines[0].extra', 'colour']));
    expect({ invoices: await count('invoices'), lines: await count('invoice_lines'), audit: await count('audit_log') }).toEqual(before);
  });

  it('checks money against the currency and the business rules, line by line', async () => {
    const res = await app.api(
      'POST',
      '/invoices',
      invoiceBody({
        currency: 'JPY',
        contactExternalId: 'nobody',
        dueDate: '2026-01-01',
        paymentTermsDays: 10,
        lines: [
          { description: 'a', quantity: '0', unitPrice: '10' },
          { description: 'b', quantity: '1', unitPrice: '10', discount: { type: 'amount', value: '1.5' } },
          { description: 'c', quantity: '1', unitPrice: '10', taxRate: '101' },
          { description: 'd', quantity: '1', unitPrice: '10', discount: { type: 'amount', value: '11' } },
          { quantity: '1' },
          { description: 'f', quantity: '1', productExternalId: 'no-such-product' },
        ],
      }),
    );
    expect(res.status).toBe(400);
    const byField = Object.fromEntries(res.body.error.details.map((d: { field: string; message: string }) => [d.field, d.message]));
    expect(byField).toMatchObject({
      contactExternalId: expect.stringContaining('no contact'),
      dueDate: expect.stringMatching(/either dueDate or paymentTermsDays/),
      'lines[0].quantity': expect.stringContaining('more than 0'),
      'lines[1].discount.value': expect.stringContaining('JPY'),
      'lines[2].taxRate': expect.stringContaining('0 to 100'),
      'lines[4].description': expect.stringContaining('required'),
      'lines[4].unitPrice': expect.stringContaining('required'),
      'lines[5].productExternalId': expect.stringContaining('no product'),
    });
    // The over-large discount is only detectable once the other lines are fine.
    const big = await app.api('POST', '/invoices', invoiceBody({ lines: [{ description: 'd', quantity: '1', unitPrice: '10', discount: { type: 'amount', value: '11' } }] }));
    expect(big.body.error.details).toEqual([{ field: 'lines[0].discount.value', message: expect.stringContaining('must not exceed the line subtotal (10.00 EUR)') }]);
  });

  it('needs a bill-to contact to issue at once', async () => {
    const res = await app.api('POST', '/invoices', invoiceBody({ status: 'open' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'contactExternalId', message: expect.stringContaining('required to issue') }]);
  });

  it('keeps numbers unique per portal, generated or given', async () => {
    const a = await createInvoice(app, { portalId: '5550001' });
    const b = await createInvoice(app, { portalId: '5550001' });
    expect(a.number).toBe('INV-000001');
    expect(b.number).toBe('INV-000002');
    const manual = await createInvoice(app, { portalId: '5550001', number: 'INV-000003' });
    expect(manual.number).toBe('INV-000003');
    expect((await createInvoice(app, { portalId: '5550001' })).number).toBe('INV-000004'); // skips the taken one
    const dup = await app.api('POST', '/invoices', invoiceBody({ portalId: '5550001', number: 'INV-000003' }));
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('duplicate_number');
    expect((await createInvoice(app, { portalId: '5550002', number: 'INV-000003' })).number).toBe('INV-000003'); // another portal
  });

  it('hands out distinct numbers to concurrent creates in one portal', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => app.api('POST', '/invoices', invoiceBody({ portalId: '5550003' }))));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    expect(new Set(results.map((r) => r.body.number)).size).toBe(12);
  });

  it('creates once per Idempotency-Key, replays the answer, and refuses the key with another body', async () => {
    const key = `create-${Date.now()}`;
    const body = invoiceBody({ dealId: '8001' });
    const first = await app.api('POST', '/invoices', body, { 'Idempotency-Key': key });
    const second = await app.api('POST', '/invoices', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const list = await app.api('GET', '/invoices?portalId=987654&dealId=8001');
    expect(list.body.invoices).toHaveLength(1);
    const other = await app.api('POST', '/invoices', invoiceBody({ dealId: '8002' }), { 'Idempotency-Key': key });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('creates once when the same Idempotency-Key arrives concurrently', async () => {
    const key = `race-${Date.now()}`;
    const body = invoiceBody({ dealId: '8003' });
    const results = await Promise.all(Array.from({ length: 6 }, () => app.api('POST', '/invoices', body, { 'Idempotency-Key': key })));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await app.api('GET', '/invoices?dealId=8003')).body.invoices).toHaveLength(1);
  });

  it('stores nothing for a rejected request, so the corrected retry with the same key works', async () => {
    const key = `fix-${Date.now()}`;
    const bad = await app.api('POST', '/invoices', invoiceBody({ dealId: '8004', currency: 'XXX' }), { 'Idempotency-Key': key });
    expect(bad.status).toBe(400);
    const good = await app.api('POST', '/invoices', invoiceBody({ dealId: '8004' }), { 'Idempotency-Key': key });
    expect(good.status).toBe(201);
  });
});

describe('reading invoices', () => {
  it('lists by portal and deal, newest first, with keyset pages', async () => {
    for (let i = 0; i < 5; i++) await createInvoice(app, { portalId: '6660001', dealId: '9' });
    await createInvoice(app, { portalId: '6660001', dealId: '10' });
    const page1 = await app.api('GET', '/invoices?portalId=6660001&dealId=9&limit=3');
    expect(page1.body.invoices).toHaveLength(3);
    const page2 = await app.api('GET', `/invoices?portalId=6660001&dealId=9&limit=3&before=${page1.body.nextBefore}`);
    expect(page2.body.invoices).toHaveLength(2);
    expect(page2.body.nextBefore).toBeNull();
    const ids = [...page1.body.invoices, ...page2.body.invoices].map((i: { id: string }) => Number(i.id));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    const bad = await app.api('GET', '/invoices?limit=0&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['limit', 'colour']));
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expect((await app.api('GET', '/invoices/999999999')).status).toBe(404);
    expect((await app.api('GET', '/invoices/abc')).status).toBe(404);
  });
});

describe('PATCH /api/v1/invoices/{id}', () => {
  it('edits a draft freely and re-prices it', async () => {
    const inv = await createInvoice(app);
    const res = await app.api('PATCH', `/invoices/${inv.id}`, {
      currency: 'KWD',
      lines: [{ description: 'Retainer', quantity: '3', unitPrice: '125.125' }],
      memo: 'Thanks!',
      issueDate: '2026-11-10',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ currency: 'KWD', total: '375.375', memo: 'Thanks!', issueDate: '2026-11-10', dueDate: '2026-12-10' });
  });

  it('re-prices existing lines when only the currency changes, and refuses amounts the new currency cannot hold', async () => {
    const inv = await createInvoice(app, { lines: [{ description: 'x', quantity: '1', unitPrice: '10.5' }] });
    const toJpy = await app.api('PATCH', `/invoices/${inv.id}`, { currency: 'JPY' });
    expect(toJpy.status).toBe(200);
    expect(toJpy.body.total).toBe('10'); // 10.5 yen rounds half-even to 10
    const withDiscount = await createInvoice(app, { lines: [{ description: 'x', quantity: '1', unitPrice: '10', discount: { type: 'amount', value: '0.50' } }] });
    const refused = await app.api('PATCH', `/invoices/${withDiscount.id}`, { currency: 'JPY' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].field).toBe('lines[0].discount.value');
  });

  it('issues a draft with status "open" once it has a bill-to contact', async () => {
    const inv = await createInvoice(app);
    const refused = await app.api('PATCH', `/invoices/${inv.id}`, { status: 'open' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('bill_to_required');
    const contact = await createContact(app);
    const issued = await app.api('PATCH', `/invoices/${inv.id}`, { status: 'open', contactExternalId: contact });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ status: 'open', contactExternalId: contact });
    expect(issued.body.issuedAt).not.toBeNull();
  });

  it('allows only due date and memo on an issued invoice', async () => {
    const inv = await createInvoice(app, { status: 'open', contactExternalId: await createContact(app) });
    const refused = await app.api('PATCH', `/invoices/${inv.id}`, { lines: [{ description: 'x', quantity: '1', unitPrice: '1' }], currency: 'USD' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'invoice_not_editable', details: { fields: ['lines', 'currency'] } });
    const ok = await app.api('PATCH', `/invoices/${inv.id}`, { dueDate: '2027-01-31', memo: 'extended' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ dueDate: '2027-01-31', memo: 'extended', paymentTermsDays: null });
  });

  it('voids an issued invoice; drafts are deleted instead; a paid one needs a reason', async () => {
    const contact = await createContact(app);
    const open = await createInvoice(app, { status: 'open', contactExternalId: contact });
    const voided = await app.api('PATCH', `/invoices/${open.id}`, { status: 'void' });
    expect(voided.body).toMatchObject({ status: 'void', balance: '0.00', displayStatus: 'void' });
    expect((await app.api('PATCH', `/invoices/${open.id}`, { status: 'void' })).status).toBe(200); // repeat: no-op

    const draft = await createInvoice(app);
    const refused = await app.api('PATCH', `/invoices/${draft.id}`, { status: 'void' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('invoice_is_draft');

    const paid = await createInvoice(app, { status: 'open', contactExternalId: contact });
    await app.api('POST', `/invoices/${paid.id}/payments`, { amount: paid.total });
    const noReason = await app.api('PATCH', `/invoices/${paid.id}`, { status: 'void' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details[0].field).toBe('voidReason');
    const withReason = await app.api('PATCH', `/invoices/${paid.id}`, { status: 'void', voidReason: 'Refunded in full' });
    expect(withReason.body).toMatchObject({ status: 'void', voidReason: 'Refunded in full', amountPaid: paid.total });
  });
});

describe('DELETE /api/v1/invoices/{id}', () => {
  it('soft-deletes a draft, which stays readable, and refuses to delete an issued invoice', async () => {
    const draft = await createInvoice(app, { dealId: '8100' });
    const del = await app.api('DELETE', `/invoices/${draft.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ deleted: true, status: 'draft' });
    expect((await app.api('DELETE', `/invoices/${draft.id}`)).status).toBe(200); // repeat: no-op
    expect((await app.api('GET', `/invoices/${draft.id}`)).body.deleted).toBe(true);
    expect((await app.api('GET', '/invoices?dealId=8100')).body.invoices).toHaveLength(0);
    expect((await app.api('GET', '/invoices?dealId=8100&includeDeleted=true')).body.invoices).toHaveLength(1);
    expect((await app.api('PATCH', `/invoices/${draft.id}`, { memo: 'x' })).status).toBe(409);

    const open = await createInvoice(app, { status: 'open', contactExternalId: await createContact(app) });
    const refused = await app.api('DELETE', `/invoices/${open.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/voided, never deleted/);
  });
});

describe('POST /api/v1/invoices/{id}/payments', () => {
  it('records partial and full payments; status and balance follow', async () => {
    const inv = await createInvoice(app, { status: 'open', contactExternalId: await createContact(app) }); // total 240.00
    const part = await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '40', date: '2026-11-20', method: 'card', reference: 'ch_1' });
    expect(part.status).toBe(201);
    expect(part.body.invoice).toMatchObject({ status: 'open', displayStatus: 'partially_paid', amountPaid: '40.00', balance: '200.00' });
    const rest = await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '200.00' });
    expect(rest.body.invoice).toMatchObject({ status: 'paid', displayStatus: 'paid', balance: '0.00' });
    expect(rest.body.invoice.payments).toHaveLength(2);
    expect(rest.body.invoice.paidAt).not.toBeNull();
  });

  it('refuses overpayment, bad amounts, future dates and unpayable invoices', async () => {
    const contact = await createContact(app);
    const inv = await createInvoice(app, { status: 'open', contactExternalId: contact });
    const over = await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '240.01' });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'payment_exceeds_balance', details: { balance: '240.00' } });
    const bad = await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '1.001', date: '2026-12-01' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual(['amount', 'date']);
    expect((await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '0' })).status).toBe(400);
    const draft = await createInvoice(app);
    const onDraft = await app.api('POST', `/invoices/${draft.id}/payments`, { amount: '1' });
    expect(onDraft.status).toBe(409);
    expect(onDraft.body.error.code).toBe('invoice_not_payable');
  });

  it('never overpays when payments race for the same balance', async () => {
    const inv = await createInvoice(app, { status: 'open', contactExternalId: await createContact(app) }); // 240.00
    const results = await Promise.all(Array.from({ length: 5 }, () => app.api('POST', `/invoices/${inv.id}/payments`, { amount: '100.00' })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body).toMatchObject({ amountPaid: '200.00', balance: '40.00' });
  });

  it('records a payment once per Idempotency-Key', async () => {
    const inv = await createInvoice(app, { status: 'open', contactExternalId: await createContact(app) });
    const key = `pay-${Date.now()}`;
    const a = await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '10.00' }, { 'Idempotency-Key': key });
    const b = await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '10.00' }, { 'Idempotency-Key': key });
    expect(b.body).toEqual(a.body);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.amountPaid).toBe('10.00');
  });
});
