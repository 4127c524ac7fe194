import { beforeAll, describe, expect, it } from 'vitest';
import { cardDefinitionSchema, renderAppDefinition, type AppDefinition } from '../src/hubspot/appDefinition.js';
import { lenientAjv } from '../src/http/validate.js';
import { expectValidCard, prop } from './cardAssertions.js';
import { createContact, createInvoice } from './factories.js';
import { appendProxyParams, callSigned, type Versions } from './hubspotCaller.js';
import { useTestApp } from './setup.js';

/**
 * HubSpot as the client: everything is driven by hubspot-app.json, the way HubSpot reads it. The
 * data fetch goes to card.fetch.targetUrl with the default parameters and propertiesToSend, signed
 * as HubSpot signs; answers are checked against the documented card format and the definition.
 */

const PUBLIC = 'https://card.invoices.example';
const { app } = useTestApp({ publicBaseUrl: PUBLIC, now: '2026-11-25T09:30:00Z' });
let def: AppDefinition;

beforeAll(async () => {
  def = renderAppDefinition(PUBLIC);
});

type Caller = 'classic' | 'appCard';

/** The query HubSpot builds: defaults, then each propertiesToSend value; for the app card, HubSpot's proxy appends userId, portalId, userEmail and appId. */
function dataFetch(caller: Caller, portalId: string, dealId: string): string {
  const target = new URL(def.card.fetch.targetUrl);
  const values: Record<string, string> = { dealname: 'Renewal 2027', amount: '1200.5', deal_currency_code: 'EUR', hs_object_id: dealId };
  const pairs: Array<[string, string]> = [
    ['userId', '1001'],
    ['userEmail', 'sales.rep@seller.example'],
    ['associatedObjectId', dealId],
    ['associatedObjectType', 'DEAL'],
    ['portalId', portalId],
    ...def.card.fetch.objectTypes[0]!.propertiesToSend.map((p): [string, string] => [p, values[p] ?? '']),
  ];
  if (caller === 'appCard') {
    const params = appendProxyParams(new URLSearchParams(pairs.filter(([, v]) => v)), { userId: '1001', portalId, userEmail: 'sales.rep@seller.example', appId: '777' });
    return `${target.pathname}?${params.toString()}`;
  }
  return `${target.pathname}?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%40/g, '@').replace(/%20/g, '+')}`).join('&')}`;
}

const versionsOf = (caller: Caller): Versions => (caller === 'classic' ? ['v2', 'v3'] : ['v3']);

async function card(caller: Caller, portalId: string, dealId: string) {
  const res = await callSigned(app, { method: 'GET', pathAndQuery: dataFetch(caller, portalId, dealId), versions: versionsOf(caller) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const body = expectValidCard(res.body, PUBLIC);
  const displayNames = def.card.display.properties.map((p) => p.name);
  const statusOptions = def.card.display.properties.find((p) => p.dataType === 'STATUS')!.options.map((o) => o.name);
  for (const r of body.results) {
    // A draft was never issued: it leaves out issue_date (labelled "Issued") and carries "Dated".
    // HubSpot's converter skips a display property an object leaves out (its
    // convertObjectToProperties drops undefined and null values).
    for (const name of displayNames) {
      if (r.invoice_status === 'DRAFT' && name === 'issue_date') {
        expect(r, name).not.toHaveProperty(name);
        expect(r.properties.find((p) => p.label === 'Dated')?.dataType).toBe('DATE');
      } else expect(r, name).toHaveProperty(name);
    }
    expect(statusOptions).toContain(r.invoice_status);
    for (const a of r.actions) expect(def.card.actions.baseUrls.some((b) => a.uri.startsWith(b))).toBe(true);
  }
  return body;
}

describe('HubSpot as client, driven by hubspot-app.json', () => {
  it('finds a valid card definition', () => {
    const validate = lenientAjv.compile(cardDefinitionSchema);
    expect(validate(def.card), JSON.stringify(validate.errors)).toBe(true);
  });

  for (const caller of ['classic', 'appCard'] as const) {
    describe(`as the ${caller === 'classic' ? 'classic CRM card' : 'converter app card'}`, () => {
      it('is refused when unsigned, v2-only, stale, future or tampered', async () => {
        const path = dataFetch(caller, '31337', '1');
        const now = app.clock.now().getTime();
        const refused = [
          await callSigned(app, { method: 'GET', pathAndQuery: path, versions: [] }),
          await callSigned(app, { method: 'GET', pathAndQuery: path, versions: ['v2'] }),
          await callSigned(app, { method: 'GET', pathAndQuery: path, versions: versionsOf(caller), timestamp: now - 301_000 }),
          await callSigned(app, { method: 'GET', pathAndQuery: path, versions: versionsOf(caller), timestamp: now + 301_000 }),
          await callSigned(app, {
            method: 'GET',
            pathAndQuery: path,
            versions: versionsOf(caller),
            tamper: (r) => void (r.pathAndQuery = r.pathAndQuery.replace('associatedObjectId=1', 'associatedObjectId=2')),
          }),
        ];
        expect(refused.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
      });

      it('keeps portals isolated, gets JPY/EUR/KWD exact, orders by relevance and shows at most five', async () => {
        const portal = caller === 'classic' ? '424201' : '424202';
        const other = caller === 'classic' ? '535301' : '535302';
        const deal = '90001';
        const contact = await createContact(app);
        const overdue = await createInvoice(app, {
          portalId: portal,
          dealId: deal,
          currency: 'KWD',
          issueDate: '2026-09-01',
          status: 'open',
          contactExternalId: contact,
          lines: [{ description: 'a', quantity: '1', unitPrice: '10.005' }],
        });
        const open = await createInvoice(app, {
          portalId: portal,
          dealId: deal,
          currency: 'JPY',
          status: 'open',
          contactExternalId: contact,
          lines: [{ description: 'b', quantity: '7', unitPrice: '1234', taxRate: '8' }],
        });
        const draft = await createInvoice(app, { portalId: portal, dealId: deal, currency: 'EUR', lines: [{ description: 'c', quantity: '3', unitPrice: '19.99', taxRate: '21' }] });
        for (let i = 0; i < 4; i++) {
          const paid = await createInvoice(app, { portalId: portal, dealId: deal, status: 'open', contactExternalId: contact });
          await app.api('POST', `/invoices/${paid.id}/payments`, { amount: paid.total });
        }
        const foreign = await createInvoice(app, { portalId: other, dealId: deal });

        const mine = await card(caller, portal, deal);
        expect(mine.results).toHaveLength(5);
        expect(mine.results.slice(0, 3).map((r) => r.title)).toEqual([overdue.number, open.number, draft.number]);
        expect(mine.results.slice(3).map((r) => r.invoice_status)).toEqual(['PAID', 'PAID']);
        expect(mine.secondaryActions?.[0]?.label).toBe('View all 7 invoices');
        expect(prop(mine.results[0]!, 'Total')).toMatchObject({ value: '10.005', currencyCode: 'KWD' });
        expect(prop(mine.results[1]!, 'Total')).toMatchObject({ value: '9329', currencyCode: 'JPY' }); // 8638 + 8% (691.04 → 691) = 9329
        expect(prop(mine.results[2]!, 'Total')).toMatchObject({ value: '72.56', currencyCode: 'EUR' }); // 59.97 + 12.5937 → 12.59
        expect(mine.results.map((r) => r.objectId)).not.toContain(Number(foreign.id));

        const theirs = await card(caller, other, deal);
        expect(theirs.results.map((r) => r.objectId)).toEqual([Number(foreign.id)]);
      });
    });
  }
});
