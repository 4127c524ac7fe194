import { describe, expect, it } from 'vitest';
import { createContact, createInvoice } from '../../test/factories.js';
import { TEST_CLIENT_SECRET } from '../../test/testApp.js';
import { useTestApp } from '../../test/setup.js';
import type { CardResponse } from '../card/cardResponse.js';
import { renderAppDefinition } from '../hubspot/appDefinition.js';
import { checkCardResponse, previewCard, renderCardText } from './previewCard.js';

const { app } = useTestApp();

const options = (over: Partial<Parameters<typeof previewCard>[0]> = {}) => ({
  serviceUrl: app.url,
  publicUrl: app.publicBaseUrl,
  clientSecret: TEST_CLIENT_SECRET,
  portalId: '2020',
  dealId: '3030',
  userId: '1',
  userEmail: 'rep@example.com',
  properties: { dealname: 'Big deal' },
  definition: renderAppDefinition(app.publicBaseUrl),
  nowMs: app.clock.now().getTime(),
  ...over,
});

describe('card preview', () => {
  it('signs like HubSpot, validates the answer and prints the card as a rep sees it', async () => {
    const contact = await createContact(app, { company: 'Acme GmbH' });
    const inv = await createInvoice(app, {
      portalId: '2020',
      dealId: '3030',
      currency: 'JPY',
      status: 'open',
      contactExternalId: contact,
      lines: [{ description: 'x', quantity: '2', unitPrice: '264000' }],
    });
    for (const appCard of [undefined, { appId: '99' }]) {
      const result = await previewCard(options({ appCard }));
      expect(result.status).toBe(200);
      expect(result.schemaErrors).toEqual([]);
      const text = renderCardText(result.body as CardResponse, options().definition, 'Invoices (1)');
      expect(text).toContain(inv.number);
      expect(text).toContain('[Open]');
      expect(text).toContain('Total: ¥528,000');
      expect(text).toContain('Bill to: Acme GmbH');
      expect(text).toContain('[Create invoice]');
    }
  });

  it('reports a rejected signature', async () => {
    const result = await previewCard(options({ clientSecret: 'wrong' }));
    expect(result.status).toBe(401);
  });

  it("catches answers that break HubSpot's format or point outside the base URLs", () => {
    const def = options().definition;
    expect(checkCardResponse({ results: [{ title: 'no id' }] }, def)[0]).toMatch(/objectId/);
    const outside = { results: [], primaryAction: { type: 'IFRAME', width: 1, height: 1, uri: 'https://evil.example/x', label: 'x' } };
    expect(checkCardResponse(outside, def)).toEqual([expect.stringContaining('outside actions.baseUrls')]);
    const money = { results: [{ objectId: 1, title: 't', properties: [{ label: 'Total', dataType: 'CURRENCY', value: '1.00' }] }] };
    expect(checkCardResponse(money, def)[0]).toMatch(/currencyCode/);
  });
});
