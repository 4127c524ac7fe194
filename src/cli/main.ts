import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { previewCard, renderCardText } from './previewCard.js';
import { type Api, apiClient } from './apiClient.js';
import { ImportHeaderError, type ImportKind, importCsv } from './csvImport.js';
import { progressBar } from './progress.js';
import { describeFailures, describeRun, type FailureView, followRun, type RunView } from './syncCommands.js';
import { seedDemoDeal } from './demoData.js';
import type { CardResponse } from '../card/cardResponse.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { createDb } from '../db/db.js';
import { migrateLatest, pendingMigrations } from '../db/migrate.js';
import { cardDefinitionSchema, renderAppDefinition } from '../hubspot/appDefinition.js';
import { previewAppCard } from './previewAppCard.js';
import { converterProjectFiles, nativeProjectFiles, PLATFORM_VERSION } from '../hubspot/appProject.js';
import { lenientAjv } from '../http/validate.js';
import { todayUtc } from '../invoices/invoice.js';
import { HUBSPOT_ID_MESSAGE, isHubSpotId } from '../shared/hubspotId.js';

/** Command-line tools: migrations, HubSpot app files, card preview, demo data, the push and CSV import. */

function config(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.message}\nFix these environment variables and run the command again.`);
    throw err;
  }
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const hubspotId = (label: string) => (value: string) => {
  if (!isHubSpotId(value)) throw new InvalidArgumentError(`${label} ${HUBSPOT_ID_MESSAGE}`);
  return value;
};

const validateCardDefinition = lenientAjv.compile(cardDefinitionSchema);

const openDb = (c: Config) => createDb({ databaseUrl: c.databaseUrl, pgliteDir: path.join(c.dataDir, 'pglite') });

const program = new Command();
program.name('invoice-card').description('HubSpot invoice card service: admin and developer commands');

program
  .command('migrate')
  .description('apply pending database migrations (DATABASE_URL, or the embedded database in DATA_DIR)')
  .action(async () => {
    const c = config();
    const db = openDb(c);
    try {
      const pending = await pendingMigrations(db);
      if (pending.length === 0) {
        console.log('Database is up to date: no pending migrations.');
        return;
      }
      console.log(`Applying ${pending.length} migration(s)…`);
      for (const name of await migrateLatest(db)) console.log(`  ✓ ${name}`);
      console.log('Done.');
    } catch (err) {
      fail(`Migration failed: ${(err as Error).message}\nCheck DATABASE_URL and that PostgreSQL is reachable; nothing after the failing migration was applied.`);
    } finally {
      await db.destroy();
    }
  });

program
  .command('app-config')
  .description("print hubspot-app.json for a base URL; with --out, write the HubSpot project that uploads our app card (or, with --card converter, HubSpot's legacy card converter's files)")
  .option('--base-url <url>', 'public base URL of this service (default: PUBLIC_BASE_URL)')
  .option('--out <dir>', 'folder to write the HubSpot developer-platform project into')
  .option('--card <kind>', "native (our own app card) or converter (the classic card through HubSpot's legacy card converter)", 'native')
  .action((opts: { baseUrl?: string; out?: string; card: string }) => {
    const base = opts.baseUrl ?? config().publicBaseUrl;
    if (!/^https?:\/\/[^/?#]+/.test(base)) fail(`--base-url must be an http(s) URL, got ${base}`);
    if (opts.card !== 'native' && opts.card !== 'converter') fail(`--card must be native or converter, got ${opts.card}`);
    const def = renderAppDefinition(base);
    if (!validateCardDefinition(def.card)) {
      fail(`hubspot-app.json's card is not a valid HubSpot card definition:\n${(validateCardDefinition.errors ?? []).map((e) => `  - card${e.instancePath} ${e.message ?? ''}`).join('\n')}`);
    }
    if (!opts.out) {
      process.stdout.write(`${JSON.stringify(def, null, 2)}\n`);
      return;
    }
    const files: Record<string, string> = {
      'hubspot-app.json': `${JSON.stringify(def, null, 2)}\n`,
      ...(opts.card === 'native' ? nativeProjectFiles(def, base) : converterProjectFiles(def, base)),
    };
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(opts.out, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      console.log(`wrote ${file}`);
    }
    if (opts.card === 'native') {
      console.log(`\nA complete project on platform ${PLATFORM_VERSION}: run "hs project upload" in ${opts.out}, then install the app on the account.`);
      if (!/^https:/.test(base)) console.log(`Note: HubSpot calls only https URLs from a card; ${base} is for local previews.`);
      return;
    }
    console.log(`\nNext: copy the card code (src/app/cards/*.tsx, components/, hooks/ …) from HubSpot's
legacy-card-converter example into ${path.join(opts.out, 'src/app/cards')}, keeping these four files,
then run "hs project upload" in ${opts.out}. The README's "Converter app card" section has the steps.`);
  });

