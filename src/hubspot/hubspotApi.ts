import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { Client } from '@hubspot/api-client';
import { redactSecrets } from '../redact.js';
import { type CrmApiVersion, DEFAULT_CRM_API_VERSION } from '../shared/hubspotVersions.js';
import { type CrmCall, type CrmObjectType, crmRoute } from './apiVersions.js';

/**
 * The push's view of HubSpot's CRM API, through @hubspot/api-client (the only place that imports
 * it), on the path family HUBSPOT_API_VERSION names (apiVersions.ts). The SDK's own retries and limiter stay off: the service decides what to retry, how long to
 * wait and how fast to go (sync/retryPolicy.ts, sync/rateBudget.ts). Every call returns the
 * status and the rate-limit headers; every failure becomes a HubSpotError with HubSpot's message,
 * category and correlation id.
 */

export type ObjectType = CrmObjectType;

export interface BatchInput {
  id?: string;
  idProperty?: string;
  objectWriteTraceId?: string;
  properties: Record<string, string>;
  /** Creates only: records to associate the new one with (a note with its deal). */
  associations?: Array<{ to: { id: string }; types: Array<{ associationCategory: 'HUBSPOT_DEFINED' | 'USER_DEFINED'; associationTypeId: number }> }>;
}

export interface BatchResult {
  id: string;
  properties: Record<string, string | null>;
  /** Upsert only: whether HubSpot created the record. */
  isNew?: boolean;
  objectWriteTraceId?: string;
}

/**
 * One property HubSpot refused, with its own words: a portal admin's validation rule (a required
 * or conditionally required property, a format rule) or a value HubSpot cannot take.
 */
export interface Violation {
  /** The property it names, or null when HubSpot named none. */
  property: string | null;
  /** HubSpot's code: MISSING_REQUIRED_PROPERTY, INVALID_ALPHA, … (null when it gave none). */
  code: string | null;
  /** HubSpot's message for it (the rule's own message). */
  message: string;
}

/** An option of an enumeration property, as HubSpot lists it. */
export interface PropertyOption {
  label: string;
  value: string;
  displayOrder?: number;
  hidden?: boolean;
  description?: string;
}

/** A property as the properties list gives it. */
export interface ListedProperty {
  name: string;
  type: string;
  fieldType: string;
  groupName: string;
  options: PropertyOption[];
}

/** One rule of the property validations API: the property, its ruleType and ruleArguments. */
export interface PropertyValidation {
  property: string;
  ruleType: string;
  ruleArguments: string[];
}

export interface BatchError {
  status: string;
  category?: string;
  message: string;
  /** What a VALIDATION_ERROR names, property by property (empty otherwise). */
  violations: Violation[];
  /** Trace ids (per-input errors of a 207) or ids (not-found reads). */
  traceIds: string[];
  ids: string[];
}

export interface BatchOutcome {
  status: number;
  results: BatchResult[];
  errors: BatchError[];
  headers: Record<string, string>;
}

/**
 * A failed HubSpot call: an HTTP error answer, or no answer at all (status null). Built only by
 * toHubSpotError, which has taken the request's URL, the answer's raw body and every secret out
 * of it: its message, body and headers may be logged, stored and shown as they are.
 */
