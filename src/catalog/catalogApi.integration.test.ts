import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/setup.js';

const { tdb, app } = useTestApp();

const rows = async (table: string) => Number(((await tdb.db(table).count({ n: '*' })) as Array<{ n: string }>)[0]!.n);

describe('PUT /api/v1/contacts/{externalId}', () => {
  it('creates (201), replaces (200) and leaves an identical replace unchanged', async () => {
    const created = await app.api('PUT', '/contacts/acc-1', { email: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace', address: { city: 'London', country: 'GB' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ externalId: 'acc-1', email: 'Ada@Example.com', address: { city: 'London', country: 'GB' }, archived: false, version: '1', outcome: 'created' });

    const same = await app.api('PUT', '/contacts/acc-1', { email: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace', address: { country: 'GB', city: 'London' } });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ outcome: 'unchanged', version: '1' });

    // Replace, not merge: fields left out become empty.
    const replaced = await app.api('PUT', '/contacts/acc-1', { email: 'ada@example.com', phone: '+44 20 7946 0000' });
    expect(replaced.body).toMatchObject({ outcome: 'updated', version: '2', firstName: null, lastName: null, address: null, phone: '+44 20 7946 0000' });
  });

  it('names invalid fields and unknown ones', async () => {
    const res = await app.api('PUT', '/contacts/acc-2', { email: 'not-an-email', firstName: 42, favouriteColour: 'blue' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'favouriteColour', 'firstName']);
    const badId = await app.api('PUT', `/contacts/${encodeURIComponent(' spaces ')}`, {});
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0].field).toBe('externalId');
  });
});

describe('products', () => {
  it('validates price against the decimal rules and the currency against ISO 4217', async () => {
    const res = await app.api('PUT', '/products/sku-1', { name: 'Widget', price: '12.1234567', currency: 'ABC', type: 'gadget' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['type']);
    const semantic = await app.api('PUT', '/products/sku-1', { name: 'Widget', price: '12.1234567', currency: 'ABC' });
    expect(semantic.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['currency', 'price']);
    const ok = await app.api('PUT', '/products/sku-1', { name: 'Widget', sku: 'W-1', price: '0.0125', currency: 'USD', type: 'inventory' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ price: '0.0125', currency: 'USD', type: 'inventory' });
  });
});

describe('POST /api/v1/{kind}/batch', () => {
  it('takes 1,000 items in one request and reports each outcome', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ externalId: `b-${i}`, email: `b${i}@x.example`, firstName: `N${i}` }));
    const first = await app.api('POST', '/contacts/batch', { items });
    expect(first.status).toBe(200);
    expect(first.body.counts).toEqual({ created: 1000, updated: 0, unchanged: 0 });
    items[3]!.firstName = 'Changed';
    const second = await app.api('POST', '/contacts/batch', { items });
    expect(second.body.counts).toEqual({ created: 0, updated: 1, unchanged: 999 });
    expect(second.body.results[3]).toEqual({ externalId: 'b-3', outcome: 'updated' });
  });

  it('refuses more than 1,000 items with 413', async () => {
    const items = Array.from({ length: 1001 }, (_, i) => ({ externalId: `t-${i}`, name: 'x', price: '1', currency: 'EUR' }));
    const res = await app.api('POST', '/products/batch', { items });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'too_many_items', details: { max: 1000, received: 1001 } });
  });

  it('writes nothing when any item is invalid, and names each by index', async () => {
    const before = await rows('products');
    const res = await app.api('POST', '/products/batch', {
      items: [
        { externalId: 'ok-1', name: 'Fine', price: '1.00', currency: 'EUR' },
        { externalId: 'bad-1', name: 'No price', currency: 'EUR' },
        { externalId: 'bad-2', name: 'Bad money', price: '1.0000001', currency: 'EUR' },
        { externalId: 'ok-1', name: 'Repeated', price: '2.00', currency: 'EUR' },
        { name: 'No id', price: '1', currency: 'EUR' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['items[1].price', 'items[2].price', 'items[3].externalId', 'items[4].externalId']);
    expect(res.body.error.message).toMatch(/nothing was saved/);
    expect(await rows('products')).toBe(before);
  });
});

describe('DELETE /api/v1/{kind}/{externalId}', () => {
  it('archives as a tombstone, repeats harmlessly, and PUT revives it', async () => {
    await app.api('PUT', '/contacts/gone-1', { email: 'gone@x.example' });
    const del = await app.api('DELETE', '/contacts/gone-1');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ archived: true, version: '2' });
    const again = await app.api('DELETE', '/contacts/gone-1');
    expect(again.body).toMatchObject({ archived: true, version: '2' });
    expect((await app.api('GET', '/contacts/gone-1')).body.archived).toBe(true);
    const revived = await app.api('PUT', '/contacts/gone-1', { email: 'gone@x.example' });
    expect(revived.body).toMatchObject({ archived: false, outcome: 'updated', version: '3' });
    expect((await app.api('DELETE', '/contacts/never-was')).status).toBe(404);
    expect((await app.api('GET', '/products/never-was')).status).toBe(404);
  });

  it('keeps an archived contact out of new invoices', async () => {
    await app.api('PUT', '/contacts/gone-2', { email: 'g2@x.example' });
    await app.api('DELETE', '/contacts/gone-2');
    const res = await app.api('POST', '/invoices', {
      portalId: '1',
      dealId: '2',
      currency: 'EUR',
      contactExternalId: 'gone-2',
      lines: [{ description: 'x', quantity: '1', unitPrice: '1' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'contactExternalId', message: 'contact "gone-2" is archived' }]);
  });
});
