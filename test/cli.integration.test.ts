import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, privateAppEnv, type ServiceProcess, startService } from './serviceProcess.js';
import { useFakeHubspot, useServiceProcesses } from './setup.js';

/**
 * The admin's CLI as shipped (node dist/src/cli/main.js) against the built service and the fake
 * HubSpot: CSV import with its per-row report, the sync command's summary and exit codes, the
 * failures list and replay. The CLI runs as a child process (asynchronously: the fake lives in
 * this process and must keep answering).
 */

const PORTAL = '5151';
const TOKEN = 'pat-cli-test';
const API_TOKEN = 'cli-test-api-token-0123';

// Products whose SKU has anything but letters, digits and dashes break this portal's rule.
const fake = useFakeHubspot({ maxPerWindow: 100, windowMs: 1_000, tokens: { [TOKEN]: PORTAL }, rules: { products: { hs_sku: /^[A-Za-z0-9-]+$/ } } });
const { env, children } = useServiceProcesses({ storage: 'cli-test', env: () => privateAppEnv({ apiToken: API_TOKEN, accessToken: TOKEN, portalId: PORTAL, hubspotUrl: fake.url }) });
let service: ServiceProcess;
/** Where the tests write their CSV files and the CLI its reports. */
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-files-'));
  service = await startService(env, children);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, API_TOKEN, PUBLIC_BASE_URL: service.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

const N = 1_250; // more than one import batch of 1,000