program
  .command('preview')
  .description('sign a data fetch exactly as HubSpot does, call the running service, validate the answer and print the card')
  .requiredOption('--portal <id>', 'HubSpot portal (account) id', hubspotId('--portal'))
  .requiredOption('--deal <id>', 'deal id (associatedObjectId)', hubspotId('--deal'))
  .option('--url <url>', 'where the service runs (default: PUBLIC_BASE_URL)')
  .option('--public-url <url>', 'the URL HubSpot calls, which the signature covers (default: PUBLIC_BASE_URL)')
  .option('--user-id <id>', 'HubSpot user id of the rep', '1')
  .option('--user-email <email>', 'email of the rep', 'rep@example.com')
  .option('--property <name=value...>', 'deal property values HubSpot sends (propertiesToSend)', [])
  .option('--app-card <appId>', 'call as the converter app card (JSON bodies, appId parameter) instead of the classic card')
  .option('--card <kind>', "classic (the data fetch, as the converter shows it) or native (our own app card, rendered with HubSpot's test renderer)", 'classic')
  .option('--app-id <id>', 'with --card native: the app id HubSpot appends (default: HUBSPOT_APP_ID, else 1)')
  .option('--locale <tag>', "with --card native: the rep's locale", 'en-US')
  .option('--json', 'print the raw JSON answer too')
  .action(
    async (opts: {
      portal: string;
      deal: string;
      url?: string;
      publicUrl?: string;
      userId: string;
      userEmail: string;
      property: string[];
      appCard?: string;
      card: string;
      appId?: string;
      locale: string;
      json?: boolean;
    }) => {
      const c = config();
      const secret = c.hubspot.clientSecret ?? fail('HUBSPOT_CLIENT_SECRET is not set: preview signs requests with the same secret the service verifies them with.');
      if (opts.card !== 'classic' && opts.card !== 'native') fail(`--card must be classic or native, got ${opts.card}`);
      // Where to call, what HubSpot would sign, and who is asking: the same for both cards.
      const target = {
        serviceUrl: opts.url ?? c.publicBaseUrl,
        publicUrl: opts.publicUrl ?? c.publicBaseUrl,
        clientSecret: secret,
        portalId: opts.portal,
        dealId: opts.deal,
        userId: opts.userId,
        userEmail: opts.userEmail,
      };
      if (opts.card === 'native') {
        try {
          const text = await previewAppCard({
            ...target,
            appId: opts.appId ?? c.hubspot.appId ?? '1',
            locale: opts.locale,
          });
          console.log(text);
        } catch (err) {
          fail(`Could not render the app card against ${opts.url ?? c.publicBaseUrl}: ${(err as Error).message}\nStart the service with "npm start" (or pass --url).`);
        }
        return;
      }
      const properties: Record<string, string> = {};
      for (const p of opts.property) {
        const eq = p.indexOf('=');
        if (eq < 1) fail(`--property expects name=value, got ${p}`);
        properties[p.slice(0, eq)] = p.slice(eq + 1);
      }
      const definition = renderAppDefinition(opts.publicUrl ?? c.publicBaseUrl);
      let result;
      try {
        result = await previewCard({
          ...target,
          properties,
          appCard: opts.appCard ? { appId: opts.appCard } : undefined,
          definition,
          nowMs: Date.now(),
        });
      } catch (err) {
        fail(`Could not reach the service at ${opts.url ?? c.publicBaseUrl}: ${(err as Error).message}\nStart it with "npm start" (or pass --url).`);
      }
      if (opts.json) console.log(JSON.stringify(result.body, null, 2));
      if (result.status !== 200) {
        fail(`The service answered ${result.status}: ${JSON.stringify(result.body)}`);
      }
      const card = result.body as CardResponse;
      console.log(renderCardText(card, definition, `${definition.card.title} (${card.results.length})`));
      console.log(`\nAnswered in ${result.durationMs.toFixed(0)} ms (HubSpot gives up after ${opts.appCard ? 15 : 5} s).`);
      if (result.schemaErrors.length > 0) {
        fail(`The answer does NOT match HubSpot's documented card format:\n${result.schemaErrors.map((e) => `  - ${e}`).join('\n')}`);
      }
      console.log("The answer matches HubSpot's documented card format.");
    },
  );

