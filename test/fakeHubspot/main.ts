import { Command, InvalidArgumentError } from 'commander';
import { FakeHubspot } from './fakeHubspot.js';

/**
 * `npm run fake-hubspot`: the fake HubSpot on its own, for local trials and benchmarks. Point the
 * service at it with HUBSPOT_API_BASE_URL. `--no-legacy` answers the sunset families (/crm/v3,
 * /oauth/v1, /appinstalls/v3) with 410, as HubSpot will. Faults are injected over HTTP:
 *   curl -XPOST localhost:3980/__fake/faults -H 'content-type: application/json' \
 *        -d '{"kind":"status503","match":"batch/upsert","times":3}'
 */
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
  return n;
};
const token = (v: string, all: Record<string, string> = {}) => {
  const m = /^([^=\s]+)=(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('give a token as <token>=<portal id>, e.g. pat-local=12345');
  return { ...all, [m[1]!]: m[2]! };
};

const program = new Command('fake-hubspot')
  .description('A fake HubSpot CRM API (objects, properties, OAuth) that behaves as HubSpot documents, with rate limits and injectable faults.')
  .option('--port <n>', 'port to listen on', int('--port'), 3980)
  .option('--window-ms <n>', 'length of the rolling rate-limit window (HubSpot: 10000)', int('--window-ms'), 10_000)
  .option('--max <n>', 'requests per window per portal (HubSpot Free/Starter private app: 100)', int('--max'), 100)
  .option('--daily <n>', 'requests per day per portal for private apps (default: unlimited)', int('--daily'))
  .option('--latency-ms <n>', 'delay added to every reply', int('--latency-ms'), 0)
  .option('--token <token=portal>', 'an access token and the portal it opens (repeatable); tokens starting "pat-" are private apps', token, { 'pat-local': '12345' })
  .option('--oauth <clientId:clientSecret:redirectUri>', 'OAuth app credentials accepted by /oauth/2026-03/token (and /oauth/v1/token)')
  .option('--no-legacy', 'answer /crm/v3, /oauth/v1 and /appinstalls/v3 as sunset (410), as HubSpot will; POST /__fake/legacy {"legacy":true} turns them back on');

program.parse();
const o = program.opts<{ port: number; windowMs: number; max: number; daily?: number; latencyMs: number; token: Record<string, string>; oauth?: string; legacy: boolean }>();
let oauth: { clientId: string; clientSecret: string; redirectUri: string } | undefined;
if (o.oauth) {
  const [clientId, clientSecret, ...rest] = o.oauth.split(':');
  if (!clientId || !clientSecret || rest.length === 0) program.error('--oauth takes clientId:clientSecret:redirectUri');
  oauth = { clientId: clientId!, clientSecret: clientSecret!, redirectUri: rest.join(':') };
}

const fake = new FakeHubspot({ windowMs: o.windowMs, maxPerWindow: o.max, dailyLimit: o.daily, latencyMs: o.latencyMs, tokens: o.token, oauth, legacy: o.legacy });
const url = await fake.start(o.port).catch((err: NodeJS.ErrnoException) => {
  process.stderr.write(err.code === 'EADDRINUSE' ? `port ${o.port} is in use: pass --port <another>\n` : `${err.message}\n`);
  process.exit(1);
});
process.stdout.write(
  `fake HubSpot listening at ${url}\n` +
    `  limits: ${o.max} requests per ${o.windowMs} ms per portal${o.daily ? `, ${o.daily} per day` : ''}\n` +
    `  legacy: /crm/v3, /oauth/v1, /appinstalls/v3 ${o.legacy ? 'served' : 'switched off (410)'}; the date-versioned families are always served\n` +
    `  tokens: ${Object.entries(o.token)
      .map(([t, p]) => `${t} → portal ${p}`)
      .join(', ')}\n` +
    `  stats:  GET ${url}/__fake/stats · records: GET ${url}/__fake/records/<portal>/<contacts|products> · deals: GET ${url}/__fake/deals/<portal>\n` +
    `  scopes: every scope granted; PUT ${url}/__fake/portals/<portal>/scopes {"scopes":[…]} grants only those (403 MISSING_SCOPES otherwise)\n`,
);
const stop = () => void fake.stop().finally(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
