import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContact, createInvoice } from '../../test/factories.js';
import { callSigned } from '../../test/hubspotCaller.js';
import { useFakeHubspot, useTestApp } from '../../test/setup.js';
import type { TestClock } from '../../test/testApp.js';
import * as portalRepo from '../portals/portalRepo.js';
import { DEAL_PROPERTY_NAMES } from './dealProperties.js';
import { SyncWorker } from './syncWorker.js';

/**
 * The deal's billing state in HubSpot (issue 14), against the fake HubSpot: each deal's
 * properties exact in EUR, JPY and KWD, the group and properties created once, every issue,
 * payment and void on the deal's timeline exactly once, through 5xx, 429 storms and writes whose
 * reply is lost; a deal going overdue with no change, by the clock.
 */

const PORTAL = '987654';
const TOKEN = 'pat-deal-billing';
const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, tokens: { [TOKEN]: PORTAL } });
const { app } = useTestApp(() => ({
  publicBaseUrl: 'https://invoices.example.com',
  env: { HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_PORTAL_ID: PORTAL, HUBSPOT_API_BASE_URL: fake.url, HUBSPOT_RATE_LIMIT_PER_10S: '10000', HUBSPOT_REQUEST_TIMEOUT_MS: '3000' },
}));
let worker: SyncWorker;
let contact: string;

beforeAll(async () => {
  await portalRepo.ensurePrivateApp(app.deps.db, PORTAL, new Date());
  worker = new SyncWorker(app.deps);
  contact = await createContact(app);
});
afterEach(() => fake.clearFaults());

const P = (name: string) => `invoicecard_${name}`;
const props = (dealId: string) => fake.deals.get(PORTAL, dealId)!.properties;

async function push(w: SyncWorker = worker) {
  const started = await app.api('POST', '/sync/runs', {});
  expect([200, 202]).toContain(started.status);
  await w.drain();
  return (await app.api('GET', `/sync/runs/${started.body.id}`)).body;
}

/** Pushes until nothing waits for a retry (faults push some retries past one run). */
async function pushUntilDone(w: SyncWorker = worker) {
  let run = await push(w);
  for (let i = 0; i < 30 && (run.status !== 'done' || run.error); i++) {
    // A retry backs off for up to minutes; the test does not sit it out: it makes them due now.
    await app.deps.db.raw(`update sync_state set next_attempt_at = now() where portal_id = ? and state = 'pending'`, [PORTAL]);
    run = await push(w);
  }
  expect(run).toMatchObject({ status: 'done', error: null });
  return run;
}

const eur = (over: Record<string, unknown> = {}) => createInvoice(app, { portalId: PORTAL, contactExternalId: contact, status: 'open', ...over });
const jpy = (over: Record<string, unknown> = {}) => eur({ currency: 'JPY', lines: [{ description: 'Licence', quantity: '3', unitPrice: '1000', taxRate: '10' }], ...over });
const kwd = (over: Record<string, unknown> = {}) => eur({ currency: 'KWD', lines: [{ description: 'Support', quantity: '2', unitPrice: '1.250', taxRate: '0' }], ...over });
const pay = async (id: string, amount: string) => expect((await app.api('POST', `/invoices/${id}/payments`, { amount })).status).toBe(201);
const voidByApi = async (id: string, voidReason?: string) => expect((await app.api('PATCH', `/invoices/${id}`, { status: 'void', ...(voidReason ? { voidReason } : {}) })).status).toBe(200);

