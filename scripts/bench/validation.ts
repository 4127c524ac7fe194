import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signV2, signV3 } from '../../src/hubspot/signature.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { rssMb, startProcess } from './benchUtil.js';

/**
 * bench:validation — what the worst bodies cost the service: the time to answer, the answer's
 * size, the longest the event loop was blocked (a /healthz poll every 10 ms runs alongside) and the
 * service's RSS after it. The cases are the ones issue 10 reported: a 240,000-character card
 * editor (15 s), a 1 MB quote body (a 41 MB answer after 2.2 s), ten of those at once (22 s), and
 * 60,000 unknown settings fields (a 4.6 MB answer). Runs the built service (dist/) on an embedded
 * database in a temporary directory; nothing outside this machine is called.
 * test/validationCost.integration.test.ts asserts the same bounds without a clock.
 */

const SECRET = 'bench-client-secret';
const TOKEN = 'bench-api-token-0123456789abcdef';
const PUBLIC = 'https://bench.invoices.example';
const PORTAL = '777001';
const DEAL = '880001';

function signed(pathAndQuery: string): Record<string, string> {
  const ts = String(Date.now());
  return {
    'x-hubspot-signature-v3': signV3(SECRET, 'GET', PUBLIC + pathAndQuery, '', ts),
    'x-hubspot-request-timestamp': ts,
    'x-hubspot-signature': signV2(SECRET, 'GET', PUBLIC + pathAndQuery, ''),
    'x-hubspot-signature-version': 'v2',
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-validation-'));
  // BENCH_DIST: another build to measure (e.g. one of the commit before, for a before/after figure).
  const service = await startProcess(path.join(process.env.BENCH_DIST ?? path.join(PROJECT_ROOT, 'dist'), 'src/main.js'), {
    DATA_DIR: dataDir,
    PORT: '0',
    PUBLIC_BASE_URL: PUBLIC,
    HUBSPOT_CLIENT_SECRET: SECRET,
    API_TOKEN: TOKEN,
    HUBSPOT_ALLOWED_PORTAL_IDS: PORTAL,
    SYNC_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'info',
  });
  const url = `http://127.0.0.1:${service.port}`;
  const api = (method: string, p: string, body: string) => fetch(`${url}/api/v1${p}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
  try {
    if (!(await api('PUT', `/portals/${PORTAL}/settings`, JSON.stringify({ cardEditors: ['4242'] }))).ok) throw new Error('could not make the bench user a settings editor');
    const cardPath = `/hubspot/card?userId=4242&userEmail=rep@seller.example&associatedObjectId=${DEAL}&associatedObjectType=DEAL&portalId=${PORTAL}`;
    const card = (await (await fetch(url + cardPath, { headers: signed(cardPath) })).json()) as { primaryAction: { uri: string }; settingsAction: { uri: string } };
    const tokenOf = async (uri: string) => {
      const page = await (await fetch(uri.replace(PUBLIC, url))).text();
      return (JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)![1]!) as { token: string }).token;
    };
    const createToken = await tokenOf(card.primaryAction.uri);
    const settingsToken = await tokenOf(card.settingsAction.uri);
    const pageApi = (token: string, method: string, p: string, body: string) =>
      fetch(`${url}/hubspot/pages/api${p}`, { method, headers: { 'x-page-token': token, 'content-type': 'application/json' }, body });

    const line = '{"quantity":"x","unitPrice":"y"}';
    const quoteBody = `{"currency":"EUR","lines":[${Array.from({ length: Math.floor((1024 * 1024 * 0.95) / (line.length + 1)) }, () => line).join(',')}]}`;
    const cases: Array<{ name: string; send: () => Promise<Response[]> }> = [
      { name: 'cardEditors entry of 240,000 characters', send: async () => [await api('PUT', `/portals/${PORTAL}/settings`, JSON.stringify({ cardEditors: [`a@${'.'.repeat(240_000)}@`] }))] },
      { name: '1 MB quote body', send: async () => [await pageApi(createToken, 'POST', '/quote', quoteBody)] },
      { name: 'ten 1 MB quote bodies at once', send: () => Promise.all(Array.from({ length: 10 }, () => pageApi(createToken, 'POST', '/quote', quoteBody))) },
      {
        name: '60,000 unknown settings fields',
        send: async () => [await pageApi(settingsToken, 'PUT', '/settings', `{"version":0,${Array.from({ length: 60_000 }, (_, i) => `"k${i}":1`).join(',')}}`)],
      },
    ];
    console.log(`case | answer | bytes | time (s) | longest event-loop block (s) | RSS after (MB); RSS before: ${rssMb(service.child.pid!).toFixed(0)} MB`);
    for (const c of cases) {
      let stop = false;
      let longest = 0;
      const poll = (async () => {
        while (!stop) {
          const t = performance.now();
          await fetch(`${url}/healthz`).catch(() => undefined);
          longest = Math.max(longest, performance.now() - t);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const t0 = performance.now();
      let answers: Response[];
      let texts: string[];
      try {
        answers = await c.send();
        texts = await Promise.all(answers.map((a) => a.text()));
      } catch (err) {
        stop = true;
        await poll;
        console.log(`${c.name} | failed: ${(err as Error).message} (${String((err as { cause?: Error }).cause?.message ?? '')}) after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
        continue;
      }
      const seconds = (performance.now() - t0) / 1000;
      stop = true;
      await poll;
      const bytes = Math.max(...texts.map((t) => Buffer.byteLength(t)));
      console.log(`${c.name} | ${answers.map((a) => a.status).join(',')} | ${bytes} | ${seconds.toFixed(2)} | ${(longest / 1000).toFixed(2)} | ${rssMb(service.child.pid!).toFixed(0)}`);
    }
  } finally {
    service.child.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
