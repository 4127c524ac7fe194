import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

export const APP_DEFINITION_FILE = path.join(PROJECT_ROOT, 'hubspot-app.json');
const PLACEHOLDER = /\{\{PUBLIC_BASE_URL\}\}/g;

export interface CardDefinition {
  title: string;
  fetch: { targetUrl: string; objectTypes: Array<{ name: string; propertiesToSend: string[] }> };
  display: { properties: Array<{ name: string; label: string; dataType: string; options: Array<{ name: string; label: string; type: string }> }> };
  actions: { baseUrls: string[] };
}

export interface AppDefinition {
  name: string;
  description: string;
  card: CardDefinition;
  scopes: string[];
  redirectPath: string;
  permittedUrls: { fetch: string[]; iframe: string[]; img: string[] };
}

/** hubspot-app.json with every {{PUBLIC_BASE_URL}} replaced by `baseUrl` (no trailing slash). */
export function renderAppDefinition(baseUrl: string, file = APP_DEFINITION_FILE): AppDefinition {
  const base = baseUrl.replace(/\/+$/, '');
  const text = fs.readFileSync(file, 'utf8');
  // Replace inside the parsed strings rather than the raw text, so a base URL can't break the JSON.
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' ? value.replace(PLACEHOLDER, base) : value)) as AppDefinition;
}

/**
 * JSON Schema of a classic card definition (HubSpot's CardCreateRequest), written from HubSpot's
 * card API reference: every display property needs options (empty unless STATUS), and URLs must
 * be absolute.
 */
export const cardDefinitionSchema = {
  type: 'object',
  required: ['title', 'fetch', 'display', 'actions'],
  properties: {
    title: { type: 'string', minLength: 1 },
    fetch: {
      type: 'object',
      required: ['targetUrl', 'objectTypes'],
      properties: {
        targetUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
        objectTypes: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'propertiesToSend'],
            properties: {
              name: { enum: ['companies', 'contacts', 'deals', 'marketing_events', 'tickets'] },
              propertiesToSend: { type: 'array', items: { type: 'string', minLength: 1 } },
            },
          },
        },
        cardType: { enum: ['EXTERNAL', 'SERVERLESS'] },
      },
    },
    display: {
      type: 'object',
      required: ['properties'],
      properties: {
        properties: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'label', 'dataType', 'options'],
            properties: {
              name: { type: 'string', minLength: 1 },
              label: { type: 'string', minLength: 1 },
              dataType: { enum: ['BOOLEAN', 'CURRENCY', 'DATE', 'DATETIME', 'EMAIL', 'LINK', 'NUMERIC', 'STATUS', 'STRING'] },
              options: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'label', 'type'],
                  properties: {
                    name: { type: 'string', minLength: 1 },
                    label: { type: 'string', minLength: 1 },
                    type: { enum: ['DANGER', 'DEFAULT', 'INFO', 'SUCCESS', 'WARNING'] },
                  },
                },
              },
            },
          },
        },
      },
    },
    actions: {
      type: 'object',
      required: ['baseUrls'],
      properties: { baseUrls: { type: 'array', minItems: 1, items: { type: 'string', format: 'uri', pattern: '^https?://' } } },
    },
  },
} as const;