program
  .command('demo-data')
  .description("seed one deal with example invoices in every state through the running service's /api/v1, to try the card without HubSpot")
  .requiredOption('--portal <id>', 'HubSpot portal id', hubspotId('--portal'))
  .requiredOption('--deal <id>', 'deal id', hubspotId('--deal'))
  .option('--url <url>', 'where the service runs (default: PUBLIC_BASE_URL)')
  .action(async (opts: { portal: string; deal: string; url?: string }) => {
    const c = config();
    const token = c.apiToken ?? fail('API_TOKEN is not set: demo-data creates the invoices through /api/v1 with the same token the service expects.');
    const base = opts.url ?? c.publicBaseUrl;
    try {
      const numbers = await seedDemoDeal(apiClient(base, token), opts.portal, opts.deal, todayUtc(new Date()));
      console.log(`Created ${numbers.length} invoices on deal ${opts.deal} in portal ${opts.portal}: ${numbers.join(', ')}`);
      console.log(`Preview the card: npm run cli -- preview --portal ${opts.portal} --deal ${opts.deal}`);
    } catch (err) {
      fail(`${(err as Error).message}\nIs the service running at ${base} with the same API_TOKEN? Start it with "npm start".`);
    }
  });

/** The running service's /api/v1, with the API_TOKEN it expects. */
function serviceApi(url: string | undefined): { api: Api; base: string } {
  const c = config();
  const token = c.apiToken ?? fail('API_TOKEN is not set: this command talks to the running service through /api/v1 with the same token the service expects.');
  const base = url ?? c.publicBaseUrl;
  return { api: apiClient(base, token), base };
}

const unreachable = (base: string, err: unknown): never => fail(`${(err as Error).message}\nIs the service running at ${base} with the same API_TOKEN? Start it with "npm start", or pass --url.`);

/** Exit codes: 0 all pushed, 2 finished but some records were refused or left out, 1 the run failed or paused. */
function exitForRun(run: RunView): never {
  console.log(describeRun(run));
  if (run.status !== 'done') process.exit(1);
  process.exit(run.counts.failed + run.counts.conflicts > 0 ? 2 : 0);
}

