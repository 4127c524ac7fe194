import crypto from 'node:crypto';
import { systemClock } from '../deps.js';
import { type BatchOutcome, HubSpotError } from '../hubspot/hubspotApi.js';
import { billingForDeals } from '../invoices/dealBillingRepo.js';
import * as portalRepo from '../portals/portalRepo.js';
import * as settingsRepo from '../settings/settingsRepo.js';
import { canonicalJson } from '../shared/canonicalJson.js';
import { DEAL_GROUP, DEAL_PROPERTIES, DEAL_PROPERTY_NAMES, dealPropertyValues } from './dealProperties.js';
import { noteProperties, referenceParagraph } from './dealNotes.js';
import * as dealStateRepo from './dealStateRepo.js';
import type { ClaimedDeal, ClaimedNote } from './dealStateRepo.js';
import { done, type Finished, type PushEnv, recordAll, refusedIn, retryLater, send, type WriteKind, writeOrBisect } from './pushBatch.js';
import { backoffMs, classify, MAX_ATTEMPTS } from './retryPolicy.js';
import * as syncStateRepo from './syncStateRepo.js';

/**
 * The deal side of the push (issue 14): the deals' billing properties and the invoice events on
 * their timelines, in the same lanes, budget, retries and dedupe table as contacts and products.
 * - Properties: the group and properties are made once per portal (a 409 means another worker, or
 *   an earlier install, made them). A deal is written by its HubSpot id (the deal id: HubSpot's own
 *   record), which is idempotent, so a retry after a lost reply just writes the same values again;
 *   values equal to those HubSpot last took (pushed_hash) are not sent at all.
 * - Notes: HubSpot does not deduplicate notes, so a create is never retried in place after an
 *   answer that may hide a write (5xx, timeout); the event waits in flight, and its next attempt
 *   first reads the deal's notes (every page of its associations) for the event's reference,
 *   adopting the note it finds.
 * - A missing scope (a portal installed before these scopes were asked for) stops only this side
 *   of the push, for the run, and is noted on the portal for the dashboard; contacts and products go on.
 */

export const DEALS: WriteKind = { kind: 'deal', type: 'deals' };
export const NOTES: WriteKind = { kind: 'note', type: 'notes' };

/** A problem only the deal side has (it stops alone for the run; contacts and products go on). */
export class DealSideProblem extends Error {}

/** HubSpot refused a call for a scope the portal's install lacks. */
export class ScopeMissing extends DealSideProblem {
  constructor(
    readonly what: 'deal properties' | 'timeline',
    readonly scopes: string[],
    readonly hubspotMessage: string,
  ) {
    super(
      `HubSpot refused the ${what} for a missing scope${scopes.length ? ` (it needs ${scopes.join(' or ')})` : ''}: reinstall the app in this HubSpot account (Connect HubSpot on the dashboard) and grant the scopes it asks for, or, for a private app, add them to its scopes in HubSpot; contacts and products are pushed meanwhile`,
    );
  }
}

/** Runs `fn`, turning HubSpot's missing-scope refusal into ScopeMissing. */
async function scoped<T>(what: ScopeMissing['what'], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HubSpotError && err.category === 'MISSING_SCOPES') throw new ScopeMissing(what, err.requiredScopes, err.message);
    throw err;
  }
}

/** What HubSpot's property settings call our properties' field types (the admin sets one there). */
const FIELD_TYPE_LABEL: Record<string, string> = { number: 'Number', date: 'Date picker', text: 'Single-line text', textarea: 'Multi-line text', select: 'Dropdown select' };

/**
 * Creates the deal property group and every property HubSpot does not have yet, once per portal.
 * A property of ours that exists with another type (made by hand) stops the deal side with a
 * message saying which one, rather than writing values HubSpot would read differently; one that
 * lacks options of ours gets them added.
 */
