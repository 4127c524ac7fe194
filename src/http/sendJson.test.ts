import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from './sendJson.js';

/** What a client sees: status, raw headers in order (Date aside), body bytes. */
interface Seen {
  status: number;
  headers: string[];
  body: string;
}

function request(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() !== 'date') raw.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode!, headers: raw, body: Buffer.concat(chunks).toString('latin1') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const BODIES: Record<string, unknown> = {
  small: { ok: true },
  large: { results: Array.from({ length: 40 }, (_, i) => ({ id: String(i), title: `INV-${i}`, link: `https://x.example/p?token=${'t'.repeat(60)}` })) },
  unicode: { name: 'Zoë — 請求書 😀', html: '<script>&</script>', lone: '\ud800' },
  nothing: null,
};

/** One app answering each body twice: with res.json and with sendJson. */
async function start(configure: (app: express.Express) => void): Promise<{ server: http.Server; port: number }> {
  const app = express();
  app.disable('x-powered-by');
  configure(app);
  app.get('/:via/:name', (req, res) => {
    res.set('Cache-Control', 'no-store');
    const body = BODIES[String(req.params.name)];
    if (req.params.via === 'express') res.json(body);
    else sendJson(req, res, body);
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('sendJson', () => {
  let plain: { server: http.Server; port: number };
  let withEtag: { server: http.Server; port: number };
  let withSpaces: { server: http.Server; port: number };
  beforeAll(async () => {
    plain = await start((app) => app.set('etag', false));
    withEtag = await start(() => {});
    withSpaces = await start((app) => {
      app.set('etag', false);
      app.set('json spaces', 2);
    });
  });
  afterAll(() => {
    for (const s of [plain, withEtag, withSpaces]) s.server.close();
  });

  const cases: Array<[string, string, Record<string, string>]> = [
    ['GET', 'a plain GET', {}],
    ['HEAD', 'a HEAD', {}],
    ['GET', 'If-None-Match: * (res.json answers 304)', { 'If-None-Match': '*' }],
    ['GET', 'If-None-Match with a tag', { 'If-None-Match': '"abc"' }],
    ['GET', 'If-Modified-Since', { 'If-Modified-Since': new Date().toUTCString() }],
  ];
  for (const name of Object.keys(BODIES)) {
    for (const [method, what, headers] of cases) {
      it(`answers what res.json answers: ${name} body, ${what}`, async () => {
        for (const app of [plain, withEtag, withSpaces]) {
          const viaExpress = await request(app.port, `/express/${name}`, method, headers);
          const viaSendJson = await request(app.port, `/sendJson/${name}`, method, headers);
          expect(viaSendJson).toEqual(viaExpress);
        }
      });
    }
  }

  it('sends the JSON body and its headers as res.json does in this app (no ETag)', async () => {
    const seen = await request(plain.port, '/sendJson/unicode');
    expect(seen.status).toBe(200);
    expect(seen.headers).toContain('Content-Type: application/json; charset=utf-8');
    expect(seen.headers).toContain(`Content-Length: ${Buffer.byteLength(JSON.stringify(BODIES.unicode))}`);
    expect(seen.headers.some((h) => h.toLowerCase().startsWith('etag'))).toBe(false);
    expect(Buffer.from(seen.body, 'latin1').toString('utf8')).toBe(JSON.stringify(BODIES.unicode));
  });
});