program
  .command('sync')
  .description('push changed contacts and products to HubSpot now, with a progress bar and a summary (exit 0: all pushed, 2: some refused, 1: failed)')
  .option('--portal <id>', 'portal to push to (needed when several are connected)', hubspotId('--portal'))
  .option('--url <url>', 'where the service runs (default: PUBLIC_BASE_URL)')
  .option('--no-wait', 'start the push and return without following it')
  .action(async (opts: { portal?: string; url?: string; wait: boolean }) => {
    const { api, base } = serviceApi(opts.url);
    let run: RunView;
    try {
      run = await api<RunView>('POST', '/sync/runs', opts.portal ? { portalId: opts.portal } : {});
    } catch (err) {
      return unreachable(base, err);
    }
    console.log(run.alreadyRunning ? `A push to portal ${run.portalId} is already ${run.status} (#${run.id}); following it.` : `Push #${run.id} to portal ${run.portalId} queued.`);
    if (!opts.wait) {
      console.log(`Follow it with: curl -H "authorization: Bearer $API_TOKEN" ${base}/api/v1/sync/runs/${run.id}`);
      return;
    }
    process.once('SIGINT', () => {
      process.stderr.write(`\nStopped following; push #${run.id} carries on in the service.\n`);
      process.exit(130);
    });
    try {
      run = await followRun(api, run.id);
    } catch (err) {
      return unreachable(base, err);
    }
    exitForRun(run);
  });

program
  .command('failures')
  .description('list records HubSpot refused, with its message and correlation id (and, on request, skipped and conflicting ones)')
  .option('--portal <id>', 'only this portal', hubspotId('--portal'))
  .option('--type <type>', 'only contact or product records', (v: string) => {
    if (v !== 'contact' && v !== 'product') throw new InvalidArgumentError('--type is contact or product');
    return v;
  })
  .option('--include <states>', 'also list skipped and/or conflict records, e.g. skipped,conflict')
  .option('--limit <n>', 'at most this many (1 to 500)', '100')
  .option('--json', 'print the raw JSON')
  .option('--url <url>', 'where the service runs (default: PUBLIC_BASE_URL)')
  .action(async (opts: { portal?: string; type?: string; include?: string; limit: string; json?: boolean; url?: string }) => {
    const { api, base } = serviceApi(opts.url);
    const q = new URLSearchParams({ limit: opts.limit });
    if (opts.portal) q.set('portalId', opts.portal);
    if (opts.type) q.set('objectType', opts.type);
    if (opts.include) q.set('include', opts.include);
    let body: { failures: FailureView[] };
    try {
      body = await api<{ failures: FailureView[] }>('GET', `/sync/failures?${q.toString()}`);
    } catch (err) {
      return unreachable(base, err);
    }
    if (opts.json) console.log(JSON.stringify(body, null, 2));
    else console.log(describeFailures(body.failures));
    if (!opts.json && body.failures.length > 0)
      console.log(`\nFix the record (PUT /api/v1/{contacts|products}/{externalId} or a new import): it is pushed again on the next run.\nOr push one again as it is: npm run cli -- replay <#id>`);
  });

