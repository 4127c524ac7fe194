import { beforeAll, describe, expect, it } from 'vitest';
import { createContact, createInvoice } from '../../test/factories.js';
import { appendProxyParams, callSigned, type SignedCall } from '../../test/hubspotCaller.js';
import { useTestApp } from '../../test/setup.js';
import * as auditRepo from '../audit/auditRepo.js';

const PUBLIC = 'https://invoices.example.com';
const PORTAL = '987654';
const DEAL = '53701';

const { tdb, app } = useTestApp({ publicBaseUrl: PUBLIC });
let contact: string;

beforeAll(async () => {
  contact = await createContact(app);
});

const defaults = (over: Record<string, string> = {}) => ({
  userId: '4242',
  userEmail: 'rep@seller.example',
  associatedObjectId: DEAL,
  associatedObjectType: 'DEAL',
  portalId: PORTAL,
  ...over,
});

type Caller = 'classic' | 'appCard';

/** Calls a hook the way each HubSpot caller does it. */
function callHook(caller: Caller, method: 'POST' | 'DELETE', path: string, params = defaults(), extra: Partial<SignedCall> = {}) {
  const q = new URLSearchParams(params);
  // The app card calls through hubspot.fetch: HubSpot's proxy appends the user, portal and app.
  if (caller === 'appCard' && params.portalId !== undefined) appendProxyParams(q, { userId: params.userId ?? '', portalId: params.portalId, userEmail: params.userEmail ?? '', appId: '777' });
  if (method === 'DELETE') {
    // GET/DELETE: the defaults ride in the query for both callers.
    return callSigned(app, { method, pathAndQuery: `${path}?${q.toString()}`, versions: caller === 'appCard' ? ['v3'] : ['v2', 'v3'], ...extra });
  }
  if (caller === 'classic') {
    return callSigned(app, { method, pathAndQuery: path, body: q.toString(), contentType: 'application/x-www-form-urlencoded', ...extra });
  }
  // The converter app card: JSON body, the same values in the query too, plus what HubSpot appends.
  return callSigned(app, { method, pathAndQuery: `${path}?${q.toString()}`, body: JSON.stringify(params), contentType: 'application/json', versions: ['v3'], ...extra });
}

const openInvoice = () => createInvoice(app, { portalId: PORTAL, dealId: DEAL, status: 'open', contactExternalId: contact });
const draft = () => createInvoice(app, { portalId: PORTAL, dealId: DEAL, contactExternalId: contact });

