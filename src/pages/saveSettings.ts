import * as auditRepo from '../audit/auditRepo.js';
import type { Deps } from '../deps.js';
import { conflict, forbidden } from '../errors.js';
import type { Portal } from '../portals/portalRepo.js';
import { applyPortalPatch, type PortalPatch } from '../sync/pushSettings.js';
import * as settingsRepo from '../settings/settingsRepo.js';

type SettingsValues = Omit<settingsRepo.PortalSettings, 'updatedAt' | 'portalId' | 'cardEditors' | 'revision'>;

export interface SaveSettingsInput {
  portalId: string;
  /** The settings revision the page was opened with. */
  version: number;
  /** Every invoice setting (the editors are not changed from the card). */
  settings: SettingsValues & { cardEditors?: string[] | undefined };
  /** The portal when it is connected for the push: its push settings are audited with the rest. */
  portal: Portal | undefined;
  /** The push settings to change (only for a connected portal). */
  push: PortalPatch | undefined;
}

/** Refuses anyone but the portal's settings editors (see settingsRepo.mayEdit) with a 403. */
export async function requireSettingsEditor(db: Deps['db'], portalId: string, user: { userId: string; userEmail: string | null }): Promise<void> {
  if (!(await settingsRepo.mayEdit(db, await settingsRepo.get(db, portalId), user))) {
    throw forbidden('not_settings_editor', "Only this account's settings editors can change its settings: this page shows the request your finance admin can send to make you one.");
  }
}

/**
 * Saves a portal's invoice settings and, when the portal is connected for the push, the push
 * settings given, in one transaction, audited (before and after). A save from a page opened before
 * someone else's change (its `version` no longer the row's revision) is refused with a 409.
 */
export async function saveSettings(deps: Deps, input: SaveSettingsInput, ctx: { actor: auditRepo.Actor; requestId?: string | undefined }): Promise<void> {
  const { portalId, settings, portal, push } = input;
  await deps.db.transaction(async (trx) => {
    const before = await settingsRepo.get(trx, portalId, { lock: true });
    if (before.revision !== input.version) {
      throw conflict('settings_changed', 'These settings were changed by someone else after this page opened: close it and open it again to see their changes');
    }
    await settingsRepo.put(trx, { portalId, ...settings, cardEditors: undefined }, deps.clock.now());
    if (push && portal) await applyPortalPatch(deps, trx, portal, push);
    const { updatedAt: _b, cardEditors: _e, revision: _r, ...beforeFields } = before;
    const { cardEditors: _a, ...afterFields } = settings;
    await auditRepo.record(trx, {
      actor: ctx.actor,
      action: 'settings.update',
      portalId,
      before: {
        ...beforeFields,
        ...(portal ? { pushEnabled: portal.pushEnabled, productIdProperty: portal.productIdProperty, dealProperties: portal.dealPropertiesEnabled, dealTimeline: portal.dealTimelineEnabled } : {}),
      },
      after: { ...afterFields, ...(push ?? {}) },
      outcome: 'ok',
      requestId: ctx.requestId,
      at: deps.clock.now(),
    });
  });
}