export async function ensureDealProperties(env: PushEnv): Promise<void> {
  if (env.portal.dealPropertiesReady) return;
  await scoped('deal properties', async () => {
    const group = await send(env, 'deal property group read', () => env.api.getPropertyGroup('deals', DEAL_GROUP.name));
    if (!group) {
      try {
        await send(env, 'deal property group create', () => env.api.createPropertyGroup('deals', { ...DEAL_GROUP }));
      } catch (err) {
        if (!(err instanceof HubSpotError) || err.status !== 409) throw err;
      }
    }
    const existing = new Map((await send(env, 'deal properties read', () => env.api.listProperties('deals'))).properties.map((p) => [p.name, p]));
    for (const def of DEAL_PROPERTIES) {
      const have = existing.get(def.name);
      if (have) {
        if (have.type !== def.type) {
          throw new DealSideProblem(
            `HubSpot deal property "${def.name}" exists with type ${have.type}, not ${def.type}: in HubSpot (Settings → Properties), edit it and set its field type to ${FIELD_TYPE_LABEL[def.fieldType] ?? def.fieldType}, and the next push goes on`,
          );
        }
        // An option list made by hand, or by an older version of ours, may lack a value the push
        // writes (HubSpot refuses it, INVALID_OPTION): the missing ones are added after the
        // property's own, which stay as the admin left them (labels, order, extra values).
        const missing = (def.options ?? []).filter((o) => !have.options.some((h) => h.value === o.value));
        if (missing.length) {
          const last = Math.max(-1, ...have.options.map((o, i) => o.displayOrder ?? i));
          const options = [...have.options, ...missing.map((o, i) => ({ label: o.label, value: o.value, displayOrder: last + 1 + i, hidden: false }))];
          try {
            await send(env, 'deal property options update', () => env.api.updatePropertyDefinition('deals', def.name, { options }));
          } catch (err) {
            // HubSpot refused the change itself (read-only options, a label taken): the deal side
            // stops with HubSpot's reason; contacts and products go on.
            if (err instanceof HubSpotError && err.status !== null && err.status >= 400 && err.status < 500 && ![401, 403, 429].includes(err.status)) {
              throw new DealSideProblem(
                `HubSpot refused to add the options ${missing.map((o) => o.value).join(', ')} to deal property "${def.name}" (${err.message}): add them to the property's options in HubSpot (Settings → Properties), and the next push goes on`,
              );
            }
            throw err;
          }
          env.log.info('added the missing options of a deal property', { property: def.name, added: missing.map((o) => o.value) });
        }
        continue;
      }
      try {
        await send(env, 'deal property create', () => env.api.createPropertyDefinition('deals', def));
      } catch (err) {
        if (!(err instanceof HubSpotError) || err.status !== 409) throw err;
        // The name is taken: another worker made it meanwhile, or a property of that name was
        // deleted in HubSpot, which keeps it in its recycling bin, out of every list, and whose
        // values it refuses. Only the first is the property the push needs.
        const made = await send(env, 'deal property read', () => env.api.getProperty('deals', def.name));
        if (!made) {
          throw new DealSideProblem(
            `HubSpot deal property "${def.name}" was deleted in HubSpot, which keeps its name, so it cannot be made again: restore it in HubSpot (Settings → Properties, Archived properties) and the next push goes on`,
          );
        }
      }
    }
  });
  await portalRepo.markDealPropertiesReady(env.db, env.portal.portalId, true, new Date());
  env.portal.dealPropertiesReady = true;
}

const hashOf = (values: Record<string, string>) => crypto.createHash('sha256').update(canonicalJson(values)).digest('hex');

const asRecord = (d: { stateId: string; version: string; attempts: number }, hash: string) => ({ stateId: d.stateId, version: d.version, attempts: d.attempts, contentHash: hash });

/**
 * Why HubSpot refused a deal's input because of one of our own properties as HubSpot now has it
 * (a dropdown value it no longer lists, a property no longer there), or undefined.
 */
function ourPropertyChanged(outcome: BatchOutcome, stateId: string): string | undefined {
  const error = outcome.errors.find((e) => e.traceIds.includes(stateId));
  const ours = error?.violations.find((v) => v.property !== null && DEAL_PROPERTY_NAMES.includes(v.property) && (v.code === 'INVALID_OPTION' || v.code === 'PROPERTY_DOESNT_EXIST'));
  return ours ? `HubSpot's deal property ${ours.property} changed since it was checked (${ours.message}); the properties are checked again before the retry` : undefined;
}

/** Writes the outcomes; rows without one go back to the queue untouched. */
async function settle(env: PushEnv, kind: WriteKind, claimed: Array<{ stateId: string }>, out: Map<string, Finished>): Promise<number> {
  await syncStateRepo.release(
    env.db,
    claimed.filter((r) => !out.has(r.stateId)).map((r) => r.stateId),
    env.worker,
  );
  return recordAll(env, kind, claimed, out);
}

/**
 * Pushes one claimed batch of deals: computes each deal's values as of `today` (UTC), skips those
 * HubSpot already has, and writes the rest by id. A deal HubSpot no longer has (deleted there) is
 * skipped with a reason; it is written again when one of its invoices changes.
 */
