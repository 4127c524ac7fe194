import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useFakeHubspot, useTestApp } from '../../test/setup.js';
import type { PortalRule } from '../../test/fakeHubspot/validationRules.js';
import * as portalRepo from '../portals/portalRepo.js';
import { SyncWorker } from './syncWorker.js';

/**
 * A HubSpot portal admin's validation rules against the push, over HTTP on the fake HubSpot: the
 * records a rule refuses are listed with the rule's message and property and never sent again,
 * everything else lands once; the rules HubSpot lets us read are read up front, and the push goes
 * on when they cannot be.
 */

// The path family the push uses: HubSpot enforces the required rules from 2026-09 on only (with
// 'v3' the fake is told to enforce them anyway, to run the same tests on the legacy family).
const VERSION: string = '2026-09';

const PORTAL = '4141';
const TOKEN = 'pat-rules';
const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, tokens: { [TOKEN]: PORTAL }, enforceValidationRulesOnV3: VERSION === 'v3' });
const { tdb, app } = useTestApp(() => ({
  env: {
    HUBSPOT_ACCESS_TOKEN: TOKEN,
    HUBSPOT_PORTAL_ID: PORTAL,
    HUBSPOT_API_BASE_URL: fake.url,
    HUBSPOT_RATE_LIMIT_PER_10S: '10000',
    HUBSPOT_REQUEST_TIMEOUT_MS: '3000',
    ...(VERSION === 'v3' ? {} : { HUBSPOT_API_VERSION: VERSION }),
  },
}));
let worker: SyncWorker;

beforeAll(async () => {
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
  worker = new SyncWorker(app.deps);
});
beforeEach(async () => {
  fake.clearFaults();
  fake.validation.readForbidden = false;
  await setRules([]);
});

