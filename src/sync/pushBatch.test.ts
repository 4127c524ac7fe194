import { describe, expect, it } from 'vitest';
import { type BatchInput, type BatchOutcome, HubSpotError } from '../hubspot/hubspotApi.js';
import { createLogger } from '../log.js';
import type { Portal } from '../portals/portalRepo.js';
import { CONTACTS, type Finished, type PushEnv, type Sent, writeOrBisect } from './pushBatch.js';
import type { RateBudget } from './rateBudget.js';
import { emptyCounts } from './syncRunRepo.js';
import type { ClaimedRecord } from './syncStateRepo.js';

const budget = { take: async () => undefined, adapt: () => undefined, backOff: async () => undefined } as unknown as RateBudget;
const env = { budget, log: createLogger('silent'), counts: emptyCounts(), portal: { productIdProperty: 'accounting_external_id' } as Portal } as unknown as PushEnv;

function items(n: number): Sent[] {
  return Array.from({ length: n }, (_, i) => ({
    record: { stateId: String(i), externalId: `c${i}`, hubspotId: null, inFlightSince: null, attempts: 0, version: '1', contentHash: 'h', archived: false, content: {} } as ClaimedRecord,
    input: { id: `c${i}@x.example`, idProperty: 'email', properties: {} },
  }));
}

/** A HubSpot that refuses any batch containing one of `bad`, whole (no trace ids). */
function hubspot(bad: Set<string>) {
  const calls: number[] = [];
  const write = async (inputs: BatchInput[]): Promise<BatchOutcome> => {
    calls.push(inputs.length);
    if (inputs.some((i) => bad.has(i.id!))) throw new HubSpotError('Property values were not valid', 400, { category: 'VALIDATION_ERROR' }, {});
    return { status: 200, headers: {}, errors: [], results: inputs.map((i) => ({ id: `hs-${i.id}`, properties: { email: i.id! } })) };
  };
  return { write, calls };
}

describe('batching', () => {
  it('halves a refused batch until the bad record stands alone; every other record lands', async () => {
    const { write, calls } = hubspot(new Set(['c37@x.example']));
    const out = new Map<string, Finished>();
    const landed: string[] = [];
    await writeOrBisect(env, CONTACTS, items(100), write, out, (o) => landed.push(...o.results.map((r) => r.id)));
    expect(landed).toHaveLength(99);
    expect([...out.keys()]).toEqual(['37']);
    expect(out.get('37')).toMatchObject({ state: 'failed', error: { status: 400, category: 'VALIDATION_ERROR' } });
    expect(calls.length).toBeLessThanOrEqual(1 + 2 * 7); // one request, then two per halving level
  });

  it('isolates several bad records and sends a clean batch once', async () => {
    const bad = hubspot(new Set(['c0@x.example', 'c99@x.example', 'c50@x.example']));
    const out = new Map<string, Finished>();
    let landed = 0;
    await writeOrBisect(env, CONTACTS, items(100), bad.write, out, (o) => (landed += o.results.length));
    expect(landed).toBe(97);
    expect([...out.keys()].sort()).toEqual(['0', '50', '99']);
    const clean = hubspot(new Set());
    await writeOrBisect(env, CONTACTS, items(100), clean.write, new Map(), () => undefined);
    expect(clean.calls).toEqual([100]);
  });

  it('does not halve on transient failures: those go back to the caller to retry', async () => {
    let n = 0;
    const write = async (): Promise<BatchOutcome> => {
      n += 1;
      throw new HubSpotError('internal error', 500, {}, {});
    };
    await expect(writeOrBisect({ ...env, random: () => 0 }, CONTACTS, items(10), write, new Map(), () => undefined)).rejects.toThrow('internal error');
    expect(n).toBe(4); // tried in place, then handed back whole
  });
});
