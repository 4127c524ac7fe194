import { describe, expect, it } from 'vitest';
import { STATUS_OPTIONS } from '../card/presentInvoiceCard.js';
import { cardPaths } from '../card/cardPaths.js';
import { HUBSPOT_PREFIX } from '../shared/pagePaths.js';
import { lenientAjv } from '../http/validate.js';
import { cardDefinitionSchema, renderAppDefinition } from './appDefinition.js';
import { converterProjectFiles } from './appProject.js';

const BASE = 'https://invoices.example.com';
const validate = lenientAjv.compile(cardDefinitionSchema);

describe('hubspot-app.json', () => {
  const def = renderAppDefinition(`${BASE}/`);

  it('is a valid card definition once the base URL is filled in', () => {
    expect(validate(def.card), JSON.stringify(validate.errors)).toBe(true);
    expect(JSON.stringify(def)).not.toContain('{{');
  });

  it('points HubSpot at the routes the service serves', () => {
    expect(def.card.fetch.targetUrl).toBe(`${BASE}${cardPaths.fetch}`);
    expect(def.card.actions.baseUrls).toEqual([`${BASE}${HUBSPOT_PREFIX}`]);
    expect(def.card.fetch.objectTypes.map((o) => o.name)).toEqual(['deals']);
    for (const url of [def.card.fetch.targetUrl, ...def.card.actions.baseUrls]) {
      expect(
        def.permittedUrls.fetch.some((p) => url.startsWith(p)),
        url,
      ).toBe(true);
      expect(
        def.permittedUrls.iframe.some((p) => url.startsWith(p)),
        url,
      ).toBe(true);
    }
  });

  it('declares exactly the status options the card sends', () => {
    const status = def.card.display.properties.find((p) => p.name === 'invoice_status');
    expect(status?.dataType).toBe('STATUS');
    expect(status?.options).toEqual(Object.values(STATUS_OPTIONS));
    expect(def.card.display.properties.map((p) => p.name)).toEqual(['invoice_status']);
  });

  it('asks for the deal scopes the card needs and the scopes the push needs', () => {
    expect(def.scopes).toEqual(expect.arrayContaining(['crm.objects.deals.read', 'crm.objects.deals.write', 'crm.objects.contacts.write', 'e-commerce', 'oauth']));
    expect(def.redirectPath).toMatch(/^\//);
  });
});

describe('converter app card files', () => {
  it('carries the card definition, permitted URLs, scopes and card metadata', () => {
    const def = renderAppDefinition(BASE);
    const files = converterProjectFiles(def, BASE);
    expect(Object.keys(files).sort()).toEqual(['hsproject.json', 'src/app/app-hsmeta.json', 'src/app/cards/LegacyCardConverter-hsmeta.json', 'src/app/cards/definition/DEFINITION.json']);
    expect(JSON.parse(files['src/app/cards/definition/DEFINITION.json']!)).toEqual(def.card);
    const app = JSON.parse(files['src/app/app-hsmeta.json']!);
    expect(app).toMatchObject({ type: 'app', config: { permittedUrls: def.permittedUrls, auth: { requiredScopes: def.scopes, redirectUrls: [`${BASE}/oauth/callback`] } } });
    expect(JSON.parse(files['src/app/cards/LegacyCardConverter-hsmeta.json']!)).toMatchObject({ type: 'card', config: { objectTypes: ['deals'], location: 'crm.record.tab' } });
    expect(JSON.parse(files['hsproject.json']!).platformVersion).toBe('2025.2');
  });
});
