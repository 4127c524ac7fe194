import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../test/testApp.js';
import { AppError } from '../errors.js';
import { html } from '../html/html.js';
import { createLogger } from '../log.js';
import { type ErrorView, errorHandler, showErrorsOn } from './errorHandler.js';

/** A route's own error page (showErrorsOn): it answers the errors it knows, the rest are answered as before. */

const SECRET = 'configured-client-secret-5d1e';
const logs = new MemoryTransport();
const log = createLogger('debug', logs, [SECRET]);
const view: ErrorView = (err) => (err.code === 'known' || err.code === 'upstream' ? html`<p id="own">${err.status} ${err.message}</p>` : undefined);
let server: http.Server;
let url = '';

beforeAll(async () => {
  const app = express();
  app.get('/known', showErrorsOn(view, { noStore: true }), () => {
    throw new AppError('known', 401, `Not <that> one (${SECRET})`);
  });
  app.get('/upstream', showErrorsOn(view), () => {
    throw new AppError('upstream', 502, 'HubSpot did not answer', undefined, true);
  });
  app.get('/other', showErrorsOn(view), () => {
    throw new AppError('other', 429, 'Too many');
  });
  app.get('/boom', showErrorsOn(view), () => {
    throw new Error('a bug');
  });
  app.use(errorHandler(log, undefined, [SECRET]));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("a route's own error page", () => {
  it('shows the errors it knows, escaped and redacted, with the status and the cache header asked for', async () => {
    const res = await fetch(`${url}/known`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('<p id="own">401 Not &lt;that&gt; one ([redacted])</p>');
  });

  it('shows an exposed 5xx in its own words and leaves logging it to where it happened', async () => {
    const before = logs.records.length;
    const res = await fetch(`${url}/upstream`);
    expect(res.status).toBe(502);
    expect(res.headers.get('cache-control')).toBeNull();
    expect(await res.text()).toContain('502 HubSpot did not answer');
    expect(logs.records.slice(before).filter((r) => r.level === 'error')).toEqual([]);
  });

  it('leaves the errors it does not know to the usual answer (JSON here), an unknown failure logged once', async () => {
    const other = await fetch(`${url}/other`);
    expect(other.status).toBe(429);
    expect(await other.json()).toEqual({ error: { code: 'other', message: 'Too many' } });
    const before = logs.records.length;
    const boom = await fetch(`${url}/boom`);
    expect(boom.status).toBe(500);
    expect(((await boom.json()) as { error: { code: string } }).error.code).toBe('internal_error');
    expect(logs.records.slice(before).filter((r) => r.level === 'error')).toHaveLength(1);
  });
});