describe('action hooks', () => {
  it('rejects a missing or invalid signature', async () => {
    const inv = await openInvoice();
    const path = `/hubspot/actions/invoices/${inv.id}/void`;
    const body = new URLSearchParams(defaults()).toString();
    const bad = [
      await callSigned(app, { method: 'POST', pathAndQuery: path, body, contentType: 'application/x-www-form-urlencoded', versions: [] }),
      await callSigned(app, { method: 'POST', pathAndQuery: path, body, contentType: 'application/x-www-form-urlencoded', versions: ['v2'] }),
      await callSigned(app, { method: 'POST', pathAndQuery: path, body, contentType: 'application/x-www-form-urlencoded', tamper: (r) => void (r.body = r.body.replace(PORTAL, '111111')) }),
      await callSigned(app, { method: 'POST', pathAndQuery: path, body, contentType: 'application/x-www-form-urlencoded', timestamp: app.clock.now().getTime() - 400_000 }),
    ];
    expect(bad.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.status).toBe('open');
  });

  for (const caller of ['classic', 'appCard'] as const) {
    describe(`from the ${caller === 'classic' ? 'classic card (form body)' : 'converter app card (JSON body, appId)'}`, () => {
      it('voids an open invoice once, however often the request is delivered, and audits the rep', async () => {
        const inv = await openInvoice();
        const first = await callHook(caller, 'POST', `/hubspot/actions/invoices/${inv.id}/void`);
        const second = await callHook(caller, 'POST', `/hubspot/actions/invoices/${inv.id}/void`);
        expect(first.status).toBe(200);
        expect(first.body).toMatchObject({ message: `Invoice ${inv.number} is void.`, changed: true });
        expect(second.status).toBe(200);
        expect(second.body).toMatchObject({ message: `Invoice ${inv.number} was already void.`, changed: false });
        const audit = await auditRepo.listForInvoice(tdb.db, inv.id);
        const voids = audit.filter((a) => a.action === 'invoice.void');
        expect(voids).toHaveLength(1);
        expect(voids[0]).toMatchObject({ actor_type: 'hubspot_user', hubspot_user_id: '4242', hubspot_user_email: 'rep@seller.example', portal_id: PORTAL, deal_id: DEAL, outcome: 'ok' });
        expect(voids[0]!.before).toMatchObject({ status: 'open' });
        expect(voids[0]!.after).toMatchObject({ status: 'void' });
      });

      it('deletes a draft (softly) once, and issues a draft once', async () => {
        const d1 = await draft();
        for (let i = 0; i < 2; i++) expect((await callHook(caller, 'DELETE', `/hubspot/actions/invoices/${d1.id}`)).status).toBe(200);
        const after = await app.api('GET', `/invoices/${d1.id}`);
        expect(after.body).toMatchObject({ deleted: true, status: 'draft' });
        const d2 = await draft();
        const issued = await Promise.all([callHook(caller, 'POST', `/hubspot/actions/invoices/${d2.id}/issue`), callHook(caller, 'POST', `/hubspot/actions/invoices/${d2.id}/issue`)]);
        expect(issued.map((r) => r.status)).toEqual([200, 200]);
        expect(issued.filter((r) => r.body.changed)).toHaveLength(1);
        expect((await app.api('GET', `/invoices/${d2.id}`)).body.status).toBe('open');
      });
    });
  }

  it("refuses what the invoice's state does not allow, and audits the refusal", async () => {
    const d = await draft();
    const voidDraft = await callHook('classic', 'POST', `/hubspot/actions/invoices/${d.id}/void`);
    expect(voidDraft.status).toBe(409);
    expect(voidDraft.body.error.code).toBe('invoice_is_draft');
    const open = await openInvoice();
    const deleteOpen = await callHook('classic', 'DELETE', `/hubspot/actions/invoices/${open.id}`);
    expect(deleteOpen.status).toBe(409);
    expect(deleteOpen.body.error.message).toMatch(/voided, never deleted/);
    await app.api('POST', `/invoices/${open.id}/payments`, { amount: '10.00' });
    const voidPaid = await callHook('appCard', 'POST', `/hubspot/actions/invoices/${open.id}/void`);
    expect(voidPaid.status).toBe(409);
    expect(voidPaid.body.error).toMatchObject({ code: 'void_reason_required' });
    expect((await app.api('GET', `/invoices/${open.id}`)).body.status).toBe('open');
    const audit = await auditRepo.listForInvoice(tdb.db, open.id);
    expect(audit.find((a) => a.action === 'invoice.void')).toMatchObject({ outcome: 'rejected', error_code: 'void_reason_required', hubspot_user_email: 'rep@seller.example' });
  });

  it("keeps portals and deals apart: another portal's or deal's invoice is not found and not touched", async () => {
    const inv = await openInvoice();
    const otherPortal = await callHook('classic', 'POST', `/hubspot/actions/invoices/${inv.id}/void`, defaults({ portalId: '111111' }));
    const otherDeal = await callHook('appCard', 'POST', `/hubspot/actions/invoices/${inv.id}/void`, defaults({ associatedObjectId: '99999' }));
    expect([otherPortal.status, otherDeal.status]).toEqual([404, 404]);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.status).toBe('open');
  });

  it('names missing parameters and refuses other object types', async () => {
    const inv = await openInvoice();
    const { portalId: _p, ...noPortal } = defaults();
    const missing = await callHook('classic', 'POST', `/hubspot/actions/invoices/${inv.id}/void`, noPortal as ReturnType<typeof defaults>);
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ field: 'portalId', message: 'is required' }]);
    const contactCard = await callHook('classic', 'POST', `/hubspot/actions/invoices/${inv.id}/void`, defaults({ associatedObjectType: 'CONTACT' }));
    expect(contactCard.status).toBe(400);
    const brokenJson = await callSigned(app, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${inv.id}/void`, body: '{"portalId":', contentType: 'application/json', versions: ['v3'] });
    expect(brokenJson.status).toBe(400);
  });

  it("takes the app card's repeated parameters as one value, and refuses copies that disagree (query, JSON body or form body)", async () => {
    const inv = await openInvoice();
    const path = `/hubspot/actions/invoices/${inv.id}/void`;
    // The converter's own query says another portal (one this service also serves, so only the
    // disagreement can refuse it); HubSpot's proxy appends the real one after it.
    const q = new URLSearchParams(defaults({ portalId: '111111' }));
    appendProxyParams(q, { userId: '4242', portalId: PORTAL, userEmail: 'rep@seller.example', appId: '777' });
    const typedPortal = await callSigned(app, { method: 'POST', pathAndQuery: `${path}?${q}`, body: JSON.stringify(defaults()), contentType: 'application/json', versions: ['v3'] });
    expect(typedPortal.status).toBe(400);
    expect(typedPortal.body.error).toMatchObject({ code: 'conflicting_parameters', details: [{ field: 'portalId', message: expect.stringContaining('"111111", "987654"') }] });
    // The query agrees with itself, but the JSON body names another portal or user.
    const agreed = appendProxyParams(new URLSearchParams(defaults()), { userId: '4242', portalId: PORTAL, userEmail: 'rep@seller.example', appId: '777' });
    const bodyPortal = await callSigned(app, {
      method: 'POST',
      pathAndQuery: `${path}?${agreed}`,
      body: JSON.stringify(defaults({ portalId: '111111' })),
      contentType: 'application/json',
      versions: ['v3'],
    });
    expect(bodyPortal.status).toBe(400);
    expect(bodyPortal.body.error.details).toEqual([{ field: 'portalId', message: expect.stringContaining('different values') }]);
    const bodyUser = await callSigned(app, {
      method: 'POST',
      pathAndQuery: `${path}?${agreed}`,
      body: JSON.stringify({ ...defaults(), userId: 1 }),
      contentType: 'application/json',
      versions: ['v3'],
    });
    expect(bodyUser.body.error.details).toEqual([{ field: 'userId', message: expect.stringContaining('"4242", "1"') }]);
    // A classic form body that names the portal twice, differently.
    const form = `${new URLSearchParams(defaults())}&portalId=111111`;
    const formTwice = await callSigned(app, { method: 'POST', pathAndQuery: path, body: form, contentType: 'application/x-www-form-urlencoded' });
    expect(formTwice.status).toBe(400);
    expect(formTwice.body.error.code).toBe('conflicting_parameters');
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.status).toBe('open');
    // The same copies, agreeing (ids as JSON numbers too), act.
    const body = JSON.stringify({ ...defaults(), portalId: Number(PORTAL), associatedObjectId: Number(DEAL) });
    const ok = await callSigned(app, { method: 'POST', pathAndQuery: `${path}?${agreed}`, body, contentType: 'application/json', versions: ['v3'] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.status).toBe('void');
  });

  it('does not let a __proto__ key in a JSON body supply the required parameters', async () => {
    const inv = await openInvoice();
    const body = `{"__proto__":${JSON.stringify({ portalId: PORTAL, associatedObjectId: DEAL, userId: '4242' })}}`;
    const res = await callSigned(app, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${inv.id}/void`, body, contentType: 'application/json', versions: ['v3'] });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { field: 'portalId', message: 'is required' },
      { field: 'associatedObjectId', message: 'is required' },
    ]);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.status).toBe('open');
  });

  it('answers 404, not 500, for invoice ids past what the database holds (2^63 and up)', async () => {
    for (const id of ['9223372036854775808', '9999999999999999999', '18446744073709551616', '1'.repeat(40)]) {
      for (const path of [`/hubspot/actions/invoices/${id}/void`, `/hubspot/actions/invoices/${id}/issue`]) {
        const res = await callHook('classic', 'POST', path);
        expect(res.status, path).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      expect((await callHook('appCard', 'DELETE', `/hubspot/actions/invoices/${id}`)).status).toBe(404);
    }
    // The largest id the database holds is an ordinary "not found".
    expect((await callHook('classic', 'POST', '/hubspot/actions/invoices/9223372036854775807/void')).status).toBe(404);
  });
});