program
  .command('replay')
  .description('push one refused (or skipped, or conflicting) record again, and follow the push')
  .argument('<failureId>', 'the #id from "failures"')
  .option('--url <url>', 'where the service runs (default: PUBLIC_BASE_URL)')
  .option('--no-wait', 'queue it and return')
  .action(async (failureId: string, opts: { url?: string; wait: boolean }) => {
    const { api, base } = serviceApi(opts.url);
    const id = failureId.replace(/^#/, '');
    let queued: { run: RunView };
    try {
      queued = await api<{ run: RunView }>('POST', `/sync/failures/${encodeURIComponent(id)}/replay`);
    } catch (err) {
      return unreachable(base, err);
    }
    console.log(`Record #${id} is back in line; push #${queued.run.id} will send it.`);
    if (!opts.wait) return;
    try {
      exitForRun(await followRun(api, queued.run.id));
    } catch (err) {
      return unreachable(base, err);
    }
  });

program
  .command('import')
  .description(
    'import contacts or products from a CSV file (header row required) through /api/v1, with a progress bar and a per-row error report (exit 0: all imported (and pushed, with --sync), 2: some rows or pushed records refused, 1: stopped)',
  )
  .argument('<kind>', 'contacts or products')
  .argument('<file>', 'the CSV file')
  .option('--errors <file>', 'also write the refused rows to this CSV file (line, externalId, column, message)')
  .option('--sync', 'push to HubSpot afterwards (as the sync command)')
  .option('--url <url>', 'where the service runs (default: PUBLIC_BASE_URL)')
  .addHelpText(
    'after',
    `
Columns (header names are matched ignoring case, spaces, "-" and "_"):
  contacts: externalId, email, firstName, lastName, phone, company, line1, line2, city, region, postalCode, country
  products: externalId, sku, name, description, price (a decimal, e.g. 1200.00), currency (ISO code), type
Re-running an import is safe: records are keyed by externalId and unchanged ones are left alone.`,
  )
  .action(async (kindArg: string, file: string, opts: { errors?: string; sync?: boolean; url?: string }) => {
    if (kindArg !== 'contacts' && kindArg !== 'products') fail(`<kind> is contacts or products, not ${JSON.stringify(kindArg)}`);
    const kind: ImportKind = kindArg;
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) fail(`${file} is not a file`);
    const { api, base } = serviceApi(opts.url);
    const bar = progressBar('import {bar} {percentage}% | {rows} rows | {created} new, {updated} changed, {unchanged} unchanged, {rejected} refused | {eta_formatted} left');
    let result;
    bar.start(fs.statSync(file).size, 0, { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 });
    try {
      result = await importCsv(api, kind, file, { onProgress: (p) => bar.update(p.bytes, { ...p }) });
      bar.stop();
    } catch (err) {
      bar.stop();
      if (err instanceof ImportHeaderError) fail(`${file}: ${err.message}. Nothing was imported.`);
      if ((err as { code?: string }).code?.startsWith('CSV_')) fail(`${file} is not valid CSV: ${(err as Error).message}. Rows before it were imported (re-running is safe once fixed).`);
      return unreachable(base, err);
    }
    const imported = result.created + result.updated + result.unchanged;
    console.log(`Imported ${imported} of ${result.rows} ${kind}: ${result.created} new, ${result.updated} changed, ${result.unchanged} unchanged; ${result.rejected} refused.`);
    if (result.errors.length > 0) {
      result.errors.sort((a, b) => a.line - b.line);
      const shown = result.errors.slice(0, 20);
      console.log(`\nRefused rows:\n${shown.map((e) => `  line ${e.line}${e.externalId ? ` (${e.externalId})` : ''}: ${e.field ? `${e.field}: ` : ''}${e.message}`).join('\n')}`);
      if (result.errors.length > shown.length) console.log(`  … and ${result.errors.length - shown.length} more${opts.errors ? '' : ' (write them all with --errors <file>)'}`);
      if (opts.errors) {
        const q = (v: unknown) => (v === null || v === undefined ? '' : `"${String(v).replace(/"/g, '""')}"`);
        fs.writeFileSync(opts.errors, `line,externalId,column,message\n${result.errors.map((e) => [e.line, q(e.externalId), q(e.field), q(e.message)].join(',')).join('\n')}\n`);
        console.log(`All refused rows are in ${opts.errors}. Fix them in ${file} and import it again.`);
      }
    }
    let pushRefused = 0;
    if (opts.sync) {
      try {
        const run = await api<RunView>('POST', '/sync/runs', {});
        console.log(`\nPush #${run.id} to portal ${run.portalId} ${run.alreadyRunning ? 'already running; following it' : 'queued'}.`);
        const ended = await followRun(api, run.id);
        console.log(describeRun(ended));
        if (ended.status !== 'done') process.exit(1);
        pushRefused = ended.counts.failed + ended.counts.conflicts;
      } catch (err) {
        return unreachable(base, err);
      }
    }
    process.exit(result.rejected + pushRefused > 0 ? 2 : 0);
  });

program.parseAsync(process.argv).catch((err: unknown) => fail(`error: ${(err as Error).message}`));