export async function pushDealBatch(env: PushEnv, claimed: ClaimedDeal[], today: string): Promise<{ finished: number }> {
  const out = new Map<string, Finished>();
  const computed: string[] = [];
  let schemaChanged = false;
  try {
    const billing = await billingForDeals(
      env.db,
      env.portal.portalId,
      claimed.map((d) => d.dealId),
      today,
    );
    const toWrite: Array<{ record: ClaimedDeal & { contentHash: string }; input: { id: string; objectWriteTraceId: string; properties: Record<string, string> } }> = [];
    for (const d of claimed) {
      const values = dealPropertyValues(billing.get(d.dealId) ?? []);
      const hash = hashOf(values);
      if (hash === d.pushedHash) {
        out.set(d.stateId, { ...done(asRecord(d, hash), d.hubspotId ?? d.dealId, 'synced'), reason: null });
        env.counts.unchanged += 1;
        computed.push(d.dealId);
        continue;
      }
      toWrite.push({ record: { ...d, contentHash: hash }, input: { id: d.dealId, objectWriteTraceId: d.stateId, properties: values } });
    }
    await scoped('deal properties', () =>
      writeOrBisect(
        env,
        DEALS,
        toWrite,
        (inputs) => env.api.batchUpdate('deals', inputs),
        out,
        (outcome, items) => {
          const written = new Set(outcome.results.map((r) => r.id));
          const missing = new Set(outcome.errors.filter((e) => e.category === 'OBJECT_NOT_FOUND').flatMap((e) => [...e.traceIds, ...e.ids]));
          for (const item of items) {
            const d = item.record;
            if (written.has(d.dealId)) {
              out.set(d.stateId, done(d, d.dealId, 'synced'));
              env.counts.dealsWritten += 1;
              env.metrics?.syncRecords.inc({ type: 'deal', outcome: 'updated' });
              computed.push(d.dealId);
            } else if (missing.has(d.stateId) || missing.has(d.dealId)) {
              out.set(d.stateId, {
                ...done(d, null, 'skipped'),
                pushedHash: null,
                reason: `HubSpot has no deal ${d.dealId} (deleted there?): its billing is written again when one of its invoices changes`,
              });
            } else if (d.attempts + 1 < MAX_ATTEMPTS && ourPropertyChanged(outcome, d.stateId)) {
              out.set(d.stateId, {
                state: 'pending',
                hubspotId: null,
                pushedVersion: null,
                pushedHash: null,
                reason: `will retry: ${ourPropertyChanged(outcome, d.stateId)}`,
                error: null,
                failedVersion: null,
                attempts: d.attempts + 1,
                nextAttemptAt: new Date(Date.now() + backoffMs(d.attempts + 1, env.random)),
              });
              schemaChanged = true;
            } else {
              out.set(d.stateId, refusedIn(DEALS, outcome, d));
            }
          }
        },
      ),
    );
  } catch (err) {
    if (err instanceof HubSpotError) retryLater(err, claimed, out, env);
    else {
      await settle(env, DEALS, claimed, out);
      throw err;
    }
  }
  const finished = await settle(env, DEALS, claimed, out);
  await dealStateRepo.noteComputed(env.db, env.portal.portalId, computed, today);
  // Our properties changed in HubSpot since they were checked (an option removed, a property
  // deleted): they are checked and mended now, so the refused deals' retry (in this run) finds
  // them whole. A property of another type stops the deal side, as at the first check. Only a
  // HubSpot call that kept failing for a passing reason (5xx, timeouts, 429s) is left to the next
  // run, which checks again; HubSpot's refusals, the daily limit, a stop, a failed sign-in and our
  // own errors end the run as they do anywhere else in the push.
  if (schemaChanged) {
    await portalRepo.markDealPropertiesReady(env.db, env.portal.portalId, false, new Date());
    env.portal.dealPropertiesReady = false;
    try {
      await ensureDealProperties(env);
    } catch (err) {
      if (!(err instanceof HubSpotError) || classify(err).kind !== 'retry') throw err;
      env.log.warn('could not check the deal properties again; the next push does', { error: err.message });
    }
  }
  return { finished };
}

/** Note → deal, HubSpot-defined (HubSpot's association type 214). */
const NOTE_TO_DEAL = 214;

/**
 * Finds, for events whose note may have been written unheard, the note HubSpot has: reads each
 * deal's associated notes and looks for the event's reference in their bodies.
 */