export class HubSpotError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly body: unknown,
    readonly headers: Record<string, string>,
    /** For network failures: ETIMEDOUT, ECONNRESET, … */
    readonly networkCode?: string,
  ) {
    // Redacted here too, so an error built elsewhere cannot carry a token in its message (or stack).
    super(redactSecrets(message));
    this.name = 'HubSpotError';
  }

  get category(): string | undefined {
    const b = this.body as { category?: string; errorType?: string } | undefined;
    return b && typeof b === 'object' ? (b.category ?? b.errorType) : undefined;
  }

  get policyName(): string | undefined {
    const b = this.body as { policyName?: string } | undefined;
    return b && typeof b === 'object' ? b.policyName : undefined;
  }

  get correlationId(): string | undefined {
    const b = this.body as { correlationId?: string } | undefined;
    return (b && typeof b === 'object' ? b.correlationId : undefined) ?? this.headers['x-hubspot-correlation-id'];
  }

  /** The scopes a MISSING_SCOPES refusal says the call needs (any one of them; empty otherwise). */
  get requiredScopes(): string[] {
    const b = this.body as { requiredScopes?: string[] } | undefined;
    return b && typeof b === 'object' && Array.isArray(b.requiredScopes) ? b.requiredScopes : [];
  }

  /** The properties a VALIDATION_ERROR names, each with HubSpot's message (empty otherwise). */
  get violations(): Violation[] {
    const b = this.body as { violations?: Violation[] } | undefined;
    return b && typeof b === 'object' && Array.isArray(b.violations) ? b.violations : [];
  }

  /** What to keep about the failure (never the request, which may hold personal data). */
  summary(): { status: number | null; category: string | null; message: string; correlationId: string | null; violations?: Violation[] } {
    const violations = this.violations;
    return { status: this.status, category: this.category ?? null, message: this.message, correlationId: this.correlationId ?? null, ...(violations.length ? { violations } : {}) };
  }
}

/**
 * A keep-alive agent whose sockets give up after `timeoutMs` without a byte: the SDK sets no
 * timeout, and node-fetch ignores the socket's 'timeout' event. The agent's `timeout` option keeps
 * the timer armed on reused sockets; the listener turns it into an error the request sees.
 */
