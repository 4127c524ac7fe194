import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/setup.js';

/** The portal settings API: PUT replaces all (and says what it would clear), PATCH changes some. */

const { tdb, app } = useTestApp();
let portalSeq = 770000;

const seller = {
  sellerName: 'Nordlicht Software GmbH',
  sellerAddress: 'Torstraße 1\n10119 Berlin',
  sellerEmail: 'billing@nordlicht.example',
  sellerPhone: '+49 30 1234567',
  sellerTaxId: 'DE123456789',
  paymentInstructions: 'IBAN DE89 3704 0044 0532 0130 00',
  invoiceFooter: 'Nordlicht Software GmbH · Amtsgericht Charlottenburg HRB 1',
  defaultCurrency: 'EUR',
  defaultPaymentTermsDays: 14,
  locale: 'de-DE',
};

async function portalWithSeller(): Promise<string> {
  const portal = String(++portalSeq);
  const put = await app.api('PUT', `/portals/${portal}/settings`, seller);
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return portal;
}

const audits = (portalId: string) => tdb.db('audit_log').where({ portal_id: portalId, action: 'settings.update' }).orderBy('id');
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

describe('portal settings over /api/v1', () => {
  it('makes someone a settings editor with PATCH and keeps the seller block', async () => {
    const portal = await portalWithSeller();
    const patched = await app.api('PATCH', `/portals/${portal}/settings`, { cardEditors: ['4001'] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ ...seller, cardEditors: ['4001'], revision: 2 });
    // Adding another keeps the first; removing takes out only that one.
    expect((await app.api('PATCH', `/portals/${portal}/settings`, { addCardEditors: ['Ops@Seller.example', '4001'] })).body.cardEditors).toEqual(['4001', 'ops@seller.example']);
    expect((await app.api('PATCH', `/portals/${portal}/settings`, { removeCardEditors: ['4001'] })).body).toMatchObject({ ...seller, cardEditors: ['ops@seller.example'] });
    // null clears one field, on purpose; the rest stays.
    const cleared = await app.api('PATCH', `/portals/${portal}/settings`, { sellerPhone: null, invoiceFooter: '  ' });
    expect(cleared.body).toMatchObject({ ...seller, sellerPhone: null, invoiceFooter: null });
  });

  it('refuses a PUT that would clear the seller block, naming each field and pointing to PATCH, and changes nothing', async () => {
    const portal = await portalWithSeller();
    const before = (await app.api('GET', `/portals/${portal}/settings`)).body;
    const put = await app.api('PUT', `/portals/${portal}/settings`, { cardEditors: ['4001'] });
    expect(put.status).toBe(409);
    expect(put.body.error.code).toBe('settings_would_clear');
    expect(put.body.error.message).toContain(`PATCH /api/v1/portals/${portal}/settings`);
    expect(put.body.error.message).toContain('sellerName, sellerAddress, sellerEmail, sellerPhone, sellerTaxId, paymentInstructions, invoiceFooter, defaultCurrency, defaultPaymentTermsDays, locale');
    expect(put.body.error.details.map((d: { field: string }) => d.field)).toEqual(Object.keys(seller));
    expect((await app.api('GET', `/portals/${portal}/settings`)).body).toEqual(before);
    expect(await audits(portal)).toHaveLength(1); // the first PUT only
  });

  it('lets a PUT clear what it sends as null, and leave out what is unset anyway', async () => {
    const portal = await portalWithSeller();
    const all = await app.api('PUT', `/portals/${portal}/settings`, { ...seller, sellerPhone: null, sellerTaxId: '', cardEditors: ['4001'] });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body).toMatchObject({ ...seller, sellerPhone: null, sellerTaxId: null, cardEditors: ['4001'] });
    // sellerPhone and sellerTaxId are unset now: leaving them out clears nothing. cardEditors is set.
    const { sellerPhone: _p, sellerTaxId: _t, ...rest } = seller;
    const refused = await app.api('PUT', `/portals/${portal}/settings`, rest);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual([{ field: 'cardEditors', message: expect.stringContaining('PATCH') }]);
    expect((await app.api('PUT', `/portals/${portal}/settings`, { ...rest, cardEditors: [] })).body).toMatchObject({ ...rest, sellerPhone: null, cardEditors: [] });
    // Everything null: a blank slate, on purpose.
    const blank = Object.fromEntries(Object.keys(seller).map((k) => [k, null]));
    expect((await app.api('PUT', `/portals/${portal}/settings`, blank)).body).toMatchObject(blank);
  });

  it('audits every save with the accounting system as the actor, before and after', async () => {
    const portal = await portalWithSeller();
    await app.api('PATCH', `/portals/${portal}/settings`, { addCardEditors: ['4001'], sellerName: 'Nordlicht AG' });
    const entries = await audits(portal);
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => [e.actor_type, e.outcome])).toEqual([
      ['api', 'ok'],
      ['api', 'ok'],
    ]);
    expect(json(entries[0].before)).toMatchObject({ sellerName: null, cardEditors: [] });
    expect(json(entries[0].after)).toMatchObject({ sellerName: 'Nordlicht Software GmbH', locale: 'de-DE' });
    expect(json(entries[1].before)).toMatchObject({ sellerName: 'Nordlicht Software GmbH', cardEditors: [] });
    expect(json(entries[1].after)).toMatchObject({ sellerName: 'Nordlicht AG', sellerAddress: seller.sellerAddress, cardEditors: ['4001'] });
  });

  it('keeps both of two first PATCHes of different fields that race', async () => {
    const portal = String(++portalSeq);
    const [a, b] = await Promise.all([
      app.api('PATCH', `/portals/${portal}/settings`, { sellerName: 'Racing GmbH' }),
      app.api('PATCH', `/portals/${portal}/settings`, { sellerEmail: 'race@example.com' }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await app.api('GET', `/portals/${portal}/settings`)).body).toMatchObject({ sellerName: 'Racing GmbH', sellerEmail: 'race@example.com', revision: 2 });
  });

  it('refuses a PATCH with nothing to change, or the editors list given both ways, with a message saying what to send', async () => {
    const portal = await portalWithSeller();
    const empty = await app.api('PATCH', `/portals/${portal}/settings`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('nothing_to_change');
    const both = await app.api('PATCH', `/portals/${portal}/settings`, { cardEditors: ['1'], addCardEditors: ['2'] });
    expect(both.status).toBe(400);
    expect(both.body.error.details[0].field).toBe('cardEditors');
    const many = Array.from({ length: 150 }, (_, i) => String(i + 1));
    expect((await app.api('PATCH', `/portals/${portal}/settings`, { cardEditors: many })).status).toBe(200);
    const tooMany = await app.api('PATCH', `/portals/${portal}/settings`, { addCardEditors: Array.from({ length: 60 }, (_, i) => String(i + 1000)) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0]).toEqual({ field: 'addCardEditors', message: 'would make 210 settings editors; at most 200 are allowed' });
    const unknown = await app.api('PATCH', `/portals/${portal}/settings`, { sellerNmae: 'typo' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ field: 'sellerNmae', message: 'is not a known field' }]);
    expect((await app.api('GET', `/portals/${portal}/settings`)).body).toMatchObject(seller);
  });

  it('takes a locale Intl can format in, in its canonical form, and refuses others', async () => {
    const portal = String(++portalSeq);
    expect((await app.api('PATCH', `/portals/${portal}/settings`, { locale: 'de-ch' })).body.locale).toBe('de-CH');
    for (const locale of ['german', 'zz-ZZ', 'de_DE', 'x'.repeat(36)]) {
      const r = await app.api('PATCH', `/portals/${portal}/settings`, { locale });
      expect(r.status, locale).toBe(400);
      expect(r.body.error.details[0].field).toBe('locale');
    }
    expect((await app.api('PATCH', `/portals/${portal}/settings`, { locale: null })).body.locale).toBeNull();
  });
});