describe('the CLI', () => {
  it('imports contacts from CSV, reporting each refused row by line, and re-imports idempotently', { timeout: 60_000 }, async () => {
    const rows = ['External ID,E-mail,First Name,Last Name,City'];
    for (let i = 0; i < N; i++) rows.push(`c-${i},c.${i}@cli.example,"Ann, ${i}",Lee,Lyon`);
    rows[101] = 'c-100,not-an-email,Bad,Email,Paris'; // line 102: the service refuses the email
    rows[501] = ',nobody@cli.example,No,Id,Oslo'; // line 502: no external id
    rows.push('c-7,again@cli.example,Dup,Row,Rome'); // line N+2: c-7 twice in one file
    const file = write('contacts.csv', `${rows.join('\n')}\n`);
    const errors = path.join(dir, 'contact-errors.csv');

    const first = await cli(['import', 'contacts', file, '--errors', errors]);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain(`Imported ${N - 2} of ${N + 1} contacts: ${N - 2} new, 0 changed, 0 unchanged; 3 refused.`);
    // Each refused row by its line, in line order, naming the column as the file names it.
    const reported = first.stdout.split('\n').filter((l) => l.startsWith('  line '));
    expect(reported).toHaveLength(3);
    expect(reported[0]).toMatch(/^ {2}line 102 \(c-100\): E-mail: /);
    expect(reported[1]).toBe('  line 502: External ID: is empty: every row needs its external id');
    expect(reported[2]).toBe(`  line ${N + 2} (c-7): External ID: repeats line 9's external id; the first one was kept`);
    const report = fs.readFileSync(errors, 'utf8').trim().split('\n');
    expect(report[0]).toBe('line,externalId,column,message');
    expect(report.slice(1).map((l) => l.split(',')[0])).toEqual(['102', '502', String(N + 2)]);
    // Progress went to stderr, the summary to stdout.
    expect(first.stderr).toContain('import');

    const listed = await fetch(`${service.url}/api/v1/contacts/c-42`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(await listed.json()).toMatchObject({ externalId: 'c-42', email: 'c.42@cli.example', firstName: 'Ann, 42', address: { city: 'Lyon' } });

    const again = await cli(['import', 'contacts', file]);
    expect(again.code).toBe(2);
    expect(again.stdout).toContain(`Imported ${N - 2} of ${N + 1} contacts: 0 new, 0 changed, ${N - 2} unchanged; 3 refused.`);
  });

  it('refuses a file whose header it cannot map, importing nothing', async () => {
    const file = write('bad-header.csv', 'Reference,Mail\nx-1,x@cli.example\n');
    const res = await cli(['import', 'contacts', file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Nothing was imported');
    expect(res.stderr).toMatch(/Reference|externalId/);
    const got = await fetch(`${service.url}/api/v1/contacts/x-1`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(got.status).toBe(404);
  });

  it("imports products and pushes: the summary counts, exit 2 for a refused product, failures shows HubSpot's message, replay fixes it", { timeout: 120_000 }, async () => {
    const rows = ['id,sku,name,unit price,currency'];
    for (let i = 0; i < 300; i++) rows.push(`p-${i},SKU-${i},Product ${i},${i}.50,EUR`);
    rows[43] = 'p-42,bad sku!,Product 42,42.50,EUR'; // passes our checks, breaks the portal's rule
    const file = write('products.csv', `${rows.join('\n')}\n`);

    const imported = await cli(['import', 'products', file, '--sync']);
    expect(imported.code, `${imported.stdout}\n${imported.stderr}`).toBe(2); // every row imported, but HubSpot refused one
    expect(imported.stdout).toContain('Imported 300 of 300 products: 300 new');
    expect(imported.stdout).toMatch(new RegExp(`created +${N - 2 + 299}\\b`));
    expect(imported.stdout).toMatch(/failed +1\b/);
    expect(fake.records(PORTAL, 'contacts')).toHaveLength(N - 2);
    expect(fake.records(PORTAL, 'products')).toHaveLength(299);

    const failures = await cli(['failures', '--json']);
    expect(failures.code).toBe(0);
    const listed = JSON.parse(failures.stdout) as { failures: Array<{ id: string; externalId: string; error: { message: string; correlationId: string } }> };
    expect(listed.failures).toHaveLength(1);
    expect(listed.failures[0]).toMatchObject({ externalId: 'p-42', error: { message: expect.stringContaining("does not match the portal's validation rule"), correlationId: expect.any(String) } });
    const text = await cli(['failures']);
    expect(text.stdout).toContain(`#${listed.failures[0]!.id}`);
    expect(text.stdout).toContain('correlation id');

    // Nothing changed: a sync sends nothing and exits 0.
    const writes = fake.stats.recordsWritten;
    const quiet = await cli(['sync']);
    expect(quiet.code, quiet.stdout).toBe(0);
    expect(quiet.stdout).toMatch(/created +0\b/);
    expect(fake.stats.recordsWritten).toBe(writes);

    // The admin relaxes the rule in HubSpot and replays the record.
    fake.options.rules = {};
    const replay = await cli(['replay', listed.failures[0]!.id]);
    expect(replay.code, `${replay.stdout}\n${replay.stderr}`).toBe(0);
    expect(replay.stdout).toMatch(/created +1\b/);
    expect(fake.records(PORTAL, 'products')).toHaveLength(300);
    expect(JSON.parse((await cli(['failures', '--json'])).stdout).failures).toEqual([]);
  });

  it('a contact without an email makes sync exit 0 but lists it when asked; a wrong token exits 1 saying what to do', { timeout: 60_000 }, async () => {
    const file = write('no-email.csv', 'externalId,firstName\nnomail-1,Nora\n');
    expect((await cli(['import', 'contacts', file])).code).toBe(0);
    const run = await cli(['sync', '--portal', PORTAL]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/skipped +1\b/);
    const skipped = JSON.parse((await cli(['failures', '--include', 'skipped', '--json'])).stdout) as { failures: Array<{ externalId: string; state: string }> };
    expect(skipped.failures).toContainEqual(expect.objectContaining({ externalId: 'nomail-1', state: 'skipped' }));

    const denied = await cli(['sync'], { API_TOKEN: 'not-the-token-at-all' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('API_TOKEN');
    const badPortal = await cli(['sync', '--portal', 'abc']);
    expect(badPortal.code).not.toBe(0);
    expect(badPortal.stderr).toContain('--portal must be a HubSpot id');
  });
});
