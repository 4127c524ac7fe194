import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTE_TO_DEAL } from './dealsAndNotes.js';
import { FakeHubspot } from './fakeHubspot.js';
import { ALL_SCOPES } from './scopes.js';

/** The scopes a portal's token was granted, HubSpot's 403 MISSING_SCOPES, and the OAuth answers that report them. */

let fake: FakeHubspot;
const LIMITED = '5150';
const FULL = '5151';
const V = '/crm/objects/2026-09';
const PV = '/crm/properties/2026-09';
const app = { clientId: 'client-scopes', clientSecret: 'secret-scopes', redirectUri: 'http://localhost/cb' };
/** What the app asks for (hubspot-app.json): no deal schema scopes. */
const APP_SCOPES = ['oauth', 'crm.objects.deals.read', 'crm.objects.deals.write', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'e-commerce'];

beforeAll(async () => {
  fake = new FakeHubspot({ maxPerWindow: 1000, tokens: { 'pat-limited': LIMITED, 'pat-full': FULL }, oauth: app });
  await fake.start();
});
afterAll(() => fake.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const call = async (method: string, path: string, body?: unknown, token = 'pat-limited'): Promise<{ status: number; body: Json; headers: Headers }> => {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
};
const form = (path: string, fields: Record<string, string>) =>
  fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
const missing = (required: string[]) => ({
  status: 'error',
  message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
  correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
  errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: required } }],
  links: { scopes: 'https://developers.hubspot.com/scopes' },
  category: 'MISSING_SCOPES',
});
const property = { name: 'acme_balance_due', label: 'Balance due', type: 'number', fieldType: 'number', groupName: 'dealinformation' };

