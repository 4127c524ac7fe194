import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { previewCard, renderCardText } from './cli/previewCard.js';
import { apiClient, seedDemoDeal } from './cli/demoData.js';
import type { CardResponse } from './card/cardResponse.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createDb } from './db/db.js';
import { migrateLatest, pendingMigrations } from './db/migrate.js';
import { cardDefinitionSchema, converterAppCardFiles, renderAppDefinition } from './hubspot/appDefinition.js';
import { lenientAjv } from './http/validate.js';
import { todayUtc } from './invoices/invoice.js';

/** Command-line tools: migrations, HubSpot app files, card preview and demo data. */

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
  if (!/^[1-9][0-9]{0,17}$/.test(value)) throw new InvalidArgumentError(`${label} must be a HubSpot id (digits only)`);
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
  .description('print hubspot-app.json for a base URL; with --out, also write the converter app card project files')
  .option('--base-url <url>', 'public base URL of this service (default: PUBLIC_BASE_URL)')
  .option('--out <dir>', 'folder to write the HubSpot developer-platform files into')
  .action((opts: { baseUrl?: string; out?: string }) => {
    const base = opts.baseUrl ?? config().publicBaseUrl;
    if (!/^https?:\/\/[^/?#]+/.test(base)) fail(`--base-url must be an http(s) URL, got ${base}`);
    const def = renderAppDefinition(base);
    if (!validateCardDefinition(def.card)) {
      fail(`hubspot-app.json's card is not a valid HubSpot card definition:\n${(validateCardDefinition.errors ?? []).map((e) => `  - card${e.instancePath} ${e.message ?? ''}`).join('\n')}`);
    }
    if (!opts.out) {
      process.stdout.write(`${JSON.stringify(def, null, 2)}\n`);
      return;
    }
    const files = { 'hubspot-app.json': `${JSON.stringify(def, null, 2)}\n`, ...converterAppCardFiles(def, base) };
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(opts.out, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      console.log(`wrote ${file}`);
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
  .option('--json', 'print the raw JSON answer too')
  .action(async (opts: { portal: string; deal: string; url?: string; publicUrl?: string; userId: string; userEmail: string; property: string[]; appCard?: string; json?: boolean }) => {
    const c = config();
    const secret = c.hubspot.clientSecret ?? fail('HUBSPOT_CLIENT_SECRET is not set: preview signs requests with the same secret the service verifies them with.');
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
        serviceUrl: opts.url ?? c.publicBaseUrl,
        publicUrl: opts.publicUrl ?? c.publicBaseUrl,
        clientSecret: secret,
        portalId: opts.portal,
        dealId: opts.deal,
        userId: opts.userId,
        userEmail: opts.userEmail,
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
  });

program
  .command('demo-data')
  .description('seed one deal with example invoices in every state through the running service\'s /api/v1, to try the card without HubSpot')
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

program.parseAsync(process.argv).catch((err: unknown) => fail(`error: ${(err as Error).message}`));
