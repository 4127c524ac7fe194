import { ValidationFailure, validationFailed } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { check, compile } from '../http/validate.js';
import { isCurrency } from '../invoices/currencies.js';
import * as settingsRepo from './settingsRepo.js';

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
  cardEditors?: string[];
}

const validateSettings = compile<SettingsInput>({
  type: 'object',
  additionalProperties: false,
  properties: {
    sellerName: text(200),
    sellerAddress: text(1000),
    sellerEmail: { type: ['string', 'null'], format: 'email', maxLength: 254, description: 'must be an email address, like billing@example.com' },
    sellerPhone: text(50),
    sellerTaxId: text(100),
    paymentInstructions: text(2000),
    invoiceFooter: text(1000),
    defaultCurrency: { type: ['string', 'null'], pattern: '^[A-Z]{3}$', description: 'must be a three-letter ISO 4217 code in capitals, like EUR' },
    defaultPaymentTermsDays: { type: ['integer', 'null'], minimum: 0, maximum: 3650 },
    cardEditors: {
      type: 'array',
      maxItems: 200,
      items: { type: 'string', maxLength: 254, pattern: EDITOR, description: 'must be a HubSpot user id (digits) or an email address' },
    },
  },
});

const PORTAL = /^[1-9][0-9]{0,17}$/;

function portalParam(raw: unknown): string {
  const id = String(raw);
  if (!PORTAL.test(id)) throw validationFailed([{ field: 'portalId', message: 'must be a HubSpot id (digits only)' }]);
  return id;
}

const present = (s: settingsRepo.PortalSettings) => s;

/** GET /api/v1/portals/{portalId}/settings (unset fields are null). */
export const getSettings: Handler = async (deps, req, res) => {
  res.json(present(await settingsRepo.get(deps.db, portalParam(req.params.portalId))));
};

/** Validates a settings body (every field optional; blank means unset); throws a 400 listing each problem. */
export function checkSettings(body: unknown): Omit<settingsRepo.PortalSettings, 'updatedAt' | 'portalId' | 'cardEditors' | 'revision'> & { cardEditors?: string[] | undefined } {
  // Every problem at once: the schema's, and a well-formed currency code nobody invoices in.
  const currency = (body as { defaultCurrency?: unknown } | null)?.defaultCurrency;
  const unknownCurrency =
    typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) && !isCurrency(currency)
      ? [{ field: 'defaultCurrency', message: `"${currency}" is not an ISO 4217 currency code that can be invoiced` }]
      : [];
  let input: SettingsInput;
  try {
    input = check(validateSettings, body ?? {});
  } catch (err) {
    if (err instanceof ValidationFailure) throw validationFailed([...err.problems, ...unknownCurrency]);
    throw err;
  }
  if (unknownCurrency.length > 0) throw validationFailed(unknownCurrency);
  const blank = (v: string | null | undefined) => (v === undefined || v === null || v.trim() === '' ? null : v.trim());
  return {
    sellerName: blank(input.sellerName),
    sellerAddress: blank(input.sellerAddress),
    sellerEmail: blank(input.sellerEmail),
    sellerPhone: blank(input.sellerPhone),
    sellerTaxId: blank(input.sellerTaxId),
    paymentInstructions: blank(input.paymentInstructions),
    invoiceFooter: blank(input.invoiceFooter),
    defaultCurrency: input.defaultCurrency ?? null,
    defaultPaymentTermsDays: input.defaultPaymentTermsDays ?? null,
    cardEditors: input.cardEditors === undefined ? undefined : [...new Set(input.cardEditors.map((e) => e.trim().toLowerCase()))],
  };
}

/** PUT /api/v1/portals/{portalId}/settings: replace the portal's settings (the card editors only when given). */
export const putSettings: Handler = async (deps, req, res) => {
  const portalId = portalParam(req.params.portalId);
  await settingsRepo.put(deps.db, { portalId, ...checkSettings(req.body) }, deps.clock.now());
  res.json(present(await settingsRepo.get(deps.db, portalId)));
};