describe('fake HubSpot: granted scopes', () => {
  it('grants every scope until a portal’s scopes are set', async () => {
    expect(fake.grantedScopes(FULL)).toBeUndefined();
    expect((await call('POST', `${PV}/deals`, property, 'pat-full')).status).toBe(201);
    expect((await call('POST', `${V}/contacts`, { properties: { email: 'all@example.com' } }, 'pat-full')).status).toBe(201);
  });

  it('answers 403 MISSING_SCOPES on a deal property create without crm.schemas.deals.write, and still serves the contacts writes', async () => {
    fake.setScopes(LIMITED, APP_SCOPES);
    const refused = await call('POST', `${PV}/deals`, property);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(missing(['crm.schemas.deals.write']));
    expect(Object.keys(refused.body)).toEqual(['status', 'message', 'correlationId', 'errors', 'links', 'category']); // HubSpot's order
    expect(refused.headers.get('x-hubspot-correlation-id')).toBe(refused.body.correlationId);
    expect(fake.deals.schema(LIMITED).properties).toEqual([]); // nothing created
    expect((await call('POST', `${PV}/deals/groups`, { name: 'acme_billing', label: 'Billing' })).body).toEqual(missing(['crm.schemas.deals.write']));
    expect((await call('GET', `${PV}/deals`)).body).toEqual(missing(['crm.schemas.deals.read']));

    const contact = await call('POST', `${V}/contacts`, { properties: { email: 'limited@example.com' } });
    expect(contact.status).toBe(201);
    const batch = await call('POST', `${V}/contacts/batch/upsert`, { inputs: [{ id: 'limited@example.com', idProperty: 'email', properties: { firstname: 'Lim' } }] });
    expect(batch.status).toBe(200);
    expect((await call('POST', `/crm/v3/objects/products`, { properties: { name: 'Widget', price: '10' } })).status).toBe(201);
    // Deals and notes: the app's deal object scopes, and the contacts scopes notes take.
    const d = fake.deals.create(LIMITED, { dealname: 'Scoped' });
    expect((await call('POST', `${V}/deals/batch/update`, { inputs: [{ id: d.id, properties: { amount: '5' } }] })).status).toBe(200);
    const noteBody = {
      properties: { hs_timestamp: '2026-11-25T10:00:00.000Z', hs_note_body: 'Invoice issued' },
      associations: [{ to: { id: d.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_DEAL }] }],
    };
    expect((await call('POST', `${V}/notes`, noteBody)).status).toBe(201);
    expect((await call('GET', `${V}/deals/${d.id}/associations/notes`)).status).toBe(200);
  });

  it('checks each call against its own scope: reads, writes, notes on the contacts scopes, products on e-commerce', async () => {
    fake.setScopes(LIMITED, ['oauth', 'crm.objects.deals.read']);
    const d = fake.deals.create(LIMITED, { dealname: 'Read only' });
    expect((await call('POST', `${V}/deals/batch/read`, { inputs: [{ id: d.id }], properties: [] })).status).toBe(200);
    expect((await call('GET', `/crm/v4/objects/deals/${d.id}/associations/notes`)).status).toBe(200);
    const write = await call('POST', `${V}/deals/batch/update`, { inputs: [{ id: d.id, properties: { amount: '7' } }] });
    expect(write.body).toEqual(missing(['crm.objects.deals.write']));
    expect(fake.deals.get(LIMITED, d.id)!.properties.amount).toBeUndefined();
    expect((await call('DELETE', `${V}/deals/${d.id}`)).status).toBe(403);
    expect((await call('POST', `${V}/notes/batch/read`, { inputs: [{ id: '1' }], properties: [] })).body).toEqual(missing(['crm.objects.contacts.read']));
    expect((await call('POST', `${V}/notes`, {})).body).toEqual(missing(['crm.objects.contacts.write']));
    expect((await call('POST', `${V}/contacts/search`, { filterGroups: [] })).body).toEqual(missing(['crm.objects.contacts.read']));
    expect((await call('POST', `${V}/products/batch/create`, { inputs: [] })).body).toEqual(missing(['e-commerce', 'crm.objects.products.write']));
    expect((await call('POST', `${PV}/contacts`, { name: 'x' })).body).toEqual(missing(['crm.schemas.contacts.write']));
    // The granular products scope is an alternative to e-commerce.
    fake.setScopes(LIMITED, ['crm.objects.products.read']);
    expect((await call('POST', `${V}/products/batch/read`, { inputs: [], properties: [] })).status).toBe(200);
  });

  it('sets, reads and clears a portal’s scopes over the control route', async () => {
    const put = await fetch(`${fake.url}/__fake/portals/${LIMITED}/scopes`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['crm.objects.contacts.read'] }),
    });
    expect(await put.json()).toEqual({ ok: true, scopes: ['crm.objects.contacts.read'] });
    expect(fake.grantedScopes(LIMITED)).toEqual(['crm.objects.contacts.read']);
    expect((await call('POST', `${V}/contacts`, { properties: { email: 'nope@example.com' } })).status).toBe(403);
    expect((await fetch(`${fake.url}/__fake/portals/${LIMITED}/scopes`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"scopes":"all"}' })).status).toBe(400);
    expect(await (await fetch(`${fake.url}/__fake/portals/${LIMITED}/scopes`)).json()).toEqual({ scopes: ['crm.objects.contacts.read'], reported: ['crm.objects.contacts.read'] });
    expect((await fetch(`${fake.url}/__fake/portals/${LIMITED}/scopes`, { method: 'DELETE' })).status).toBe(200);
    expect(fake.grantedScopes(LIMITED)).toBeUndefined();
    expect((await call('POST', `${V}/contacts`, { properties: { email: 'again@example.com' } })).status).toBe(201);
  });

  it('reports in the OAuth answers the granted scopes, else those asked for at authorize, else every scope', async () => {
    const creds = { client_id: app.clientId, client_secret: app.clientSecret };
    const exchange = async (portalId: string, scopes?: string[]) => {
      const res = await form('/oauth/2026-03/token', { ...creds, grant_type: 'authorization_code', code: fake.authorize(portalId, scopes), redirect_uri: app.redirectUri });
      return (await res.json()) as { access_token: string; refresh_token: string; scopes: string[] };
    };
    const introspect = async (token: string) => ((await (await form('/oauth/2026-03/token/introspect', { ...creds, token })).json()) as { scopes: string[] }).scopes;

    const all = await exchange('5160');
    expect(all.scopes).toEqual([...ALL_SCOPES]);
    expect(all.scopes).toEqual(
      expect.arrayContaining([
        'crm.objects.deals.read',
        'crm.objects.deals.write',
        'crm.schemas.deals.read',
        'crm.schemas.deals.write',
        'crm.objects.contacts.read',
        'crm.objects.contacts.write',
        'e-commerce',
        'oauth',
      ]),
    );
    const asked = await exchange('5161', APP_SCOPES);
    expect(asked.scopes).toEqual(APP_SCOPES);
    expect(await introspect(asked.access_token)).toEqual(APP_SCOPES);
    expect(await introspect(asked.refresh_token)).toEqual(APP_SCOPES);
    // Asked-for scopes are only reported: calls are checked against granted ones alone.
    expect((await call('POST', `${PV}/deals`, property, asked.access_token)).status).toBe(201);

    fake.setScopes('5161', ['oauth', 'crm.objects.contacts.read']);
    const refreshed = (await (await form('/oauth/2026-03/token', { ...creds, grant_type: 'refresh_token', refresh_token: asked.refresh_token })).json()) as { access_token: string; scopes: string[] };
    expect(refreshed.scopes).toEqual(['oauth', 'crm.objects.contacts.read']);
    expect(await introspect(refreshed.access_token)).toEqual(['oauth', 'crm.objects.contacts.read']);
    const v1 = (await (await fetch(`${fake.url}/oauth/v1/access-tokens/${refreshed.access_token}`)).json()) as { scopes: string[] };
    expect(v1.scopes).toEqual(['oauth', 'crm.objects.contacts.read']);
    expect((await call('GET', `${PV}/deals`, undefined, refreshed.access_token)).status).toBe(403);
  });
});