/** Sets the portal's rules the way a stand-alone fake is told: over HTTP. */
async function setRules(rules: PortalRule[]): Promise<void> {
  const res = await fetch(`${fake.url}/__fake/validation-rules/${PORTAL}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });
  expect(res.status).toBe(200);
}

async function push() {
  const started = await app.api('POST', '/sync/runs', {});
  expect([200, 202]).toContain(started.status);
  await worker.drain();
  return (await app.api('GET', `/sync/runs/${started.body.id}`)).body;
}

type Failure = {
  id: string;
  externalId: string;
  state: string;
  reason: string;
  attempts: number;
  error: { category: string; violations?: Array<{ property: string; message: string }>; refusedBy?: string; foundBeforeSending?: boolean };
};
const failuresOf = async (objectType: 'contact' | 'product', prefix: string): Promise<Failure[]> =>
  ((await app.api('GET', `/sync/failures?portalId=${PORTAL}&objectType=${objectType}`)).body.failures as Failure[]).filter((f) => f.externalId.startsWith(`${prefix}-`));

/** How many writes the fake refused for the contact with this email (or the product with this SKU). */
const refusalsOf = (value: string) => fake.validation.refusals.filter((r) => r.properties.email === value || r.properties.hs_sku === value).length;

const contacts = (prefix: string, n: number, withoutPhone: number[]) =>
  Array.from({ length: n }, (_, i) => ({
    externalId: `${prefix}-${i}`,
    email: `${prefix}.${i}@customer.example`,
    firstName: `First ${i}`,
    lastName: `Last ${i}`,
    ...(withoutPhone.includes(i) ? {} : { phone: `+49 30 ${1000 + i}` }),
  }));
const products = (prefix: string, n: number, longSku: number[]) =>
  Array.from({ length: n }, (_, i) => ({
    externalId: `${prefix}-${i}`,
    sku: longSku.includes(i) ? `${prefix.toUpperCase()}-LONG-SKU-${i}` : `${prefix.toUpperCase()}-${i}`,
    name: `Product ${i}`,
    price: '10.00',
    currency: 'EUR',
    type: 'service',
  }));

const PHONE_RULE: PortalRule = { kind: 'required', objectType: 'contacts', property: 'phone', message: 'Every customer needs a phone number for invoicing' };
const SKU_RULE: PortalRule = { kind: 'format', objectType: 'products', property: 'hs_sku', ruleType: 'MAX_LENGTH', ruleArguments: ['8'] };

describe("a portal admin's validation rule", () => {
  it('refuses the contacts that break it, listed with its message and property and never retried, while every other contact lands once; a fixed one lands on replay', async () => {
    await setRules([PHONE_RULE]);
    const missing = [3, 17, 18, 60];
    await app.api('POST', '/contacts/batch', { items: contacts('ph', 80, missing) });
    const run = await push();
    expect(run).toMatchObject({ status: 'done', counts: { created: 76, failed: 4, refusedUpFront: 0 } });

    const landed = fake.records(PORTAL, 'contacts').filter((r) => r.properties.email?.startsWith('ph.'));
    expect(landed).toHaveLength(76);
    expect(new Set(landed.map((r) => r.properties.email)).size).toBe(76);
    for (const i of missing) expect(landed.find((r) => r.properties.email === `ph.${i}@customer.example`)).toBeUndefined();

    const failures = await failuresOf('contact', 'ph');
    expect(failures.map((f) => f.externalId).sort()).toEqual(missing.map((i) => `ph-${i}`).sort());
    for (const f of failures) {
      expect(f).toMatchObject({
        state: 'failed',
        attempts: 1,
        error: { category: 'VALIDATION_ERROR', refusedBy: 'portal_rule', violations: [{ property: 'phone', message: 'Every customer needs a phone number for invoicing' }] },
      });
      expect(f.reason).toContain('A validation rule a HubSpot portal admin set refused this contact');
      expect(f.reason).toContain('phone: “Every customer needs a phone number for invoicing”');
      expect(f.reason).toContain('Fix the record in the accounting system, or ask the portal admin to change the rule, then replay it.');
    }
    // Each was sent once and refused once: no retry, in the run or in the next one.
    for (const i of missing) expect(refusalsOf(`ph.${i}@customer.example`)).toBe(1);
    const again = await push();
    expect(again.counts).toMatchObject({ created: 0, failed: 0 });
    for (const i of missing) expect(refusalsOf(`ph.${i}@customer.example`)).toBe(1);

    // Fixed in the accounting system, then replayed: it lands, once.
    await app.api('PUT', '/contacts/ph-17', { email: 'ph.17@customer.example', firstName: 'First 17', lastName: 'Last 17', phone: '+49 30 1017' });
    const fixed = failures.find((f) => f.externalId === 'ph-17')!;
    expect((await app.api('POST', `/sync/failures/${fixed.id}/replay`)).status).toBe(202);
    await worker.drain();
    expect(fake.records(PORTAL, 'contacts').filter((r) => r.properties.email === 'ph.17@customer.example')).toHaveLength(1);
    expect(refusalsOf('ph.17@customer.example')).toBe(1);
    expect((await failuresOf('contact', 'ph')).map((f) => f.externalId).sort()).toEqual(['ph-18', 'ph-3', 'ph-60']);
  });

  it('reads the rules HubSpot lets an app read when the push starts, and does not send the records that break them', async () => {
    await setRules([SKU_RULE]);
    const readsBefore = fake.validation.reads;
    const long = [2, 9];
    await app.api('POST', '/products/batch', { items: products('up', 20, long) });
    const run = await push();
    expect(run).toMatchObject({ status: 'done', counts: { created: 18, failed: 2, refusedUpFront: 2 } });
    // Once per run, for contacts and for products.
    expect(fake.validation.reads - readsBefore).toBe(2);
    expect(fake.records(PORTAL, 'products').filter((r) => r.properties.accounting_external_id?.startsWith('up-'))).toHaveLength(18);
    const failures = await failuresOf('product', 'up');
    expect(failures.map((f) => f.externalId).sort()).toEqual(['up-2', 'up-9']);
    for (const f of failures) {
      expect(f.error).toMatchObject({
        category: 'VALIDATION_ERROR',
        refusedBy: 'portal_rule',
        foundBeforeSending: true,
        violations: [{ property: 'hs_sku', message: expect.stringContaining('at most 8 characters') }],
      });
      expect(f.reason).toContain('Not sent: it breaks a validation rule a HubSpot portal admin set');
      expect(f.reason).toContain('ask the portal admin to change the rule, then replay it');
    }
    // Never sent at all.
    for (const i of long) expect(refusalsOf(`UP-LONG-SKU-${i}`)).toBe(0);
  });

  it.each([
    ['answers 500', () => fake.inject({ kind: 'status500', match: /property-validations/, times: 50 })],
    ['is out of the app’s scopes (403)', () => (fake.validation.readForbidden = true)],
  ])('lets the push go on when the rules endpoint %s: HubSpot refuses the breaking records, once each', async (_name, breakIt) => {
    await setRules([SKU_RULE]);
    breakIt();
    const long = [4];
    await app.api('POST', '/products/batch', { items: products(`nr${_name.length}`, 12, long) });
    const run = await push();
    expect(run).toMatchObject({ status: 'done', counts: { created: 11, failed: 1, refusedUpFront: 0 } });
    const [f] = await failuresOf('product', `nr${_name.length}`);
    expect(f).toMatchObject({
      externalId: `nr${_name.length}-4`,
      state: 'failed',
      error: { category: 'VALIDATION_ERROR', refusedBy: 'portal_rule', violations: [{ property: 'hs_sku', message: 'Enter at most 8 characters' }] },
    });
    expect(f!.error.foundBeforeSending).toBeUndefined();
    expect(refusalsOf(`NR${_name.length}-LONG-SKU-4`)).toBe(1);
  });
});