async function recoverNotes(env: PushEnv, uncertain: ClaimedNote[]): Promise<{ found: Map<string, string>; goneDeals: Set<string> }> {
  const found = new Map<string, string>();
  const goneDeals = new Set<string>();
  for (const dealId of new Set(uncertain.map((e) => e.dealId))) {
    // Every page of the deal's notes (a deal that has been around may have hundreds).
    const deal = await send(env, 'deal notes read', () => env.api.listAssociations('deals', dealId, 'notes'));
    if (!deal) {
      goneDeals.add(dealId);
      continue;
    }
    const noteIds = deal.ids;
    const adopted = new Set<string>();
    for (let i = 0; i < noteIds.length; i += 100) {
      const chunk = noteIds.slice(i, i + 100);
      const read = await send(env, 'notes read', () => env.api.batchRead('notes', chunk, ['hs_note_body']));
      for (const note of read.results) {
        const body = note.properties.hs_note_body ?? '';
        for (const e of uncertain) {
          // Its own paragraph, exactly (event 1 is not event 12), and each note for one event only.
          if (e.dealId !== dealId || found.has(e.stateId) || adopted.has(note.id) || !body.includes(referenceParagraph(e))) continue;
          found.set(e.stateId, note.id);
          adopted.add(note.id);
        }
      }
    }
  }
  return { found, goneDeals };
}

/** Pushes one claimed batch of invoice events as notes on their deals' timelines. */
export async function pushNoteBatch(env: PushEnv, claimed: ClaimedNote[]): Promise<{ finished: number }> {
  const out = new Map<string, Finished>();
  const record = (e: ClaimedNote) => ({ stateId: e.stateId, version: '1', attempts: e.attempts, contentHash: 'note' });
  try {
    await scoped('timeline', async () => {
      // Whatever may have written before: a send in flight when its worker died or its reply was
      // lost, and any earlier failed attempt (kept through a replay: a 5xx may have written too).
      const uncertain = claimed.filter((e) => !e.hubspotId && (e.inFlightSince || e.tried || e.attempts > 0));
      const { found, goneDeals } = uncertain.length ? await recoverNotes(env, uncertain) : { found: new Map<string, string>(), goneDeals: new Set<string>() };
      const toCreate = [];
      for (const e of claimed) {
        const id = e.hubspotId ?? found.get(e.stateId);
        if (id) {
          out.set(e.stateId, done(record(e), id, 'synced'));
        } else if (goneDeals.has(e.dealId)) {
          out.set(e.stateId, { ...done(record(e), null, 'skipped'), reason: `HubSpot has no deal ${e.dealId} (deleted there?): this event is not on a timeline` });
        } else {
          toCreate.push(e);
        }
      }
      if (toCreate.length === 0) return;
      const locale = (await settingsRepo.get(env.db, env.portal.portalId)).locale;
      const ctx = { locale, publicBaseUrl: env.publicBaseUrl ?? '', key: env.pageTokenKey, nowMs: (env.clock ?? systemClock).now().getTime() };
      await writeOrBisect(
        env,
        NOTES,
        toCreate.map((e) => ({
          record: record(e),
          input: {
            objectWriteTraceId: e.stateId,
            properties: noteProperties(e, ctx),
            associations: [{ to: { id: e.dealId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_DEAL }] }],
          },
        })),
        (inputs) => env.api.batchCreate('notes', inputs),
        out,
        (outcome, items) => {
          const byTrace = new Map(outcome.results.filter((r) => r.objectWriteTraceId).map((r) => [r.objectWriteTraceId!, r.id]));
          for (const item of items) {
            const id = byTrace.get(item.record.stateId);
            if (id) {
              out.set(item.record.stateId, done(item.record, id, 'synced'));
              env.counts.notesWritten += 1;
              env.metrics?.syncRecords.inc({ type: 'note', outcome: 'created' });
            } else {
              out.set(item.record.stateId, refusedIn(NOTES, outcome, item.record));
            }
          }
        },
        // HubSpot does not deduplicate notes: only a refusal it did not act on is retried in place.
        { onlyUnprocessed: true },
      );
    });
  } catch (err) {
    if (err instanceof HubSpotError) retryLater(err, claimed.map(record), out, env, err.status === 429 ? 0 : (env.requestTimeoutMs ?? 20_000) + 5_000);
    else {
      await settle(env, NOTES, claimed, out);
      throw err;
    }
  }
  return { finished: await settle(env, NOTES, claimed, out) };
}
