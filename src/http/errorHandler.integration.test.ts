import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../test/testApp.js';
import { AppError } from '../errors.js';
import { createLogger } from '../log.js';
import { errorHandler } from './errorHandler.js';

/**
 * The last line of defence: an error that reaches the error handler (or a log call) carrying a
 * token in a URL, a credential field or a configured secret has them taken out of the answer (HTML
 * or JSON), of what is recorded, and of the log line, whatever field it is in.
 */

const SECRET = 'configured-client-secret-93af';
const LEAKY_URL = 'request to https://api.hubapi.com/oauth/v1/refresh-tokens/na1-leaky-refresh-token-1 failed, reason: socket hang up';
const logs = new MemoryTransport();
const log = createLogger('debug', logs, [SECRET]);
const recorded: string[] = [];
let server: http.Server;
let url = '';

beforeAll(async () => {
  const app = express();
  app.get('/boom', () => {
    throw new Error(LEAKY_URL);
  });
  app.get('/bad', () => {
    throw new AppError('bad', 400, `HubSpot said: refresh_token=na1-leaky-refresh-token-2 with ${SECRET}`, { echoed: `Bearer pat-na1-leaky-3 and ${SECRET}` });
  });
  app.get('/page', (_req, res) => {
    res.locals.errorFormat = 'html';
    throw new AppError('bad', 404, `/oauth/v1/access-tokens/oauth-leaky-access-4 is not here (${SECRET})`);
  });
  app.use(errorHandler(log, (_req, _res, err) => recorded.push(err.message), [SECRET]));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const LEAKS = ['na1-leaky-refresh-token-1', 'na1-leaky-refresh-token-2', 'pat-na1-leaky-3', 'oauth-leaky-access-4', SECRET];

describe('the error handler and the logger', () => {
  it('take tokens and secrets out of answers, recorded errors and log lines', async () => {
    const boom = await fetch(`${url}/boom`);
    expect(boom.status).toBe(500);
    const bad = await fetch(`${url}/bad`);
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { error: { message: string; details: { echoed: string } } };
    expect(badBody.error.message).toBe('HubSpot said: refresh_token=[redacted] with [redacted]');
    expect(badBody.error.details.echoed).toBe('Bearer [redacted] and [redacted]');
    const page = await fetch(`${url}/page`);
    expect(page.status).toBe(404);
    const pageText = await page.text();
    expect(pageText).toContain('/oauth/v1/access-tokens/[redacted] is not here');
    // A stack logged by hand, an Error as meta, a nested object: the logger redacts them too.
    log.warn('by hand', { error: new Error(LEAKY_URL).stack, nested: { deeper: [`client_secret=${SECRET}`] } });
    log.error(new Error(`/oauth/v1/access-tokens/oauth-leaky-access-4`));
    const everything = JSON.stringify([logs.records, recorded, pageText, badBody]);
    for (const s of LEAKS) expect(everything).not.toContain(s);
    // And it still says what happened.
    expect(JSON.stringify(logs.records)).toContain('request to https://api.hubapi.com/oauth/v1/refresh-tokens/[redacted] failed, reason: socket hang up');
  });
});
