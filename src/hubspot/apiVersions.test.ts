import { describe, expect, it } from 'vitest';
import { crmRoute, oauthPath, uninstallPath, versionsStatus } from './apiVersions.js';

describe('the HubSpot path map', () => {
  it('puts every CRM call on its version’s path family', () => {
    expect(crmRoute('2026-09', 'batchUpsert', 'contacts')).toEqual({ method: 'POST', path: '/crm/objects/2026-09/contacts/batch/upsert' });
    expect(crmRoute('2026-03', 'batchArchive', 'products')).toEqual({ method: 'POST', path: '/crm/objects/2026-03/products/batch/archive' });
    expect(crmRoute('2026-09', 'search', 'products').path).toBe('/crm/objects/2026-09/products/search');
    expect(crmRoute('2026-09', 'propertyRead', 'products', 'accounting_external_id')).toEqual({ method: 'GET', path: '/crm/properties/2026-09/products/accounting_external_id' });
    expect(crmRoute('2026-09', 'propertyCreate', 'products')).toEqual({ method: 'POST', path: '/crm/properties/2026-09/products' });
    expect(crmRoute('v3', 'batchCreate', 'contacts').path).toBe('/crm/v3/objects/contacts/batch/create');
    expect(crmRoute('v3', 'propertyRead', 'products', 'a b').path).toBe('/crm/v3/properties/products/a%20b');
    // A deal's notes: the v4 associations API, under the objects path in the date versions.
    expect(crmRoute('2026-09', 'associationsList', 'deals', '7001/notes')).toEqual({ method: 'GET', path: '/crm/objects/2026-09/deals/7001/associations/notes' });
    expect(crmRoute('v3', 'associationsList', 'deals', '7001/notes').path).toBe('/crm/v4/objects/deals/7001/associations/notes');
    expect(crmRoute('2026-09', 'groupCreate', 'deals').path).toBe('/crm/properties/2026-09/deals/groups');
    expect(uninstallPath('2026-09')).toBe('/appinstalls/2026-03/external-install');
    expect(uninstallPath('v3')).toBe('/appinstalls/v3/external-install');
    expect([oauthPath('token'), oauthPath('introspect'), oauthPath('revoke')]).toEqual(['/oauth/2026-03/token', '/oauth/2026-03/token/introspect', '/oauth/2026-03/token/revoke']);
  });
});

describe("HubSpot's end of support, as the dashboard shows it", () => {
  const on = (day: string) => new Date(`${day}T12:00:00Z`);

  it('says the newest versions are supported, and warns within six months of an end or past it, saying what to set', () => {
    const today = versionsStatus('2026-09', '2026-03', on('2026-11-25'));
    expect(today.api).toMatchObject({ version: '2026-09', state: 'ok', endsOn: '2028-03-08' });
    expect(today.oauth).toMatchObject({ version: '2026-03', state: 'ok', endsOn: '2027-09-30' });
    const legacy = versionsStatus('v3', 'v1', on('2026-11-25'));
    expect(legacy.api.state).toBe('ok'); // September 2027 is more than six months away
    expect(legacy.oauth).toMatchObject({ state: 'soon', daysLeft: 83 });
    expect(legacy.oauth!.message).toBe('v1 (legacy) is deprecated on 16 February 2027: 83 days left. To move to a supported version, set HUBSPOT_OAUTH_VERSION=2026-03 and restart the service.');
    expect(versionsStatus('v3', undefined, on('2027-04-01')).api).toMatchObject({ state: 'soon' });
    const late = versionsStatus('v3', 'v1', on('2027-10-01'));
    expect(late.api.state).toBe('past');
    expect(late.api.message).toContain('HubSpot no longer supports v3 (legacy)');
    expect(late.api.message).toContain('set HUBSPOT_API_VERSION=2026-09');
    expect(versionsStatus('2026-09', undefined, on('2026-11-25')).oauth).toBeNull();
  });
});
