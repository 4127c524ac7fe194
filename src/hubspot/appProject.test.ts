import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LATEST_SUPPORTED_PLATFORM_VERSION, validateProjectConfig } from '@hubspot/project-parsing-lib/projects';
import { translate } from '@hubspot/project-parsing-lib/translate';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAppDefinition } from './appDefinition.js';
import { APP_CARD_ENTRY, nativeProjectFiles, PLATFORM_VERSION } from './appProject.js';

const BASE = 'https://invoices.example.com';
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'app-project-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

const def = renderAppDefinition(BASE);
const files = nativeProjectFiles(def, BASE);
for (const [rel, content] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
  fs.writeFileSync(path.join(out, rel), content);
}
const readJson = (rel: string) => JSON.parse(fs.readFileSync(path.join(out, rel), 'utf8')) as Record<string, unknown>;
const installed = (name: string) => (JSON.parse(fs.readFileSync(path.join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

describe('the app card project (app-config --out)', () => {
  it("is on HubSpot's latest generally available platform version, as HubSpot's own project parser names it", () => {
    expect(PLATFORM_VERSION).toBe(LATEST_SUPPORTED_PLATFORM_VERSION);
    const project = readJson('hsproject.json');
    expect(project).toEqual({ name: 'invoices-card', srcDir: 'src', platformVersion: LATEST_SUPPORTED_PLATFORM_VERSION });
    expect(() => validateProjectConfig(project, out)).not.toThrow();
  });

  it("parses with HubSpot's project parser into the app and our card on the deal record's tab and sidebar", async () => {
    const { intermediateRepresentation: ir, skippedHsMetaFiles } = await translate({ projectSourceDir: path.join(out, 'src'), platformVersion: PLATFORM_VERSION }, { skipValidation: true });
    expect(skippedHsMetaFiles).toEqual([]);
    const nodes = Object.values(ir.intermediateNodesIndexedByUid) as Array<{ uid: string; componentType: string; config: Record<string, unknown> }>;
    const app = nodes.find((n) => n.componentType === 'APPLICATION')!;
    expect(app.config).toMatchObject({ permittedUrls: { fetch: [BASE], iframe: [BASE] }, auth: { type: 'oauth', redirectUrls: [`${BASE}/oauth/callback`], requiredScopes: def.scopes } });
    const cards = nodes.filter((n) => n.componentType === 'CARD');
    expect(cards.map((c) => c.config.location).sort()).toEqual(['crm.record.sidebar', 'crm.record.tab']);
    for (const c of cards) {
      expect(c.config.objectTypes).toEqual(['deals']);
      // The entrypoint is relative to srcDir, and the file is there.
      expect(c.config.entrypoint).toBe(`/app/cards/${APP_CARD_ENTRY}`);
      expect(fs.existsSync(path.join(out, 'src', String(c.config.entrypoint)))).toBe(true);
    }
  });

  it("pins @hubspot/ui-extensions and react to the versions this project's tests run, and points the card at the base URL", () => {
    expect(readJson('src/app/cards/package.json').dependencies).toEqual({ '@hubspot/ui-extensions': installed('@hubspot/ui-extensions'), react: installed('react') });
    expect(installed('@hubspot/ui-extensions')).toMatch(/^0\.17\./);
    expect(installed('react')).toMatch(/^18\.3\./);
    expect(fs.readFileSync(path.join(out, 'src/app/cards/config.ts'), 'utf8')).toContain(`export const BASE_URL = "${BASE}";`);
  });

  it('builds from the written folder alone: no import reaches outside it', async () => {
    const result = await build({
      entryPoints: [path.join(out, 'src/app/cards', APP_CARD_ENTRY)],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      jsx: 'automatic',
      external: ['react', 'react/jsx-runtime', '@hubspot/ui-extensions'],
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    for (const input of inputs) expect(path.resolve(input).startsWith(out)).toBe(true);
  });
});
