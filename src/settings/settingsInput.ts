import { type FieldError, validationFailed } from '../errors.js';
import { check, compile } from '../http/validate.js';
import { isCurrency } from '../money/currencies.js';
import { HUBSPOT_ID_MESSAGE, isHubSpotId } from '../shared/hubspotId.js';
import type * as settingsRepo from './settingsRepo.js';

const text = (max: number) => ({ type: ['string', 'null'], maxLength: max }) as const;

/**
 * A HubSpot user id, or an email address. Written so that no string can match it two ways (the
 * domain is dot-separated labels that hold no dot): the old `[^@\s]+\.[^@\s]+` could split a run
 * of dots anywhere, which took 15 s for 240,000 characters. Linear now, and behind maxLength.
 */
const EDITOR = '^(?:[1-9][0-9]{0,17}|[^@\\s]+@[^@\\s.]+(?:\\.[^@\\s.]+)+)$';

export interface SettingsInput {
  sellerName?: string | null;
  sellerAddress?: string | null;
  sellerEmail?: string | null;
  sellerPhone?: string | null;
  sellerTaxId?: string | null;
  paymentInstructions?: string | null;
  invoiceFooter?: string | null;
  defaultCurrency?: string | null;
  defaultPaymentTermsDays?: number | null;
  locale?: string | null;
  cardEditors?: string[];
}

/** The settings a PUT replaces and a PATCH changes, in the order answers list them. */
export const SETTINGS_FIELDS = [
  'sellerName',
  'sellerAddress',
  'sellerEmail',
  'sellerPhone',
  'sellerTaxId',
  'paymentInstructions',
  'invoiceFooter',
  'defaultCurrency',
  'defaultPaymentTermsDays',
  'locale',
  'cardEditors',
] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

/** Most settings editors a portal may list. */
export const MAX_EDITORS = 200;
const editors = {
  type: 'array',
  maxItems: MAX_EDITORS,
  items: { type: 'string', maxLength: 254, pattern: EDITOR, description: 'must be a HubSpot user id (digits) or an email address' },
} as const;

const settingsProperties = {
  sellerName: text(200),
  sellerAddress: text(1000),
  sellerEmail: { type: ['string', 'null'], format: 'email', maxLength: 254, description: 'must be an email address, like billing@example.com' },
  sellerPhone: text(50),
  sellerTaxId: text(100),
  paymentInstructions: text(2000),
  invoiceFooter: text(1000),
  defaultCurrency: { type: ['string', 'null'], pattern: '^[A-Z]{3}$', description: 'must be a three-letter ISO 4217 code in capitals, like EUR' },
  defaultPaymentTermsDays: { type: ['integer', 'null'], minimum: 0, maximum: 3650 },
  // A BCP 47 language tag; each subtag is delimited, so the pattern runs in linear time.
  locale: { type: ['string', 'null'], maxLength: 35, pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$', description: 'must be a BCP 47 language tag such as en-GB or de-DE' },
  cardEditors: editors,
} as const;

/**
 * Values well formed but unusable, found in the raw body beside the schema's problems: an unknown
 * currency, a locale this service's Intl cannot format in (each looked at only when it has the
 * schema's shape, so this reads at most 35 characters).
 */
function unusableValues(body: unknown): FieldError[] {
  const b = (body ?? {}) as { defaultCurrency?: unknown; locale?: unknown };
  const extra: FieldError[] = [];
  if (typeof b.defaultCurrency === 'string' && /^[A-Z]{3}$/.test(b.defaultCurrency) && !isCurrency(b.defaultCurrency)) {
    extra.push({ field: 'defaultCurrency', message: `"${b.defaultCurrency}" is not an ISO 4217 currency code that can be invoiced` });
  }
  if (typeof b.locale === 'string' && b.locale.length <= 35 && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$/.test(b.locale) && !supportedLocale(b.locale)) {
    extra.push({ field: 'locale', message: `"${b.locale}" is not a locale the service can format dates and numbers in` });
  }
  return extra;
}

/** A settings body (PUT, and the settings page's `settings`): every problem at once, the schema's and unusableValues'. */
export const validateSettings = compile<SettingsInput>({ type: 'object', additionalProperties: false, properties: settingsProperties }, { refine: unusableValues });

export interface SettingsPatchInput extends SettingsInput {
  addCardEditors?: string[];
  removeCardEditors?: string[];
}

/** A settings PATCH body: the settings' fields and changes to the editors list. */
export const validateSettingsPatch = compile<SettingsPatchInput>(
  {
    type: 'object',
    additionalProperties: false,
    properties: { ...settingsProperties, addCardEditors: editors, removeCardEditors: editors },
  },
  { refine: unusableValues },
);

/** The path's portal id (a 400 naming it when it is not a HubSpot id). */
export function settingsParams(params: Record<string, string>): { portalId: string } {
  const id = String(params.portalId);
  if (!isHubSpotId(id)) throw validationFailed([{ field: 'portalId', message: HUBSPOT_ID_MESSAGE }]);
  return { portalId: id };
}

export type SettingsValues = Omit<settingsRepo.PortalSettings, 'updatedAt' | 'portalId' | 'cardEditors' | 'revision'>;
export type GivenSettings = Partial<SettingsValues> & { cardEditors?: string[] };

const blank = (v: string | null | undefined) => (v === undefined || v === null || v.trim() === '' ? null : v.trim());
export const normalEditors = (list: readonly string[]) => [...new Set(list.map((e) => e.trim().toLowerCase()))];

/** The canonical form of a locale tag the service's Intl can format in ("de-de" → "de-DE"), or null. */
function supportedLocale(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && Intl.DateTimeFormat.supportedLocalesOf([canonical]).length > 0 ? canonical : null;
  } catch {
    return null;
  }
}

/** Only the fields present in the input, normalised: blank text means unset (null). */
export function given(input: SettingsInput): GivenSettings {
  const out: GivenSettings = {};
  for (const f of ['sellerName', 'sellerAddress', 'sellerEmail', 'sellerPhone', 'sellerTaxId', 'paymentInstructions', 'invoiceFooter'] as const) {
    if (input[f] !== undefined) out[f] = blank(input[f]);
  }
  if (input.defaultCurrency !== undefined) out.defaultCurrency = input.defaultCurrency;
  if (input.defaultPaymentTermsDays !== undefined) out.defaultPaymentTermsDays = input.defaultPaymentTermsDays;
  if (input.locale !== undefined) out.locale = input.locale === null ? null : supportedLocale(input.locale);
  if (input.cardEditors !== undefined) out.cardEditors = normalEditors(input.cardEditors);
  return out;
}

/** Validates a settings body (every field optional; blank means unset); throws a 400 listing each problem. */
export function checkSettings(body: unknown): SettingsValues & { cardEditors?: string[] | undefined } {
  const g = given(check(validateSettings, body ?? {}));
  return {
    sellerName: g.sellerName ?? null,
    sellerAddress: g.sellerAddress ?? null,
    sellerEmail: g.sellerEmail ?? null,
    sellerPhone: g.sellerPhone ?? null,
    sellerTaxId: g.sellerTaxId ?? null,
    paymentInstructions: g.paymentInstructions ?? null,
    invoiceFooter: g.invoiceFooter ?? null,
    defaultCurrency: g.defaultCurrency ?? null,
    defaultPaymentTermsDays: g.defaultPaymentTermsDays ?? null,
    locale: g.locale ?? null,
    cardEditors: g.cardEditors,
  };
}