/** Voids from the classic card's hook, signed as HubSpot does, as the rep. */
async function voidFromCard(id: string, dealId: string) {
  const body = new URLSearchParams({ userId: '4242', userEmail: 'rep@seller.example', associatedObjectId: dealId, associatedObjectType: 'DEAL', portalId: PORTAL }).toString();
  const res = await callSigned(app, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${id}/void`, body, contentType: 'application/x-www-form-urlencoded' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** What the dashboard says stopped the portal's deal side, or null. */
const problem = async () => (await app.api('GET', '/portals')).body.portals.find((p: { portalId: string }) => p.portalId === PORTAL).deals.problem;

/** Turns the deal properties off and on again: the push checks them again. */
async function recheck() {
  await app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: false });
  await app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: true });
}

/** The options HubSpot has for the Billing status property now. */
const statusOptions = () => fake.deals.schema(PORTAL).properties.find((p) => p.name === P('billing_status'))!.options;

/** Every note on the deal names its event once, and there are `n` of them. */
function expectNotes(dealId: string, n: number) {
  const notes = fake.deals.notesOf(PORTAL, dealId);
  const refs = notes.map((x) => /Invoice card event \d+-\d+/.exec(x.body ?? '')?.[0]);
  expect(refs.every(Boolean)).toBe(true);
  expect(new Set(refs).size).toBe(refs.length); // no event twice
  expect(notes).toHaveLength(n);
  return notes;
}

describe('deal billing in HubSpot', () => {
  const deal: Record<string, string> = {};
  let partlyPaid: { id: string; number: string; dueDate: string };

  it("writes each deal's billing exactly, makes the group and properties once, and puts every event on the timeline once", async () => {
    for (const name of ['eur', 'jpy', 'mixed', 'draft', 'void']) deal[name] = fake.deals.create(PORTAL, { dealname: `Deal ${name}` }).id;
    // EUR: a part payment, a paid invoice, a deleted draft, a voided invoice with money on it, and one voided from the card.
    partlyPaid = await eur({ dealId: deal.eur });
    await pay(partlyPaid.id, '40.00');
    const paid = await eur({ dealId: deal.eur });
    await pay(paid.id, '240.00');
    const draft = await eur({ dealId: deal.eur, status: 'draft' });
    expect((await app.api('DELETE', `/invoices/${draft.id}`)).status).toBe(200);
    const refunded = await eur({ dealId: deal.eur });
    await pay(refunded.id, '10.00');
    await voidByApi(refunded.id, 'Billed twice');
    const cancelled = await eur({ dealId: deal.eur });
    await voidFromCard(cancelled.id, deal.eur!);
    // JPY, overdue (the test clock stands at 2026-11-25).
    await jpy({ dealId: deal.jpy, issueDate: '2026-10-01', dueDate: '2026-10-31' });
    // Two currencies: KWD invoiced first is the deal's currency; EUR is listed beside it.
    await kwd({ dealId: deal.mixed, issueDate: '2026-11-01', dueDate: '2026-12-31' });
    await eur({ dealId: deal.mixed, issueDate: '2026-11-20', dueDate: '2027-01-15' });
    await eur({ dealId: deal.draft, status: 'draft' });
    const gone = await jpy({ dealId: deal.void });
    await voidByApi(gone.id);

    const run = await pushUntilDone();
    expect(run.counts).toMatchObject({ dealsWritten: 5, notesWritten: 9 + 1 + 2 + 0 + 2, failed: 0 });

    expect(props(deal.eur!)).toMatchObject({
      [P('invoiced_total')]: '480.00',
      [P('amount_paid')]: '280.00',
      [P('balance_due')]: '200.00',
      [P('overdue_amount')]: '0.00',
      [P('invoice_count')]: '4',
      [P('open_invoice_count')]: '1',
      [P('overdue_invoice_count')]: '0',
      [P('billing_status')]: 'partially_paid',
      [P('next_due_date')]: partlyPaid.dueDate,
      [P('last_payment_date')]: '2026-11-25',
      [P('billing_currency')]: 'EUR',
      [P('balances_by_currency')]: '',
    });
    expect(props(deal.jpy!)).toMatchObject({
      [P('invoiced_total')]: '3300',
      [P('amount_paid')]: '0',
      [P('balance_due')]: '3300',
      [P('overdue_amount')]: '3300',
      [P('invoice_count')]: '1',
      [P('overdue_invoice_count')]: '1',
      [P('billing_status')]: 'overdue',
      [P('next_due_date')]: '2026-10-31',
      [P('last_payment_date')]: '',
      [P('billing_currency')]: 'JPY',
    });
    expect(props(deal.mixed!)).toMatchObject({
      [P('invoiced_total')]: '2.500',
      [P('balance_due')]: '2.500',
      [P('overdue_amount')]: '0.000',
      [P('invoice_count')]: '2',
      [P('open_invoice_count')]: '2',
      [P('billing_status')]: 'open',
      [P('next_due_date')]: '2026-12-31',
      [P('billing_currency')]: 'KWD',
      [P('balances_by_currency')]: 'EUR 240.00; KWD 2.500',
    });
    expect(props(deal.draft!)).toMatchObject({ [P('billing_status')]: 'draft_only', [P('invoice_count')]: '1', [P('invoiced_total')]: '0.00', [P('open_invoice_count')]: '0' });
    expect(props(deal.void!)).toMatchObject({ [P('billing_status')]: 'void_only', [P('invoice_count')]: '1', [P('invoiced_total')]: '', [P('billing_currency')]: '' });

    // One group, every property in it, made once, with the types that make HubSpot show money and dates.
    const schema = fake.deals.schema(PORTAL);
    expect(schema.groups.map((g) => g.name).filter((g) => g !== 'dealinformation')).toEqual(['invoice_card_billing']);
    expect(schema.properties.map((p) => p.name).sort()).toEqual([...DEAL_PROPERTY_NAMES].sort());
    expect(schema.properties.every((p) => p.groupName === 'invoice_card_billing')).toBe(true);
    const byName = Object.fromEntries(schema.properties.map((p) => [p.name, p]));
    expect(byName[P('balance_due')]).toMatchObject({ type: 'number', fieldType: 'number', numberDisplayHint: 'currency', showCurrencySymbol: true });
    expect(byName[P('next_due_date')]).toMatchObject({ type: 'date', fieldType: 'date' });
    expect(byName[P('billing_status')]!.options.map((o) => o.value)).toEqual(['not_invoiced', 'draft_only', 'open', 'partially_paid', 'overdue', 'paid', 'void_only']);
    expect(fake.deals.stats).toMatchObject({ groupsCreated: 1, propertiesCreated: DEAL_PROPERTY_NAMES.length });

    // The timeline: what happened, the amounts in the portal's locale, who, and a working PDF link.
    const notes = expectNotes(deal.eur!, 9);
    expectNotes(deal.jpy!, 1);
    expectNotes(deal.mixed!, 2);
    expectNotes(deal.draft!, 0);
    expectNotes(deal.void!, 2);
    const bodies = notes.map((n) => n.body ?? '');
    expect(bodies.filter((b) => b.includes(`Payment recorded on invoice ${partlyPaid.number}`))).toHaveLength(1);
    const payment = bodies.find((b) => b.includes(`Payment recorded on invoice ${partlyPaid.number}`))!;
    expect(payment).toContain('€40.00 received on 25 Nov 2026');
    expect(payment).toContain('Balance still due: €200.00 of €240.00');
    expect(payment).toContain('by the accounting system');
    expect(bodies.find((b) => b.includes(`Invoice ${cancelled.number} voided`))).toContain('by rep@seller.example');
    expect(bodies.find((b) => b.includes(`Invoice ${refunded.number} voided`))).toContain('Reason: Billed twice');
    const link = /href="([^"]+)"/.exec(payment)![1]!.replaceAll('&amp;', '&');
    expect(link.startsWith(`https://invoices.example.com/hubspot/pdf/invoices/${partlyPaid.id}?token=`)).toBe(true);
    const pdf = await fetch(`${app.url}${link.slice('https://invoices.example.com'.length)}`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    // After its 400 days the link says so, and where the same PDF is still found.
    const clock = app.clock as TestClock;
    const before = clock.now();
    try {
      clock.advance(401 * 86_400_000); // the push minted the link on the same clock
      const expired = await fetch(`${app.url}${link.slice('https://invoices.example.com'.length)}`);
      expect(expired.status).toBe(401);
      expect(await expired.text()).toContain(
        'This PDF link from the deal&#39;s timeline has expired (timeline links work for 400 days). Open the Invoices card on the deal record and open the invoice&#39;s PDF from there.',
      );
    } finally {
      clock.current = before;
    }
  });

  it('writes nothing when nothing changed, and one write per deal however many changes came before the push', async () => {
    const writes = fake.deals.stats.dealWrites;
    const notes = fake.deals.stats.notesCreated;
    const idle = await push();
    expect(idle.counts).toMatchObject({ dealsWritten: 0, notesWritten: 0 });
    expect(fake.deals.stats).toMatchObject({ dealWrites: writes, notesCreated: notes, groupsCreated: 1 });

    await pay(partlyPaid.id, '50.00');
    await pay(partlyPaid.id, '50.00');
    await pay(partlyPaid.id, '100.00');
    const changed = await push();
    expect(changed.counts).toMatchObject({ dealsWritten: 1, notesWritten: 3 });
    expect(fake.deals.stats.dealWrites).toBe(writes + 1);
    expect(props(deal.eur!)).toMatchObject({ [P('amount_paid')]: '480.00', [P('balance_due')]: '0.00', [P('billing_status')]: 'paid', [P('open_invoice_count')]: '0', [P('next_due_date')]: '' });
    expectNotes(deal.eur!, 12);
  });

  it('shows a deal going overdue without any change within the day, by the clock', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Due tomorrow' }).id;
    const inv = await kwd({ dealId: d, issueDate: '2026-11-20', dueDate: '2026-11-25' });
    await pushUntilDone();
    expect(props(d)).toMatchObject({ [P('billing_status')]: 'open', [P('overdue_amount')]: '0.000' });
    const clock = app.clock as TestClock;
    const before = clock.now();
    try {
      expect(await worker.scheduleOverdueRuns()).toEqual([]); // the same day: nothing to do
      clock.advance(24 * 3600_000); // 2026-11-26: the invoice is a day late
      expect(await worker.scheduleOverdueRuns()).toEqual([PORTAL]);
      const notes = fake.deals.stats.notesCreated;
      await worker.drain();
      expect(props(d)).toMatchObject({ [P('billing_status')]: 'overdue', [P('overdue_amount')]: '2.500', [P('overdue_invoice_count')]: '1', [P('next_due_date')]: inv.dueDate });
      expect(fake.deals.stats.notesCreated).toBe(notes); // no event, no note
      expect(await worker.scheduleOverdueRuns()).toEqual([]); // looked today already
    } finally {
      clock.current = before;
    }
  });

  it('turns the properties and the timeline off and on per portal; on again, it fills in every deal and every event', async () => {
    const d = fake.deals.create(PORTAL, { dealname: 'Switched' }).id;
    const off = await app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: false, dealTimeline: false });
    expect(off.body).toMatchObject({ dealProperties: false, dealTimeline: false });
    const inv = await eur({ dealId: d });
    await pay(inv.id, '20.00');
    const [writes, notes] = [fake.deals.stats.dealWrites, fake.deals.stats.notesCreated];
    const quiet = await push();
    expect(quiet).toMatchObject({ status: 'done', error: null, counts: { dealsWritten: 0, notesWritten: 0 } });
    expect(fake.deals.stats).toMatchObject({ dealWrites: writes, notesCreated: notes });
    expect(props(d)[P('billing_status')]).toBeUndefined();

    // Someone edits a deal's billing by hand in HubSpot meanwhile: turning the properties on writes every deal again.
    await fetch(`${fake.url}/crm/v3/objects/deals/batch/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ id: deal.jpy, properties: { [P('balance_due')]: '1' } }] }),
    });
    const on = await app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: true, dealTimeline: true });
    expect(on.body).toMatchObject({ dealProperties: true, dealTimeline: true });
    const backfill = await push();
    expect(backfill).toMatchObject({ status: 'done', error: null, counts: { notesWritten: 2 } });
    expect(backfill.counts.dealsWritten).toBeGreaterThanOrEqual(6); // every deal with invoices
    expect(props(d)).toMatchObject({ [P('billing_status')]: 'partially_paid', [P('balance_due')]: '220.00' });
    expect(props(deal.jpy!)[P('balance_due')]).toBe('3300');
    expectNotes(d, 2); // the issue and the payment made while the timeline was off
    expect(fake.deals.stats.groupsCreated).toBe(1); // checked again, not made again
  });

  it('holds back every deal not yet sent once the admin turns the properties off mid-run', async () => {
    await app.api('PATCH', `/portals/${PORTAL}`, { dealTimeline: false });
    const status = P('billing_status');
    const many: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = fake.deals.create(PORTAL, { dealname: `Mid-run ${i}` }).id;
      many.push(id);
      await eur({ dealId: id });
    }
    // One lane, three deals a batch: the admin turns the properties off while the first batch is
    // at HubSpot (its reply waits until the switch is saved).
    const oneLane = new SyncWorker(app.deps, { batchSize: 3, lanes: 1 });
    let turnedOff: Promise<unknown> | undefined;
    fake.onWrite = (e) => {
      if (e.phase !== 'received' || !/deals\/batch\/update/.test(e.route) || turnedOff) return;
      turnedOff = app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: false });
      fake.holdReplies = turnedOff;
    };
    try {
      const run = await push(oneLane);
      expect(run).toMatchObject({ status: 'done', error: null });
      expect(turnedOff).toBeDefined();
      expect(many.filter((id) => props(id)[status] !== undefined)).toHaveLength(3); // the batch in flight, and no other
    } finally {
      fake.onWrite = undefined;
      fake.holdReplies = undefined;
    }
    await app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: true, dealTimeline: true });
    await pushUntilDone();
    expect(many.every((id) => props(id)[status] === 'open')).toBe(true);
  });

  it('tells the dashboard when the install lacks a scope, and pushes contacts meanwhile', async () => {
    // An install from before the deal schema scopes were asked for.
    fake.setScopes(PORTAL, ['oauth', 'crm.objects.deals.read', 'crm.objects.deals.write', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'e-commerce']);
    try {
      await app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: false });
      await app.api('PATCH', `/portals/${PORTAL}`, { dealProperties: true }); // a backfill: the properties are checked again
      const d = fake.deals.create(PORTAL, { dealname: 'Waiting for a scope' }).id;
      await eur({ dealId: d });
      await createContact(app, { externalId: 'scope-1' });
      const run = await push();
      expect(run.status).toBe('done');
      expect(run.counts).toMatchObject({ dealsWritten: 0, notesWritten: 1 }); // notes go with the contacts scopes
      expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'scope-1@customer.example')).toBe(true);
      expect(props(d)[P('billing_status')]).toBeUndefined();
      const portal = (await app.api('GET', '/portals')).body.portals.find((p: { portalId: string }) => p.portalId === PORTAL);
      expect(portal.deals.problem).toContain('crm.schemas.deals.read');
      expect(portal.deals.problem).toContain('reinstall the app');
      // The scope granted (the app reinstalled): the next push writes the deals and clears the notice.
      fake.setScopes(PORTAL, undefined);
      const after = await push();
      expect(after.counts.dealsWritten).toBeGreaterThanOrEqual(1);
      expect(props(d)[P('billing_status')]).toBe('open');
      expect((await app.api('GET', '/portals')).body.portals.find((p: { portalId: string }) => p.portalId === PORTAL).deals.problem).toBeNull();
    } finally {
      fake.setScopes(PORTAL, undefined);
    }
  });

  it("adds the options a hand-edited status property lacks, keeping the admin's own, and names a property of another type", async () => {
    const status = P('billing_status');
    // An admin edited the status property in HubSpot: relabelled one option, dropped five, added one.
    fake.deals.handMadeProperty(PORTAL, {
      name: status,
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'invoice_card_billing',
      options: [
        { label: 'Not yet invoiced', value: 'not_invoiced', displayOrder: 0, hidden: false },
        { label: 'Open', value: 'open', displayOrder: 1, hidden: false },
        { label: 'On hold', value: 'on_hold', displayOrder: 2, hidden: false },
      ],
    });
    await recheck();
    const d = fake.deals.create(PORTAL, { dealname: 'Late payer' }).id;
    await eur({ dealId: d, issueDate: '2026-10-01', dueDate: '2026-10-31' }); // overdue on the test clock's 2026-11-25
    const updated = fake.deals.stats.propertiesUpdated;
    const run = await push();
    expect(run).toMatchObject({ status: 'done', error: null, counts: { failed: 0 } });
    expect(props(d)[status]).toBe('overdue');
    expect(fake.deals.stats.propertiesUpdated).toBe(updated + 1);
    const options = fake.deals.schema(PORTAL).properties.find((p) => p.name === status)!.options;
    expect(options.map((o) => [o.value, o.label, o.displayOrder])).toEqual([
      ['not_invoiced', 'Not yet invoiced', 0],
      ['open', 'Open', 1],
      ['on_hold', 'On hold', 2],
      ['draft_only', 'Draft only', 3],
      ['partially_paid', 'Partially paid', 4],
      ['overdue', 'Overdue', 5],
      ['paid', 'Paid', 6],
      ['void_only', 'Void only', 7],
    ]);
    await recheck();
    await push();
    expect(fake.deals.stats.propertiesUpdated).toBe(updated + 1); // nothing missing: nothing changed

    // Edited again once the push had checked it: "paid" removed. HubSpot refuses the deal that
    // comes out paid; the push mends the property and the deal's retry, in the same run, writes it.
    const current = statusOptions();
    fake.deals.handMadeProperty(PORTAL, { name: status, options: current.filter((o) => o.value !== 'paid') });
    const paidDeal = fake.deals.create(PORTAL, { dealname: 'Paid up' }).id;
    const paid = await eur({ dealId: paidDeal });
    await pay(paid.id, '240.00');
    const mended = await push();
    expect(mended).toMatchObject({ status: 'done', error: null, counts: { failed: 0 } });
    expect(props(paidDeal)[status]).toBe('paid');
    expect(fake.deals.stats.propertiesUpdated).toBe(updated + 2);
    const now = fake.deals.schema(PORTAL).properties.find((p) => p.name === status)!;
    expect(now.options.map((o) => o.value)).toContain('paid');

    // A money property remade by hand as text: the deal side stops and says which property and what to do.
    fake.deals.handMadeProperty(PORTAL, { name: P('balance_due'), type: 'string', fieldType: 'text' });
    try {
      await recheck();
      await createContact(app, { externalId: 'while-stopped' });
      const stopped = await push();
      expect(stopped.status).toBe('done');
      expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'while-stopped@customer.example')).toBe(true);
      expect(await problem()).toBe(
        'HubSpot deal property "invoicecard_balance_due" exists with type string, not number: in HubSpot (Settings → Properties), edit it and set its field type to Number, and the next push goes on',
      );
    } finally {
      fake.deals.handMadeProperty(PORTAL, { name: P('balance_due'), type: 'number', fieldType: 'number' });
    }
    await recheck();
    await push();
    expect(await problem()).toBeNull();
  });

  it('pauses at the daily limit met while it mends a changed property, and a property HubSpot will not change stops only the deal side', async () => {
    const status = P('billing_status');
    // "Void only" removed by hand after the push checked the property (the push before it checks
    // it); the mend's first read of the properties meets the daily limit. The run pauses (it does
    // not go on as if mended).
    expect(await push()).toMatchObject({ status: 'done', error: null });
    fake.deals.handMadeProperty(PORTAL, { name: status, options: statusOptions().filter((o) => o.value !== 'void_only') });
    const called = fake.deals.create(PORTAL, { dealname: 'Called off' }).id;
    const inv = await eur({ dealId: called });
    await voidByApi(inv.id);
    const propertyReads = /^GET \/crm\/properties\/[^/]+\/(deals|0-3)\b/;
    fake.inject({ kind: 'daily', match: propertyReads });
    const paused = await push();
    expect(paused.status).toBe('paused');
    expect(paused.error).toMatch(/^HubSpot daily API limit reached: paused until /);
    expect(props(called)[status]).toBeUndefined();
    // It was the mend that met the limit: HubSpot refused the deal for the option first.
    const row = (await app.deps.db.raw(`select state, reason from sync_state where portal_id = ? and object_type = 'deal' and external_id = ?`, [PORTAL, called])) as {
      rows: Array<{ state: string; reason: string }>;
    };
    expect(row.rows).toEqual([{ state: 'pending', reason: expect.stringMatching(/^will retry: HubSpot's deal property invoicecard_billing_status changed since it was checked/) }]);
    await portalRepo.pause(app.deps.db, PORTAL, null, null, new Date()); // the limit has reset
    await pushUntilDone();
    expect(props(called)[status]).toBe('void_only');
    expect(statusOptions().map((o) => o.value)).toContain('void_only');

    // A property whose definition HubSpot keeps read-only: the options cannot be added. The deal
    // side stops with HubSpot's reason and what to do; contacts are pushed meanwhile.
    fake.deals.handMadeProperty(PORTAL, {
      name: status,
      options: statusOptions().filter((o) => o.value !== 'void_only'),
      modificationMetadata: { archivable: true, readOnlyDefinition: true, readOnlyValue: false },
    });
    try {
      await recheck();
      await createContact(app, { externalId: 'while-read-only' });
      const stopped = await push();
      expect(stopped).toMatchObject({ status: 'done', error: null });
      expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'while-read-only@customer.example')).toBe(true);
      expect(await problem()).toBe(
        `HubSpot refused to add the options void_only to deal property "invoicecard_billing_status" (The definition of property invoicecard_billing_status is read-only.): add them to the property's options in HubSpot (Settings → Properties), and the next push goes on`,
      );
    } finally {
      fake.deals.handMadeProperty(PORTAL, { name: status, modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false } });
    }
    await push(); // the admin fixed it in HubSpot: the next push goes on
    expect(await problem()).toBeNull();
    expect(statusOptions().map((o) => o.value)).toContain('void_only');
  });

  it("fails the run in HubSpot's words when the mend meets a refusal (a token revoked mid-run), and goes on once it works again", async () => {
    const status = P('billing_status');
    expect(await push()).toMatchObject({ status: 'done', error: null });
    fake.deals.handMadeProperty(PORTAL, { name: status, options: statusOptions().filter((o) => o.value !== 'void_only') });
    const d = fake.deals.create(PORTAL, { dealname: 'Revoked' }).id;
    await voidByApi((await eur({ dealId: d })).id);
    // The private app's token is rotated in HubSpot while the deal's write is there: HubSpot
    // refuses the deal for the option, and the mend's first call is refused for the token.
    fake.onWrite = (e) => {
      if (e.phase === 'received' && /deals\/batch\/update/.test(e.route)) fake.removeToken(TOKEN);
    };
    try {
      const run = await push();
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/^HubSpot refused the portal's access token \(Authentication credentials not found\./);
    } finally {
      fake.onWrite = undefined;
      fake.addToken(TOKEN, PORTAL);
    }
    await pushUntilDone();
    expect(props(d)[status]).toBe('void_only');
  });

  it('names a property deleted in HubSpot, whose name HubSpot keeps, and writes the deal once it is restored', async () => {
    const balance = P('balance_due');
    expect(await push()).toMatchObject({ status: 'done', error: null }); // the properties are made and checked
    fake.deals.archiveProperty(PORTAL, balance);
    const d = fake.deals.create(PORTAL, { dealname: 'Bin' }).id;
    await eur({ dealId: d });
    await createContact(app, { externalId: 'while-deleted' });
    const run = await push();
    expect(run).toMatchObject({ status: 'done', error: null });
    expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'while-deleted@customer.example')).toBe(true);
    expect(props(d)[balance]).toBeUndefined();
    expect(await problem()).toBe(
      'HubSpot deal property "invoicecard_balance_due" was deleted in HubSpot, which keeps its name, so it cannot be made again: restore it in HubSpot (Settings → Properties, Archived properties) and the next push goes on',
    );
    fake.deals.archiveProperty(PORTAL, balance, false); // restored by the admin: the next push goes on
    await pushUntilDone();
    expect(await problem()).toBeNull();
    expect(props(d)[balance]).toBe('240.00');
  });

  describe('through faults', () => {
    const faults = [
      ['5xx as JSON and HTML', () => [fake.inject({ kind: 'status500', times: 3 }), fake.inject({ kind: 'status502html', times: 2 }), fake.inject({ kind: 'status503', rate: 0.2 })]],
      ['a 429 storm', () => [fake.inject({ kind: 'rateLimit', times: 6 }), fake.inject({ kind: 'rateLimit', rate: 0.3 })]],
      [
        'writes whose reply is lost',
        () => [fake.inject({ kind: 'commitThenFail', times: 4, match: /batch\/(create|update)/ }), fake.inject({ kind: 'commitThenFail', rate: 0.4, match: /batch\/(create|update)/ })],
      ],
      ['dropped connections', () => [fake.inject({ kind: 'drop', times: 3 }), fake.inject({ kind: 'drop', rate: 0.15 })]],
    ] as const;
    let stormWorker: SyncWorker;
    beforeAll(() => {
      stormWorker = new SyncWorker(app.deps, { batchSize: 3 });
    });

    for (const [name, inject] of faults) {
      it(`keeps every deal exact and every event once through ${name}`, { timeout: 180_000 }, async () => {
        const deals = Array.from({ length: 4 }, (_, i) => fake.deals.create(PORTAL, { dealname: `${name} ${i}` }).id);
        for (const [i, d] of deals.entries()) {
          const a = await eur({ dealId: d });
          await pay(a.id, '100.00');
          const b = await jpy({ dealId: d, issueDate: '2026-10-01', dueDate: '2026-10-31' });
          if (i % 2 === 0) await voidByApi(b.id);
        }
        const injected = fake.stats.faultsInjected;
        inject();
        await pushUntilDone(stormWorker);
        expect(fake.stats.faultsInjected - injected).toBeGreaterThan(2); // the faults did hit
        for (const [i, d] of deals.entries()) {
          // With both issued, the deal's currency is the one invoiced first (JPY's issue date is earlier).
          const voided = i % 2 === 0;
          expect(props(d)).toMatchObject(
            voided
              ? { [P('billing_currency')]: 'EUR', [P('balance_due')]: '140.00', [P('billing_status')]: 'partially_paid', [P('invoice_count')]: '2', [P('balances_by_currency')]: '' }
              : { [P('billing_currency')]: 'JPY', [P('balance_due')]: '3300', [P('billing_status')]: 'overdue', [P('balances_by_currency')]: 'EUR 140.00; JPY 3300' },
          );
          expectNotes(d, voided ? 4 : 3);
        }
      });
    }
  });
});
