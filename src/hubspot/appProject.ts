import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import type { AppDefinition } from './appDefinition.js';

/**
 * HubSpot's latest generally available developer-platform version (2026.03, supported for 18
 * months from 2026-03-30): what @hubspot/project-parsing-lib calls LATEST_SUPPORTED_PLATFORM_VERSION
 * (src/hubspot/appProject.test.ts checks the two agree).
 */
export const PLATFORM_VERSION = '2026.03';

/** Our app card's source, outside the server's build (its own tsconfig). */
export const APP_CARD_DIR = path.join(PROJECT_ROOT, 'src', 'appCard');

/** The card's entry module in APP_CARD_DIR: it calls hubspot.extend. */
export const APP_CARD_ENTRY = 'index.tsx';

/** Where the card's files go in the project, and its entrypoint as HubSpot names it (from srcDir). */
const CARDS_DIR = 'src/app/cards';
const ENTRYPOINT = `/app/cards/${APP_CARD_ENTRY}`;

/** Files of APP_CARD_DIR that are not the card: tests, declarations and the local type-check configs. */
const notCard = (name: string): boolean => name.endsWith('.test.ts') || name.endsWith('.test.tsx') || name.endsWith('.d.ts') || (name.startsWith('tsconfig') && name.endsWith('.json'));
const CARD_FILE_TYPES = ['.ts', '.tsx', '.js', '.jsx', '.json'];

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** The installed version of a package the project's own tests run (the card pins exactly these). */
function installedVersion(name: string): string {
  // Read from node_modules: a package's `exports` may not list its package.json.
  return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The app's own configuration (OAuth, redirect URLs, scopes, permitted URLs), shared by both card kinds. */
function appHsmeta(def: AppDefinition, base: string) {
  return {
    uid: 'invoices_app',
    type: 'app',
    config: {
      name: def.name,
      description: def.description,
      distribution: 'marketplace',
      auth: {
        type: 'oauth',
        redirectUrls: [`${base}${def.redirectPath}`],
        requiredScopes: def.scopes,
        optionalScopes: [],
        conditionallyRequiredScopes: [],
      },
      permittedUrls: def.permittedUrls,
    },
  };
}

/** Every file of the card's source (relative to APP_CARD_DIR), tests and the local tsconfig left out. */
function cardSourceFiles(dir = APP_CARD_DIR, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return cardSourceFiles(dir, r);
    return notCard(e.name) || !CARD_FILE_TYPES.includes(path.extname(e.name)) ? [] : [r];
  });
}

/**
 * A complete developer-platform project for our own app card, for `hs project upload` in the
 * folder it is written to and nothing else: hsproject.json on PLATFORM_VERSION, the app's
 * configuration, the card on the deal record's tab and in its sidebar (one source, two
 * placements), the card's source with this service's base URL written into its config.ts, and
 * the card's package.json pinning @hubspot/ui-extensions and react to the versions this
 * project's tests run.
 */
export function nativeProjectFiles(def: AppDefinition, baseUrl: string): Record<string, string> {
  const base = baseUrl.replace(/\/+$/, '');
  const card = (location: 'crm.record.tab' | 'crm.record.sidebar') => ({
    uid: location === 'crm.record.tab' ? 'invoices-card' : 'invoices-sidebar-card',
    type: 'card',
    config: { name: def.card.title, description: def.description, location, entrypoint: ENTRYPOINT, objectTypes: def.card.fetch.objectTypes.map((o) => o.name) },
  });
  const files: Record<string, string> = {
    'hsproject.json': json({ name: 'invoices-card', srcDir: 'src', platformVersion: PLATFORM_VERSION }),
    'src/app/app-hsmeta.json': json(appHsmeta(def, base)),
    [`${CARDS_DIR}/invoices-card-hsmeta.json`]: json(card('crm.record.tab')),
    [`${CARDS_DIR}/invoices-sidebar-card-hsmeta.json`]: json(card('crm.record.sidebar')),
    [`${CARDS_DIR}/package.json`]: json({
      name: 'invoices-card',
      version: '0.1.0',
      private: true,
      dependencies: { '@hubspot/ui-extensions': installedVersion('@hubspot/ui-extensions'), react: installedVersion('react') },
    }),
  };
  for (const rel of cardSourceFiles()) files[`${CARDS_DIR}/${rel}`] = fs.readFileSync(path.join(APP_CARD_DIR, rel), 'utf8');
  // The one file that differs per service: where the card's hubspot.fetch calls go.
  files[`${CARDS_DIR}/config.ts`] =
    `/** Where this service runs (written by \`npm run cli -- app-config --base-url\`): the card's hubspot.fetch calls go here. */\nexport const BASE_URL = ${JSON.stringify(base)};\n`;
  return files;
}

/**
 * `--card converter`: the files HubSpot's developer platform (projects, platform 2025.2, which
 * HubSpot's converter example is written for) needs to serve this card as an
 * app card through HubSpot's legacy-card-converter: the project file, the app's config with
 * permittedUrls and scopes, the card's metadata, and the classic card definition it reads.
 * The converter's React code itself comes from HubSpot's example repository (see the README).
 */
export function converterProjectFiles(def: AppDefinition, baseUrl: string): Record<string, string> {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    'hsproject.json': json({ name: 'invoices-card', srcDir: 'src', platformVersion: '2025.2' }),
    'src/app/app-hsmeta.json': json(appHsmeta(def, base)),
    'src/app/cards/LegacyCardConverter-hsmeta.json': json({
      uid: 'invoices-card',
      type: 'card',
      config: {
        name: def.card.title,
        description: def.description,
        location: 'crm.record.tab',
        entrypoint: '/app/cards/Converter.tsx',
        objectTypes: def.card.fetch.objectTypes.map((o) => o.name),
      },
    }),
    'src/app/cards/definition/DEFINITION.json': json(def.card),
  };
}
