import type { Knex } from 'knex';
import * as auditRepo from '../audit/auditRepo.js';
import type { Deps } from '../deps.js';
import { conflict, validationFailed } from '../errors.js';
import { type GivenSettings, MAX_EDITORS, normalEditors, SETTINGS_FIELDS, type SettingsField, type SettingsValues } from './settingsInput.js';
import * as settingsRepo from './settingsRepo.js';

const isSet = (s: settingsRepo.PortalSettings, f: SettingsField) => (f === 'cardEditors' ? s.cardEditors.length > 0 : s[f] !== null);

/** What an audit entry keeps of the settings: every field, without the bookkeeping. */
const auditView = (s: settingsRepo.PortalSettings) => Object.fromEntries(SETTINGS_FIELDS.map((f) => [f, s[f]]));

/**
 * Writes the portal's new settings (`next` is every field) in the caller's transaction, audited
 * like a save from the settings page: the accounting system as the actor, before and after.
 */
async function save(deps: Deps, trx: Knex.Transaction, before: settingsRepo.PortalSettings, next: SettingsValues & { cardEditors: string[] }, requestId: string | undefined): Promise<void> {
  const now = deps.clock.now();
  await settingsRepo.put(trx, { portalId: before.portalId, ...next }, now);
  const after = await settingsRepo.get(trx, before.portalId);
  await auditRepo.record(trx, {
    actor: { type: 'api' },
    action: 'settings.update',
    portalId: before.portalId,
    before: auditView(before),
    after: auditView(after),
    outcome: 'ok',
    requestId,
    at: now,
  });
}

const valuesOf = (s: settingsRepo.PortalSettings): SettingsValues & { cardEditors: string[] } => {
  const { portalId: _p, updatedAt: _u, revision: _r, ...values } = s;
  return values;
};

/**
 * Replaces the portal's settings with `g` (a PUT: every field), audited, in one transaction. A
 * field left out that is set now would be cleared: refused (409 `settings_would_clear`, naming
 * each), and nothing changes; a field given as null (cardEditors as []) is cleared on purpose.
 */
export async function replaceSettings(deps: Deps, portalId: string, g: GivenSettings, requestId: string | undefined): Promise<void> {
  await deps.db.transaction(async (trx) => {
    await settingsRepo.ensureRow(trx, portalId, deps.clock.now());
    const before = await settingsRepo.get(trx, portalId, { lock: true });
    const cleared = SETTINGS_FIELDS.filter((f) => !(f in g) && isSet(before, f));
    if (cleared.length > 0) {
      throw conflict(
        'settings_would_clear',
        `This PUT leaves out ${cleared.join(', ')}, which ${cleared.length === 1 ? 'is' : 'are'} set now: a PUT replaces all settings, so it would clear ${cleared.length === 1 ? 'it' : 'them'}. ` +
          `Nothing was changed. To change only some settings, send them with PATCH /api/v1/portals/${portalId}/settings; to clear a setting on purpose, send it as null (cardEditors as []).`,
        cleared.map((field) => ({ field, message: 'is set now, and this PUT would clear it: send it, send null to clear it, or use PATCH' })),
      );
    }
    await save(deps, trx, before, { ...valuesOf(settingsRepo.emptySettings(portalId)), ...g, cardEditors: g.cardEditors ?? [] }, requestId);
  });
}

/**
 * Changes only the fields in `g` (a PATCH), and the editors list by `add` / `remove` without
 * resending it, audited, in one transaction; at most MAX_EDITORS editors.
 */
export async function amendSettings(
  deps: Deps,
  portalId: string,
  g: GivenSettings,
  editors: { add?: string[] | undefined; remove?: string[] | undefined },
  requestId: string | undefined,
): Promise<void> {
  await deps.db.transaction(async (trx) => {
    await settingsRepo.ensureRow(trx, portalId, deps.clock.now());
    const before = await settingsRepo.get(trx, portalId, { lock: true });
    const removed = new Set(normalEditors(editors.remove ?? []));
    const cardEditors = g.cardEditors ?? normalEditors([...before.cardEditors, ...(editors.add ?? [])]).filter((e) => !removed.has(e));
    if (cardEditors.length > MAX_EDITORS) throw validationFailed([{ field: 'addCardEditors', message: `would make ${cardEditors.length} settings editors; at most ${MAX_EDITORS} are allowed` }]);
    await save(deps, trx, before, { ...valuesOf(before), ...g, cardEditors }, requestId);
  });
}