export function agentFor(baseUrl: string, timeoutMs: number): http.Agent {
  const Base = baseUrl.startsWith('https:') ? https.Agent : http.Agent;
  const agent = new Base({ keepAlive: true, maxSockets: 32, timeout: timeoutMs });
  const create = (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    socket.on('timeout', () => socket.destroy(Object.assign(new Error(`no answer from HubSpot within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    return socket;
  };
  return agent;
}

/**
 * Makes `agentFor`'s agent the process's global agent for HubSpot's scheme. @hubspot/api-client's
 * generic apiRequest (every CRM and current OAuth call goes through it) hands node-fetch no agent,
 * so node-fetch uses the global one: this gives those calls the same socket that gives up after
 * HUBSPOT_REQUEST_TIMEOUT_MS without a byte (and is then closed, not left open), and the same cap
 * of 32 connections, as the SDK's generated APIs had. Called once by the service's entry point: a
 * service process talks to no other HTTP server (tests build apps in-process and keep the default
 * agent; sendRequest's own deadline holds there too).
 */
export function useHubSpotAgentForProcess(baseUrl: string, timeoutMs: number): void {
  const agent = agentFor(baseUrl, timeoutMs);
  if (baseUrl.startsWith('https:')) https.globalAgent = agent as https.Agent;
  else http.globalAgent = agent;
}

/** What a call was (for the message) and the secrets it carried (to take out of the answer). */
export interface CallContext {
  /** e.g. "the token-info call": the message then says which call failed ("HubSpot did not answer the token-info call (ECONNRESET: …)"). */
  operation?: string;
  /** Tokens, codes and the client secret the call sent: never repeated in the error. */
  secrets?: ReadonlyArray<string | undefined>;
}

// The fields of HubSpot's (and OAuth's) error bodies the service reads; nothing else is kept,
// since an answer can echo the request (a proxy's error page, a debugging gateway).
const BODY_FIELDS = ['status', 'message', 'category', 'subCategory', 'errorType', 'policyName', 'correlationId', 'error', 'error_description'] as const;
// The answer's headers the service reads: rate limits, correlation id, Retry-After.
const KEPT_HEADER = /^(x-hubspot-|retry-after$|content-type$)/;
// node-fetch's network failures read "request to <url> failed, reason: <why>".
const REASON_MARKER = 'failed, reason: ';

/**
 * The ONE place where what @hubspot/api-client throws becomes our error. The SDK's errors carry
 * the request's URL (a network failure's message is "request to <url> failed, reason: …", and
 * the token-info and refresh-token calls put the token in that URL), the answer's whole body and
 * headers, and its ApiException message repeats both. None of that survives: the message is
 * rebuilt from the status, HubSpot's own message (redacted) or the network reason (redacted),
 * the body is reduced to HubSpot's error fields (redacted), non-JSON bodies are dropped, and only
 * the headers the service reads are kept.
 */
export function toHubSpotError(err: unknown, context: CallContext = {}): HubSpotError {
  if (err instanceof HubSpotError) return err;
  const known = context.secrets ?? [];
  const op = context.operation;
  const e = (err ?? {}) as { code?: unknown; body?: unknown; headers?: Record<string, string>; message?: string; errno?: unknown; type?: string };
  if (typeof e.code === 'number') {
    const raw = e.body;
    const body = raw && typeof raw === 'object' && !Array.isArray(raw) ? pickBody(raw as Record<string, unknown>, known) : undefined;
    const hubspotMessage = typeof body?.message === 'string' && body.message ? body.message : typeof body?.error_description === 'string' ? body.error_description : undefined;
    const message = hubspotMessage ?? (raw !== undefined && raw !== null && raw !== '' && !body ? `HubSpot answered ${e.code} with a non-JSON body` : `HubSpot answered ${e.code}`);
    const said = redactSecrets(message, known);
    return new HubSpotError(op ? `HubSpot answered ${op} with ${e.code}${hubspotMessage ? `: ${said}` : ''}` : said, e.code, body, keptHeaders(e.headers ?? {}));
  }
  const code = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : 'ENETWORK';
  // node-fetch: "request to http://…/oauth/v1/access-tokens/<token> failed, reason: socket hang up".
  const text = e.message ?? String(err);
  // indexOf, not a regex: the text may be long and repeat the marker (a regex scanning to the end
  // from every occurrence would be quadratic).
  const at = text.indexOf(REASON_MARKER);
  const reason = at >= 0 ? text.slice(at + REASON_MARKER.length) : text.replace(/\bhttps?:\/\/\S+/g, '[url]');
  const why = redactSecrets(reason, known);
  return new HubSpotError(op ? `HubSpot did not answer ${op} (${code}: ${why})` : `no answer from HubSpot (${code}): ${why}`, null, undefined, {}, code);
}

function pickBody(raw: Record<string, unknown>, known: ReadonlyArray<string | undefined>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const k of BODY_FIELDS) {
    const v = raw[k];
    if (typeof v === 'string') out[k] = redactSecrets(v.length > 2000 ? `${v.slice(0, 2000)}…` : v, known);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  const violations = violationsIn(raw, known);
  if (violations.length) out.violations = violations;
  const scopes = requiredScopesIn(raw);
  if (scopes.length) out.requiredScopes = scopes;
  return out;
}

/** The scopes a MISSING_SCOPES body names (`errors[].context.requiredGranularScopes`), at most 20, each a scope name. */
function requiredScopesIn(raw: Record<string, unknown>): string[] {
  if (raw.category !== 'MISSING_SCOPES' || !Array.isArray(raw.errors)) return [];
  const out = new Set<string>();
  for (const e of raw.errors.slice(0, 20) as Array<{ context?: { requiredGranularScopes?: unknown; requiredScopes?: unknown } } | null>) {
    for (const list of [e?.context?.requiredGranularScopes, e?.context?.requiredScopes]) {
      for (const v of Array.isArray(list) ? list.slice(0, 20) : []) {
        if (typeof v === 'string' && v.length <= 100 && isScopeName(v)) out.add(v);
      }
    }
  }
  return [...out].slice(0, 20);
}

/** Letters, digits, dots, dashes and underscores: what HubSpot's scope names are made of. */
function isScopeName(v: string): boolean {
  for (const c of v) if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '.' || c === '-' || c === '_')) return false;
  return v.length > 0;
}

const LEGACY_PREFIX = 'Property values were not valid: ';
const text = (v: unknown, known: ReadonlyArray<string | undefined>, max: number): string | null =>
  typeof v === 'string' && v !== '' ? redactSecrets(v.length > max ? `${v.slice(0, max)}…` : v, known) : null;

/**
 * The properties a VALIDATION_ERROR body names, each with HubSpot's message. Two shapes exist:
 * `errors[]` entries with `context.propertyName` (the 2026-09 rules: MISSING_REQUIRED_PROPERTY,
 * MISSING_CONDITIONAL_REQUIRED_PROPERTY), and the older message "Property values were not valid:
 * [{…, "message", "error", "name"}]" (property validation rules, bad values). At most 20 are kept,
 * their text redacted and cut short like the rest of the body.
 */
export function violationsIn(raw: unknown, known: ReadonlyArray<string | undefined> = []): Violation[] {
  if (!raw || typeof raw !== 'object') return [];
  const body = raw as { category?: unknown; message?: unknown; errors?: unknown };
  if (body.category !== 'VALIDATION_ERROR') return [];
  const out: Violation[] = [];
  if (Array.isArray(body.errors)) {
    for (const e of body.errors.slice(0, 20) as Array<{ code?: unknown; message?: unknown; context?: { propertyName?: unknown } } | null>) {
      if (!e || typeof e !== 'object') continue;
      const message = text(e.message, known, 500);
      if (!message) continue;
      const names = Array.isArray(e.context?.propertyName) ? e.context.propertyName : [];
      out.push({ property: text(names[0], known, 200), code: text(e.code, known, 100), message });
    }
  }
  if (out.length === 0 && typeof body.message === 'string' && body.message.startsWith(LEGACY_PREFIX)) {
    try {
      const listed = JSON.parse(body.message.slice(LEGACY_PREFIX.length)) as unknown;
      for (const e of (Array.isArray(listed) ? listed.slice(0, 20) : []) as Array<{ name?: unknown; error?: unknown; message?: unknown } | null>) {
        const message = e && typeof e === 'object' ? text(e.message, known, 500) : null;
        if (message) out.push({ property: text(e!.name, known, 200), code: text(e!.error, known, 100), message });
      }
    } catch {
      // Not the JSON list HubSpot writes there: the message itself is all there is.
    }
  }
  return out;
}

/** The answer's headers the service reads (rate limits, correlation id, Retry-After): nothing else is kept. */
export function keptHeaders(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(h)
      .filter(([k]) => KEPT_HEADER.test(k.toLowerCase()))
      .map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
}

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));

function batchErrors(body: { errors?: Array<{ status?: string; category?: string; message?: string; context?: Record<string, string[]> }> }, known: ReadonlyArray<string | undefined>): BatchError[] {
  return (body.errors ?? []).map((e) => ({
    status: e.status ?? 'error',
    category: e.category,
    message: e.message ?? 'unknown error',
    violations: violationsIn(e, known),
    traceIds: e.context?.objectWriteTraceId ?? [],
    ids: e.context?.ids ?? [],
  }));
}

interface BatchBody {
  results?: Array<{ id: string; properties: Record<string, string | null>; new?: boolean; objectWriteTraceId?: string }>;
  errors?: Array<{ status?: string; category?: string; message?: string; context?: Record<string, string[]> }>;
}

/** An HTTP answer read whole: status, lower-cased headers, the body parsed when it is JSON. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Sends one request through @hubspot/api-client's generic `apiRequest` (the SDK's generated APIs
 * only know /crm/v3 and /oauth/v1) and reads the answer as the generated APIs would: a non-2xx
 * answer, no answer, or no answer within `timeoutMs` becomes a HubSpotError through
 * toHubSpotError, exactly as the SDK's ApiException and network errors did. apiRequest hands no
 * agent to node-fetch, so the timeout is raced here; a late answer is dropped.
 */
export async function sendRequest(client: Client, request: Parameters<Client['apiRequest']>[0], timeoutMs: number, context: CallContext): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  let res: Awaited<ReturnType<Client['apiRequest']>>;
  let text: string;
  try {
    const answered = (async () => {
      const r = await client.apiRequest(request);
      return { r, t: await r.text() };
    })();
    const got = await Promise.race([
      answered,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer from HubSpot within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      }),
    ]);
    res = got.r;
    text = got.t;
  } catch (err) {
    throw toHubSpotError(err, context);
  } finally {
    clearTimeout(timer);
  }
  const headers = lower(Object.fromEntries(res.headers.entries()));
  let body: unknown = text === '' ? undefined : text;
  if (text !== '' && (headers['content-type'] ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text; // not JSON after all: toHubSpotError drops it, a success fails below
    }
  }
  if (res.status < 200 || res.status >= 300) throw toHubSpotError({ code: res.status, body, headers }, context);
  // The SDK could not read a success it could not parse either (no answer it can use: retryable).
  if (typeof body === 'string') throw toHubSpotError(new Error(`HubSpot answered ${res.status} with a body that is not JSON`), context);
  return { status: res.status, headers, body };
}

export interface HubSpotApiOptions {
  accessToken: string;
  /** HUBSPOT_API_BASE_URL, no trailing slash. */
  baseUrl: string;
  timeoutMs?: number;
  /** HUBSPOT_API_VERSION: which path family every call goes to (apiVersions.ts). */
  apiVersion?: CrmApiVersion;
}

interface RequestContextLike {
  setAgent(agent: http.Agent): void;
}

export type CallOptions = { middleware: Array<{ pre(ctx: unknown): Promise<unknown>; post(ctx: unknown): Promise<unknown> }>; middlewareMergeStrategy: 'append' };

/**
 * Per-call options that hand the agent over. In @hubspot/api-client 13.5 the generated APIs apply
 * only call-time middleware (`allMiddleware` starts empty), so the configured httpAgent would be
 * ignored and requests would have no timeout at all.
 */
export function callOptionsFor(agent: http.Agent): CallOptions {
  return {
    middlewareMergeStrategy: 'append',
    middleware: [
      {
        pre: async (ctx) => {
          (ctx as RequestContextLike).setAgent(agent);
          return ctx;
        },
        post: async (ctx) => ctx,
      },
    ],
  };
}

/**
 * Every CRM call of the push, on the path family of HUBSPOT_API_VERSION (crmRoute is the one map),
 * each through the SDK's apiRequest: the same request bodies, answers and errors in every family.
 */
export class HubSpotApi {
  private readonly client: Client;
  private readonly timeoutMs: number;
  readonly apiVersion: CrmApiVersion;
  /** The token in use: taken out of any error HubSpot's answer could make of it. */
  private accessToken: string;

  constructor(options: HubSpotApiOptions) {
    this.accessToken = options.accessToken;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.apiVersion = options.apiVersion ?? DEFAULT_CRM_API_VERSION;
    this.client = new Client({
      accessToken: options.accessToken,
      basePath: options.baseUrl.replace(/\/+$/, ''),
      numberOfApiCallRetries: 0,
    });
  }

  /** Uses another access token from now on (an OAuth token refreshed mid-run). */
  setAccessToken(token: string): void {
    this.accessToken = token;
    this.client.setAccessToken(token);
  }

  private send(call: CrmCall, type: ObjectType, body: unknown, name?: string, qs?: Record<string, string>): Promise<Answer> {
    const { method, path } = crmRoute(this.apiVersion, call, type, name);
    return sendRequest(this.client, { method, path, ...(qs ? { qs } : {}), ...(body === undefined ? {} : { body }) }, this.timeoutMs, { secrets: [this.accessToken] });
  }

  private async batch(call: CrmCall, type: ObjectType, body: unknown): Promise<BatchOutcome> {
    const answer = await this.send(call, type, body);
    const data = (answer.body ?? {}) as BatchBody;
    return {
      status: answer.status,
      headers: answer.headers,
      results: (data.results ?? []).map((r) => ({ id: String(r.id), properties: r.properties ?? {}, isNew: r.new, objectWriteTraceId: r.objectWriteTraceId })),
      errors: batchErrors(data, [this.accessToken]),
    };
  }

  /** Creates records (no key: products are never deduplicated by HubSpot, see PRODUCT.md). */
  batchCreate(type: ObjectType, inputs: BatchInput[]): Promise<BatchOutcome> {
    return this.batch('batchCreate', type, { inputs });
  }

  /** Creates or updates by a unique property (email for contacts, the external-id property for products). */
  batchUpsert(type: ObjectType, inputs: BatchInput[]): Promise<BatchOutcome> {
    return this.batch('batchUpsert', type, { inputs });
  }

  /** Updates by HubSpot record id. */
  batchUpdate(type: ObjectType, inputs: BatchInput[]): Promise<BatchOutcome> {
    return this.batch('batchUpdate', type, { inputs });
  }

  /** Reads records by id, or by a unique property when idProperty is given. */
  batchRead(type: ObjectType, ids: string[], properties: string[], idProperty?: string): Promise<BatchOutcome> {
    return this.batch('batchRead', type, { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [], ...(idProperty ? { idProperty } : {}) });
  }

  /** Archives records by HubSpot id (archiving twice is harmless). */
  async batchArchive(type: ObjectType, ids: string[]): Promise<{ status: number; headers: Record<string, string> }> {
    const answer = await this.send('batchArchive', type, { inputs: ids.map((id) => ({ id })) });
    return { status: answer.status, headers: answer.headers };
  }

  /** Records whose property equals a value (HubSpot's search: eventually consistent, 5 per second). */
  async searchEq(type: ObjectType, property: string, value: string, properties: string[]): Promise<{ total: number; results: BatchResult[]; headers: Record<string, string> }> {
    const answer = await this.send('search', type, { filterGroups: [{ filters: [{ propertyName: property, operator: 'EQ', value }] }], properties, limit: 100 });
    const data = (answer.body ?? {}) as { total?: number; results?: Array<{ id: string; properties: Record<string, string | null> }> };
    return { total: data.total ?? 0, results: (data.results ?? []).map((r) => ({ id: String(r.id), properties: r.properties ?? {} })), headers: answer.headers };
  }

  /**
   * A portal's property validation rules for contacts (0-1) or products (0-7), from HubSpot's
   * property validations API. The SDK has no generated API for it, so it goes through the SDK's
   * generic request, which throws nothing on an error answer (that is turned into a HubSpotError
   * here, through toHubSpotError like every other) and takes no agent: the timeout is a race.
   */
  async getPropertyValidations(type: ObjectType): Promise<{ status: number; headers: Record<string, string>; rules: PropertyValidation[] }> {
    const answer = await this.send('propertyValidations', type, undefined);
    const results = ((answer.body as { results?: unknown } | undefined)?.results ?? []) as Array<{
      propertyName?: unknown;
      propertyValidationRules?: Array<{ ruleType?: unknown; ruleArguments?: unknown }>;
    }>;
    const rules: PropertyValidation[] = [];
    for (const r of Array.isArray(results) ? results : []) {
      if (typeof r?.propertyName !== 'string') continue;
      for (const rule of Array.isArray(r.propertyValidationRules) ? r.propertyValidationRules : []) {
        if (typeof rule?.ruleType !== 'string') continue;
        rules.push({ property: r.propertyName, ruleType: rule.ruleType, ruleArguments: Array.isArray(rule.ruleArguments) ? rule.ruleArguments.map(String) : [] });
      }
    }
    return { status: answer.status, headers: keptHeaders(answer.headers), rules };
  }

  /** Whether a property exists; undefined when it does not. */
  async getProperty(type: ObjectType, name: string): Promise<{ name: string; hasUniqueValue: boolean } | undefined> {
    try {
      const p = (await this.send('propertyRead', type, undefined, name)).body as { name: string; hasUniqueValue?: boolean };
      return { name: p.name, hasUniqueValue: !!p.hasUniqueValue };
    } catch (err) {
      if (err instanceof HubSpotError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Creates a text property; `unique` makes HubSpot refuse two records with one value. */
  async createProperty(type: ObjectType, def: { name: string; label: string; groupName: string; unique: boolean; description: string }): Promise<void> {
    await this.send('propertyCreate', type, {
      name: def.name,
      label: def.label,
      groupName: def.groupName,
      description: def.description,
      type: 'string',
      fieldType: 'text',
      hasUniqueValue: def.unique,
    });
  }

  /** Every property of an object type, with its type, group and options (for checking what exists). */
  async listProperties(type: ObjectType): Promise<{ status: number; headers: Record<string, string>; properties: ListedProperty[] }> {
    const answer = await this.send('propertyList', type, undefined);
    const results = ((answer.body as { results?: unknown } | undefined)?.results ?? []) as Array<Record<string, unknown>>;
    const optionsOf = (o: unknown): PropertyOption[] =>
      (Array.isArray(o) ? (o as Array<Record<string, unknown>>) : []).map((x) => ({
        label: String(x.label),
        value: String(x.value),
        ...(typeof x.displayOrder === 'number' ? { displayOrder: x.displayOrder } : {}),
        ...(typeof x.hidden === 'boolean' ? { hidden: x.hidden } : {}),
        ...(typeof x.description === 'string' ? { description: x.description } : {}),
      }));
    return {
      status: answer.status,
      headers: keptHeaders(answer.headers),
      properties: (Array.isArray(results) ? results : []).map((p) => ({
        name: String(p.name),
        type: String(p.type),
        fieldType: String(p.fieldType),
        groupName: String(p.groupName),
        options: optionsOf(p.options),
      })),
    };
  }

  /** Overwrites the fields given of a property; `options` replaces all of its options. */
  async updatePropertyDefinition(type: ObjectType, name: string, fields: { options?: PropertyOption[] }): Promise<{ status: number; headers: Record<string, string> }> {
    const answer = await this.send('propertyUpdate', type, fields, name);
    return { status: answer.status, headers: keptHeaders(answer.headers) };
  }

  /** Whether a property group exists (undefined when it does not). */
  async getPropertyGroup(type: ObjectType, name: string): Promise<{ status: number; headers: Record<string, string> } | undefined> {
    try {
      const answer = await this.send('groupRead', type, undefined, name);
      return { status: answer.status, headers: keptHeaders(answer.headers) };
    } catch (err) {
      if (err instanceof HubSpotError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Creates a property group; a 409 means it exists already. */
  async createPropertyGroup(type: ObjectType, group: { name: string; label: string; displayOrder: number }): Promise<{ status: number; headers: Record<string, string> }> {
    const answer = await this.send('groupCreate', type, group);
    return { status: answer.status, headers: keptHeaders(answer.headers) };
  }

  /** Creates a property from a whole definition (type, fieldType, options, display hints); a 409 means the name is taken. */
  async createPropertyDefinition(type: ObjectType, definition: object): Promise<{ status: number; headers: Record<string, string> }> {
    const answer = await this.send('propertyCreate', type, definition);
    return { status: answer.status, headers: keptHeaders(answer.headers) };
  }

  /**
   * The ids of a record's associated records of `to` (a deal's notes), every page of them (500 a
   * page); undefined when HubSpot has no such record.
   */
  async listAssociations(type: ObjectType, id: string, to: ObjectType): Promise<{ status: number; headers: Record<string, string>; ids: string[] } | undefined> {
    const ids: string[] = [];
    let after: string | undefined;
    let last: Answer | undefined;
    try {
      for (let page = 0; page < 1000; page++) {
        last = await this.send('associationsList', type, undefined, `${id}/${to}`, { limit: '500', ...(after ? { after } : {}) });
        const body = (last.body ?? {}) as { results?: Array<{ toObjectId?: unknown }>; paging?: { next?: { after?: unknown } } };
        for (const r of Array.isArray(body.results) ? body.results : []) if (r?.toObjectId !== undefined) ids.push(String(r.toObjectId));
        const next = body.paging?.next?.after;
        if (typeof next !== 'string' || next === '') break;
        after = next;
      }
    } catch (err) {
      if (err instanceof HubSpotError && err.status === 404) return undefined;
      throw err;
    }
    return { status: last!.status, headers: keptHeaders(last!.headers), ids };
  }
}
