import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEAL_TO_NOTE, NOTE_TO_DEAL } from './dealsAndNotes.js';
import { FakeHubspot } from './fakeHubspot.js';

/** The fake's deals, deal properties and notes, over real HTTP on every path family. */

let fake: FakeHubspot;
const PORTAL = '4812';
const V = '/crm/objects/2026-09';
const PV = '/crm/properties/2026-09';

beforeAll(async () => {
  fake = new FakeHubspot({ maxPerWindow: 1000, tokens: { 'pat-deals': PORTAL }, legacy: true });
  await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => fake.clearFaults());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const call = async (method: string, path: string, body?: unknown, token = 'pat-deals'): Promise<{ status: number; body: Json; headers: Headers }> => {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
};
const post = (path: string, body: unknown) => call('POST', path, body);
const note = (dealId: string, text: string, extra: Json = {}) => ({
  properties: { hs_timestamp: '2026-11-25T10:00:00.000Z', hs_note_body: text },
  associations: [{ to: { id: dealId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_DEAL }] }],
  ...extra,
});

describe('fake HubSpot: deals', () => {
  it('seeds deals through a method and a control route, and batch-reads them on /crm/v3 and both date versions', async () => {
    const a = fake.deals.create(PORTAL, { dealname: 'Alpha', amount: '1200.50' });
    const seeded = await fetch(`${fake.url}/__fake/deals/${PORTAL}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ properties: { dealname: 'Beta' } }) });
    expect(seeded.status).toBe(201);
    const b = (await seeded.json()) as { id: string };
    for (const base of ['/crm/v3/objects', '/crm/objects/2026-03', V]) {
      const read = await post(`${base}/deals/batch/read`, { inputs: [{ id: a.id }, { id: b.id }], properties: ['dealname', 'amount'], propertiesWithHistory: [] });
      expect(read.status).toBe(200);
      expect(read.headers.get('x-hubspot-ratelimit-max')).toBe('1000');
      const byId = Object.fromEntries((read.body.results as Json[]).map((r) => [r.id, r.properties]));
      expect(byId[a.id]).toEqual({ dealname: 'Alpha', amount: '1200.50', hs_object_id: a.id, createdate: expect.any(String), hs_lastmodifieddate: expect.any(String) });
      expect(byId[b.id]).toMatchObject({ dealname: 'Beta' });
      expect(byId[b.id].dealstage).toBeUndefined(); // not asked for
    }
    const one = await call('GET', `${V}/0-3/${a.id}?properties=dealname`);
    expect(one.body).toMatchObject({ id: a.id, properties: { dealname: 'Alpha' } });
  });

  it('reports missing and archived ids in a 207 OBJECT_NOT_FOUND, and reads archived ones only with archived=true', async () => {
    const live = fake.deals.create(PORTAL, { dealname: 'Live' });
    const gone = fake.deals.create(PORTAL, { dealname: 'Gone' });
    expect((await call('DELETE', `${V}/deals/${gone.id}`)).status).toBe(204);
    const read = await post(`${V}/deals/batch/read`, { inputs: [{ id: live.id }, { id: gone.id }, { id: '404404' }], properties: ['dealname'], propertiesWithHistory: [] });
    expect(read.status).toBe(207);
    expect(read.body.results.map((r: Json) => r.id)).toEqual([live.id]);
    expect(read.body.errors).toEqual([
      expect.objectContaining({
        category: 'OBJECT_NOT_FOUND',
        message: 'Could not get some DEAL objects, they may be deleted or not exist. Check that ids are valid.',
        context: { ids: [gone.id, '404404'] },
      }),
    ]);
    const archived = await post(`${V}/deals/batch/read?archived=true`, { inputs: [{ id: gone.id }], properties: [], propertiesWithHistory: [] });
    expect(archived.status).toBe(200);
    expect(archived.body.results[0]).toMatchObject({ id: gone.id, archived: true });
    const update = await post(`${V}/deals/batch/update`, { inputs: [{ id: gone.id, properties: { dealname: 'Back' } }] });
    expect(update.status).toBe(404);
  });

  it('batch-updates by id, refusing unknown properties and non-numbers, per input when traced and as a whole when not', async () => {
    const d1 = fake.deals.create(PORTAL, { dealname: 'One' });
    const d2 = fake.deals.create(PORTAL, { dealname: 'Two' });
    const ok = await post(`${V}/deals/batch/update`, { inputs: [{ id: d1.id, properties: { amount: '99.95', closedate: '2026-12-01T00:00:00.000Z', dealstage: 'closedwon' } }] });
    expect(ok.status).toBe(200);
    expect(ok.body.results[0]).toMatchObject({ id: d1.id, properties: { amount: '99.95', dealstage: 'closedwon' } });
    expect(fake.deals.get(PORTAL, d1.id)!.properties.amount).toBe('99.95');

    const unknown = await post(`${V}/deals/batch/update`, {
      inputs: [
        { id: d1.id, properties: { amount: '1' } },
        { id: d2.id, properties: { billing_status: 'paid' } },
      ],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['billing_status'] } }] });
    expect(unknown.body.message).toContain('Property values were not valid');
    expect(unknown.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.deals.get(PORTAL, d1.id)!.properties.amount).toBe('99.95'); // nothing written

    const traced = await post(`${V}/deals/batch/update`, {
      inputs: [
        { id: d1.id, properties: { amount: '10' }, objectWriteTraceId: 't1' },
        { id: d2.id, properties: { amount: '12,50' }, objectWriteTraceId: 't2' },
        { id: d2.id + '9', properties: { amount: '3' }, objectWriteTraceId: 't3' },
      ],
    });
    expect(traced.status).toBe(207);
    expect(traced.body.results).toEqual([expect.objectContaining({ id: d1.id, objectWriteTraceId: 't1' })]);
    expect(traced.body.numErrors).toBe(2);
    const byTrace = Object.fromEntries((traced.body.errors as Json[]).map((e) => [e.context.objectWriteTraceId[0], e]));
    expect(byTrace.t2).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ code: 'INVALID_DECIMAL' }] });
    expect(byTrace.t3).toMatchObject({ category: 'OBJECT_NOT_FOUND' });
    expect(fake.deals.get(PORTAL, d1.id)!.properties.amount).toBe('10');

    const badStage = await post(`${V}/deals/batch/update`, { inputs: [{ id: d2.id, properties: { dealstage: 'nope' } }] });
    expect(badStage.body.errors[0].code).toBe('INVALID_OPTION');
    const readOnly = await post(`${V}/deals/batch/update`, { inputs: [{ id: d2.id, properties: { hs_object_id: '1' } }] });
    expect(readOnly.body.errors[0].code).toBe('READ_ONLY_VALUE');
    const dup = await post(`${V}/deals/batch/update`, {
      inputs: [
        { id: d2.id, properties: {} },
        { id: d2.id, properties: {} },
      ],
    });
    expect(dup.status).toBe(400);
    expect(dup.body.message).toMatch(/Duplicate IDs found in batch input/);
  });

  it('runs deal writes through the same faults and request counting: a 503, a 429 and a commit-then-fail on batch update', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Faulty' });
    const update = (amount: string) => post(`${V}/deals/batch/update`, { inputs: [{ id: d.id, properties: { amount } }] });
    const requests = fake.stats.requests;
    fake.inject({ kind: 'status503', match: /deals\/batch\/update/ });
    const failed = await update('1');
    expect(failed.status).toBe(503);
    expect(fake.deals.get(PORTAL, d.id)!.properties.amount).toBeUndefined();
    fake.inject({ kind: 'rateLimit', match: /deals\/batch\/update/ });
    const limited = await update('2');
    expect(limited.status).toBe(429);
    expect(limited.body.policyName).toBe('TEN_SECONDLY_ROLLING');
    fake.inject({ kind: 'commitThenFail', match: /deals\/batch\/update/ });
    await expect(update('3')).rejects.toThrow(); // the connection drops after the write
    expect(fake.deals.get(PORTAL, d.id)!.properties.amount).toBe('3'); // it landed
    expect((await update('4')).status).toBe(200);
    expect(fake.stats.requests - requests).toBe(4);
    expect(fake.stats.byStatus.get(503)).toBeGreaterThanOrEqual(1);
  });

  it('answers 401 without a token and 410 on /crm/v3 once the legacy families are off', async () => {
    expect((await call('POST', `${V}/deals/batch/read`, { inputs: [] }, 'pat-wrong')).status).toBe(401);
    fake.setLegacy(false);
    try {
      const gone = await post('/crm/v3/objects/deals/batch/update', { inputs: [] });
      expect(gone.status).toBe(410);
      expect((await post(`${V}/deals/batch/read`, { inputs: [], properties: [], propertiesWithHistory: [] })).status).toBe(200);
    } finally {
      fake.setLegacy(true);
    }
  });
});

describe('fake HubSpot: deal property groups and properties', () => {
  const money = { name: 'acme_balance_due', label: 'Balance due', type: 'number', fieldType: 'number', groupName: 'acme_billing', numberDisplayHint: 'currency', showCurrencySymbol: true };

  it('has the built-in deal properties from the start', async () => {
    const all = await call('GET', `${PV}/deals`);
    const names = (all.body.results as Json[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['dealname', 'amount', 'dealstage', 'pipeline', 'closedate', 'hubspot_owner_id', 'deal_currency_code']));
    expect((await call('GET', `${PV}/deals/amount`)).body).toMatchObject({ type: 'number', fieldType: 'number', groupName: 'dealinformation' });
  });

  it('creates and reads a group, answering 409 for a duplicate', async () => {
    const created = await post(`${PV}/deals/groups`, { name: 'acme_billing', label: 'Acme billing', displayOrder: 5 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'acme_billing', label: 'Acme billing', displayOrder: 5, archived: false });
    expect((await call('GET', `${PV}/deals/groups/acme_billing`)).body).toMatchObject({ name: 'acme_billing' });
    expect((await call('GET', `/crm/v3/properties/0-3/groups`)).body.results.map((g: Json) => g.name)).toContain('acme_billing');
    const again = await post(`${PV}/deals/groups`, { name: 'acme_billing', label: 'Again' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS', correlationId: expect.any(String) });
    expect((await call('GET', `${PV}/deals/groups/nope`)).status).toBe(404);
  });

  it('creates a property in a group, answering 409 for a duplicate and 400 for a type and fieldType that do not go together', async () => {
    const created = await post(`${PV}/deals`, money);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'acme_balance_due', type: 'number', fieldType: 'number', groupName: 'acme_billing', numberDisplayHint: 'currency' });
    expect((await call('GET', `${PV}/deals/acme_balance_due`)).body).toMatchObject({ name: 'acme_balance_due', type: 'number' });
    const dup = await post(`${PV}/deals`, money);
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ category: 'OBJECT_ALREADY_EXISTS', message: "A property named 'acme_balance_due' already exists." });

    const mismatch = await post(`${PV}/deals`, { ...money, name: 'acme_paid', fieldType: 'text' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(mismatch.body.message).toContain('number');
    const noGroup = await post(`${PV}/deals`, { ...money, name: 'acme_paid', groupName: 'nowhere' });
    expect(noGroup.status).toBe(400);
    for (const [type, fieldType] of [
      ['date', 'date'],
      ['enumeration', 'select'],
      ['string', 'textarea'],
    ]) {
      const ok = await post(`${PV}/deals`, {
        name: `acme_${type}`,
        label: type,
        type,
        fieldType,
        groupName: 'acme_billing',
        options: type === 'enumeration' ? [{ label: 'Paid', value: 'paid' }] : undefined,
      });
      expect(ok.status).toBe(201);
    }
    expect(fake.deals.schema(PORTAL).properties.map((p) => p.name)).toEqual(['acme_balance_due', 'acme_date', 'acme_enumeration', 'acme_string']);
  });

  it('validates deal writes against the created properties: numbers, dates and options', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Typed' });
    const ok = await post(`${V}/deals/batch/update`, {
      inputs: [{ id: d.id, properties: { acme_balance_due: '1234.567', acme_date: '2026-12-01', acme_enumeration: 'paid', acme_string: 'EUR 1.00\nJPY 100' } }],
    });
    expect(ok.status).toBe(200);
    const bad = await post(`${V}/deals/batch/update`, { inputs: [{ id: d.id, properties: { acme_balance_due: 'twelve', acme_date: String(Date.UTC(2026, 11, 1) + 1), acme_enumeration: 'unpaid' } }] });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Json[]).map((e) => e.code)).toEqual(['INVALID_DECIMAL', 'INVALID_DATE', 'INVALID_OPTION']);
    expect(fake.deals.get(PORTAL, d.id)!.properties.acme_balance_due).toBe('1234.567');
  });

  it('updates a property with PATCH: its options replaced whole, then accepted on writes; 404 unknown, 400 read-only or a duplicate value', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Options' });
    const write = (value: string) => post(`${V}/deals/batch/update`, { inputs: [{ id: d.id, properties: { acme_enumeration: value } }] });
    expect((await write('open')).status).toBe(400);
    const patched = await call('PATCH', `${PV}/deals/acme_enumeration`, {
      options: [
        { label: 'Paid', value: 'paid', displayOrder: 0 },
        { label: 'Open', value: 'open', displayOrder: 1 },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'acme_enumeration', type: 'enumeration', label: 'enumeration', options: [{ value: 'paid' }, { value: 'open' }] });
    expect((await write('open')).status).toBe(200);
    const dropped = await call('PATCH', `${PV}/deals/acme_enumeration`, { options: [{ label: 'Open', value: 'open' }] });
    expect(dropped.body.options).toEqual([{ label: 'Open', value: 'open', displayOrder: 0, hidden: false }]);
    expect((await write('paid')).status).toBe(400); // replaced, not appended
    const twice = await call('PATCH', `${PV}/deals/acme_enumeration`, {
      options: [
        { label: 'A', value: 'a' },
        { label: 'B', value: 'a' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect((await call('PATCH', `/crm/v3/properties/deals/nope`, { label: 'x' })).status).toBe(404);
    expect((await call('PATCH', `${PV}/deals/dealstage`, { options: [] })).body).toMatchObject({ category: 'VALIDATION_ERROR' });
  });

  it('archives a property deleted in HubSpot: out of the lists and reads unless archived=true, its values refused, its name still taken', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Binned' });
    fake.deals.archiveProperty(PORTAL, 'acme_string');
    const live = await call('GET', `${PV}/deals`);
    expect(live.body.results.map((p: Json) => p.name)).not.toContain('acme_string');
    const binned = await call('GET', `${PV}/deals?archived=true`);
    expect(binned.body.results.map((p: Json) => p.name)).toEqual(['acme_string']);
    expect((await call('GET', `${PV}/deals/acme_string`)).status).toBe(404);
    expect((await call('GET', `${PV}/deals/acme_string?archived=true`)).body).toMatchObject({ name: 'acme_string', archived: true });
    expect((await call('PATCH', `${PV}/deals/acme_string`, { label: 'x' })).status).toBe(404);
    const write = await post(`${V}/deals/batch/update`, { inputs: [{ id: d.id, properties: { acme_string: 'x' } }] });
    expect(write.status).toBe(400);
    expect((write.body.errors as Json[]).map((e) => e.code)).toEqual(['PROPERTY_DOESNT_EXIST']);
    const again = await post(`${PV}/deals`, { name: 'acme_string', label: 'String', type: 'string', fieldType: 'text', groupName: 'acme_billing' });
    expect(again.status).toBe(409);
    fake.deals.archiveProperty(PORTAL, 'acme_string', false);
    expect((await call('GET', `${PV}/deals/acme_string`)).status).toBe(200);
    expect((await post(`${V}/deals/batch/update`, { inputs: [{ id: d.id, properties: { acme_string: 'x' } }] })).status).toBe(200);
  });
});

describe('fake HubSpot: notes on deals', () => {
  it('creates a note associated with a deal, and a test reads the deal’s notes by method, control route and associations', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Noted' });
    const created = await post(`${V}/notes`, note(d.id, 'Invoice INV-1 issued: EUR 10.00'));
    expect(created.status).toBe(201);
    expect(created.body.properties).toMatchObject({ hs_note_body: 'Invoice INV-1 issued: EUR 10.00', hs_timestamp: '2026-11-25T10:00:00.000Z', hs_object_id: created.body.id });
    expect(fake.deals.notesOf(PORTAL, d.id)).toEqual([
      expect.objectContaining({ id: created.body.id, body: 'Invoice INV-1 issued: EUR 10.00', timestamp: '2026-11-25T10:00:00.000Z', dealIds: [d.id] }),
    ]);
    const viaRoute = (await (await fetch(`${fake.url}/__fake/deals/${PORTAL}/${d.id}/notes`)).json()) as Json[];
    expect(viaRoute.map((n) => n.id)).toEqual([created.body.id]);
    const withAssoc = await call('GET', `${V}/deals/${d.id}?associations=notes`);
    expect(withAssoc.body.associations).toEqual({ notes: { results: [{ id: created.body.id, type: 'deal_to_note' }] } });
    expect((await call('GET', `${V}/notes/${created.body.id}`)).body.properties.hs_note_body).toBe('Invoice INV-1 issued: EUR 10.00');
  });

  it('does not deduplicate: two identical creates make two notes, as in HubSpot', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Twice' });
    await post(`${V}/notes`, note(d.id, 'Payment recorded: JPY 500'));
    await post(`/crm/v3/objects/notes`, note(d.id, 'Payment recorded: JPY 500'));
    expect(fake.deals.notesOf(PORTAL, d.id).map((n) => n.body)).toEqual(['Payment recorded: JPY 500', 'Payment recorded: JPY 500']);
  });

  it('batch-creates notes with 207 per-input errors when traced, and refuses bad associations and a missing hs_timestamp', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Batch' });
    const traced = await post(`${V}/notes/batch/create`, {
      inputs: [
        note(d.id, 'one', { objectWriteTraceId: 'n1' }),
        note('123', 'no such deal', { objectWriteTraceId: 'n2' }),
        { properties: { hs_note_body: 'no time' }, associations: [], objectWriteTraceId: 'n3' },
      ],
    });
    expect(traced.status).toBe(207);
    expect(traced.body.results).toEqual([expect.objectContaining({ objectWriteTraceId: 'n1' })]);
    const byTrace = Object.fromEntries((traced.body.errors as Json[]).map((e) => [e.context.objectWriteTraceId[0], e]));
    expect(byTrace.n2).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(byTrace.n3.errors[0]).toMatchObject({ code: 'MISSING_REQUIRED_PROPERTY', context: { propertyName: ['hs_timestamp'] } });
    const untraced = await post(`${V}/notes/batch/create`, {
      inputs: [note(d.id, 'two'), note(d.id, 'three', { associations: [{ to: { id: d.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }] })],
    });
    expect(untraced.status).toBe(400);
    expect((await post(`${V}/notes`, { ...note(d.id, 'x'), associations: [{ to: { id: d.id }, types: [null] }] })).status).toBe(400);
    expect(fake.deals.notesOf(PORTAL, d.id).map((n) => n.body)).toEqual(['one']); // nothing of the failed batch
    const both = await post(`${V}/notes/batch/create`, {
      inputs: [note(d.id, 'two'), { ...note(d.id, 'three'), properties: { hs_timestamp: String(Date.UTC(2026, 10, 25)), hs_note_body: 'three' } }],
    });
    expect(both.status).toBe(201);
    expect(fake.deals.notesOf(PORTAL, d.id).map((n) => n.body)).toEqual(['one', 'two', 'three']);
    expect(fake.deals.notesOf(PORTAL, d.id)[2]!.timestamp).toBe('2026-11-25T00:00:00.000Z');
  });

  it('batch-reads notes with their requested properties on every family, answering 207 OBJECT_NOT_FOUND for an unknown id', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Read back' });
    const a = (await post(`${V}/notes`, note(d.id, 'Invoice INV-7 issued'))).body.id as string;
    const b = (await post(`${V}/notes`, note(d.id, 'Payment recorded'))).body.id as string;
    for (const base of ['/crm/v3/objects', '/crm/objects/2026-03', V]) {
      const ok = await post(`${base}/notes/batch/read`, { inputs: [{ id: a }, { id: b }], properties: ['hs_note_body', 'hs_timestamp'], propertiesWithHistory: [] });
      expect(ok.status).toBe(200);
      const byId = Object.fromEntries((ok.body.results as Json[]).map((r) => [r.id, r.properties]));
      expect(byId[a]).toEqual({
        hs_note_body: 'Invoice INV-7 issued',
        hs_timestamp: '2026-11-25T10:00:00.000Z',
        hs_object_id: a,
        hs_createdate: expect.any(String),
        hs_lastmodifieddate: expect.any(String),
      });
      expect(byId[b]).toMatchObject({ hs_note_body: 'Payment recorded' });
    }
    const viaType = await post(`${V}/0-46/batch/read`, { inputs: [{ id: a }, { id: '404404' }], properties: ['hs_note_body'], propertiesWithHistory: [] });
    expect(viaType.status).toBe(207);
    expect(viaType.body.results.map((r: Json) => r.id)).toEqual([a]);
    expect(viaType.body).toMatchObject({ status: 'COMPLETE', numErrors: 1 });
    expect(viaType.body.errors).toEqual([
      { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some NOTE objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: ['404404'] } },
    ]);
    expect((await post(`${V}/notes/batch/read`, { properties: [] })).status).toBe(400);
  });

  it('lists a deal’s notes through the v4 associations API, 500 a page by default, paging with limit and after', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Many notes' });
    const made = await post(`${V}/notes/batch/create`, { inputs: [1, 2, 3, 4, 5].map((n) => note(d.id, `note ${n}`)) });
    expect(made.status).toBe(201);
    const ids = fake.deals.notesOf(PORTAL, d.id).map((n) => Number(n.id));
    const type = { category: 'HUBSPOT_DEFINED', typeId: DEAL_TO_NOTE, label: null };
    for (const path of [`/crm/v4/objects/deals/${d.id}/associations/notes`, `/crm/objects/2026-03/deals/${d.id}/associations/notes`, `${V}/0-3/${d.id}/associations/0-46`]) {
      const all = await call('GET', path);
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ results: ids.map((toObjectId) => ({ toObjectId, associationTypes: [type] })) });
    }
    const seen: number[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await call('GET', `${V}/deals/${d.id}/associations/notes?limit=2${after ? `&after=${after}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.results.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.results as Json[]).map((r) => r.toObjectId as number));
      after = page.body.paging?.next?.after as string | undefined;
      pages += 1;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
    const last = await call('GET', `${V}/deals/${d.id}/associations/notes?limit=4`);
    expect(last.body.paging).toEqual({ next: { after: String(ids[3]) } });
    expect((await call('GET', `${V}/deals/${d.id}/associations/notes?limit=4&after=${String(ids[3])}`)).body).toEqual({ results: [{ toObjectId: ids[4], associationTypes: [type] }] });
    expect((await call('GET', `${V}/deals/404404/associations/notes`)).status).toBe(404);
    expect((await call('GET', `${V}/deals/${d.id}/associations/notes?limit=zero`)).status).toBe(400);
    // The v3 listing on the deal itself stays.
    expect((await call('GET', `${V}/deals/${d.id}?associations=notes`)).body.associations.notes.results).toHaveLength(5);
  });

  it('answers the v4 associations API as sunset (410) while the legacy families are off', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Sunset' });
    fake.setLegacy(false);
    try {
      const gone = await call('GET', `/crm/v4/objects/deals/${d.id}/associations/notes`);
      expect(gone.status).toBe(410);
      expect(gone.body.message).toContain('/crm/objects/2026-09/');
      expect(fake.stats.byFamily.get('crm/v4')).toBeGreaterThan(0);
      expect((await call('GET', `${V}/deals/${d.id}/associations/notes`)).status).toBe(200);
    } finally {
      fake.setLegacy(true);
    }
  });

  it('loses the reply but keeps the note on a commit-then-fail, and writes nothing on a 500', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Lost reply' });
    fake.inject({ kind: 'status500', match: /notes/ });
    expect((await post(`${V}/notes`, note(d.id, 'never'))).status).toBe(500);
    fake.inject({ kind: 'commitThenFail', match: /notes\/batch\/create/ });
    await expect(post(`${V}/notes/batch/create`, { inputs: [note(d.id, 'landed')] })).rejects.toThrow();
    expect(fake.deals.notesOf(PORTAL, d.id).map((n) => n.body)).toEqual(['landed']);
  });
});
