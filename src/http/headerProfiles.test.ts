import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { describe, expect, it } from 'vitest';
import { ADMIN_HELMET, API_HELMET, helmetOnce, pageHelmet } from './headerProfiles.js';

/** The headers a response carries when `middleware` runs in front of a plain handler. */
async function headersWith(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/', middleware, (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const out: Record<string, string> = {};
    for (const [k, v] of res.headers) if (k !== 'date') out[k] = v;
    return out;
  } finally {
    server.close();
  }
}

describe('helmetOnce', () => {
  const profiles: Record<string, HelmetOptions> = { api: API_HELMET, page: pageHelmet(['https://app.hubspot.com', 'https://*.hubspot.com']), admin: ADMIN_HELMET };
  for (const [name, options] of Object.entries(profiles)) {
    it(`sets exactly the headers helmet sets on each request (${name} profile)`, async () => {
      const perRequest = await headersWith(helmet(options));
      expect(perRequest['content-security-policy']).toBeTruthy();
      expect(await headersWith(helmetOnce(options))).toEqual(perRequest);
    });
  }
});
