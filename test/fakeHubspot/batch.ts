/**
 * HubSpot's batch endpoints, as every batch route of the fake answers them (contacts and products
 * in fakeHubspot.ts, deals and notes in dealsAndNotes.ts).
 */

/** HubSpot's error answer: its status and body, thrown by a handler and sent as they are. */
export class HubSpotError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/**
 * The batch's inputs, or HubSpot's 400 for a missing list, more than 100 inputs or (`needId`)
 * duplicate ids (compared ignoring case).
 */
export function checkBatch(body: unknown, needId: boolean): Array<Record<string, unknown>> {
  const invalid = (message: string, extra: Record<string, unknown> = {}) => new HubSpotError(400, { status: 'error', message, category: 'VALIDATION_ERROR', ...extra });
  const inputs = (body as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs)) throw invalid('Invalid input JSON on line 1, column 1: inputs is required');
  if (inputs.length > 100) throw invalid(`Too many inputs: ${inputs.length}. The maximum number of inputs in a batch request is 100.`);
  if (needId) {
    const ids = inputs.map((i) => String((i as { id?: unknown })?.id).toLowerCase());
    const dup = [...new Set(ids.filter((id, n) => ids.indexOf(id) !== n))];
    if (dup.length) throw invalid(`Duplicate IDs found in batch input: [${dup.join(', ')}]. IDs must be unique`, { context: { ids: dup } });
  }
  return inputs as Array<Record<string, unknown>>;
}

/**
 * Runs a batch: with a trace id on every input, failures become per-input errors (207) and the
 * rest lands; otherwise the first failure fails the whole batch and nothing is written. `apply`
 * may answer undefined for an input that leaves no result.
 */
export function runBatch(
  inputs: Array<Record<string, unknown>>,
  check: (input: Record<string, unknown>) => HubSpotError | undefined,
  apply: (input: Record<string, unknown>) => Record<string, unknown> | undefined,
  okStatus: number,
): { status: number; body: Record<string, unknown> } {
  const traced = inputs.length > 0 && inputs.every((i) => typeof i.objectWriteTraceId === 'string');
  const startedAt = new Date().toISOString();
  if (!traced) {
    for (const input of inputs) {
      const err = check(input);
      if (err) throw err;
    }
    const results = inputs.map(apply).filter((r): r is Record<string, unknown> => r !== undefined);
    return { status: okStatus, body: { status: 'COMPLETE', results: shuffle(results), startedAt, completedAt: new Date().toISOString() } };
  }
  const results: Array<Record<string, unknown>> = [];
  const errors: Array<Record<string, unknown>> = [];
  for (const input of inputs) {
    const err = check(input);
    if (err) errors.push({ ...err.body, status: 'error', context: { ...((err.body.context as object) ?? {}), objectWriteTraceId: [input.objectWriteTraceId] } });
    else {
      const r = apply(input);
      if (r) results.push({ ...r, objectWriteTraceId: input.objectWriteTraceId });
    }
  }
  const body: Record<string, unknown> = { status: 'COMPLETE', results: shuffle(results), startedAt, completedAt: new Date().toISOString() };
  if (errors.length) Object.assign(body, { numErrors: errors.length, errors });
  return { status: errors.length ? 207 : okStatus, body };
}

/** HubSpot returns a batch's results in no particular order; so does the fake. */
export function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * A batch read's answer, as HubSpot gives it for every object type: 200 with the records found,
 * or 207 with them and one OBJECT_NOT_FOUND error listing every id not found (`label` is the
 * type as HubSpot's message spells it: CONTACT, PRODUCT, DEAL, NOTE).
 */
export function readBatch<T>(
  inputs: Array<Record<string, unknown>>,
  find: (id: string) => T | undefined,
  present: (record: T) => unknown,
  label: string,
): { status: number; body: Record<string, unknown> } {
  const results: unknown[] = [];
  const missing: string[] = [];
  for (const i of inputs) {
    const r = find(String(i.id));
    if (r) results.push(present(r));
    else missing.push(String(i.id));
  }
  const now = new Date().toISOString();
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
  if (missing.length) {
    body.numErrors = 1;
    body.errors = [
      { status: 'error', category: 'OBJECT_NOT_FOUND', message: `Could not get some ${label} objects, they may be deleted or not exist. Check that ids are valid.`, context: { ids: missing } },
    ];
  }
  return { status: missing.length ? 207 : 200, body };
}
