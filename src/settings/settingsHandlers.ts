import { badRequest, validationFailed } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { amendSettings, replaceSettings } from './changeSettings.js';
import { given, SETTINGS_FIELDS, type SettingsInput, type SettingsPatchInput } from './settingsInput.js';
import * as settingsRepo from './settingsRepo.js';

const present = (s: settingsRepo.PortalSettings) => s;

/** GET /api/v1/portals/{portalId}/settings (unset fields are null). */
export const getSettings: Handler<{ params: { portalId: string } }> = async (deps, _req, res, { params }) => {
  res.json(present(await settingsRepo.get(deps.db, params.portalId)));
};

/**
 * PUT /api/v1/portals/{portalId}/settings: replaces the portal's settings with the body.
 *
 * A PUT is the whole document: a field it leaves out would be unset. That used to wipe the seller
 * block when someone sent only `{"cardEditors": [...]}`. So a PUT that leaves out a field that is
 * set now is refused (409 `settings_would_clear`, naming each such field) and nothing changes; a
 * field sent as null (or `[]` for cardEditors) is cleared, because that was asked for. To change
 * some fields only, use PATCH. A field that is unset now may be left out.
 */
export const putSettings: Handler<{ params: { portalId: string }; body: SettingsInput }> = async (deps, _req, res, { params: { portalId }, body }) => {
  const g = given(body);
  await replaceSettings(deps, portalId, g, res.locals.requestId as string | undefined);
  res.json(present(await settingsRepo.get(deps.db, portalId)));
};

/**
 * PATCH /api/v1/portals/{portalId}/settings: changes only the fields given (null clears one).
 * `addCardEditors` / `removeCardEditors` change the editors list without resending it, so the
 * request that makes a rep a settings editor (the settings page shows it) keeps everyone else.
 */
export const patchSettings: Handler<{ params: { portalId: string }; body: SettingsPatchInput }> = async (deps, _req, res, { params: { portalId }, body }) => {
  const { addCardEditors, removeCardEditors, ...fields } = body;
  const g = given(fields);
  if (Object.keys(g).length === 0 && !addCardEditors && !removeCardEditors) {
    throw badRequest('nothing_to_change', `Send at least one setting to change (${SETTINGS_FIELDS.join(', ')}, addCardEditors or removeCardEditors)`);
  }
  if (g.cardEditors && (addCardEditors || removeCardEditors)) {
    throw validationFailed([{ field: 'cardEditors', message: 'send either the whole list (cardEditors) or changes to it (addCardEditors, removeCardEditors), not both' }]);
  }
  await amendSettings(deps, portalId, g, { add: addCardEditors, remove: removeCardEditors }, res.locals.requestId as string | undefined);
  res.json(present(await settingsRepo.get(deps.db, portalId)));
};
