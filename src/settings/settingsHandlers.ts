import { validationFailed } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { check, compile } from '../http/validate.js';
import { isCurrency } from '../invoices/currencies.js';
import * as settingsRepo from './settingsRepo.js';

const text = (max: number) => ({ type: ['string', 'null'], maxLength: max }) as const;

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
}

const validateSettings = compile<SettingsInput>({
  type: 'object',
  additionalProperties: false,
  properties: {
    sellerName: text(200),
    sellerAddress: text(1000),
    sellerEmail: { anyOf: [{ type: 'string', format: 'email', maxLength: 254 }, { type: 'null' }] },
    sellerPhone: text(50),
    sellerTaxId: text(100),
    paymentInstructions: text(2000),
    invoiceFooter: text(1000),
    defaultCurrency: { anyOf: [{ type: 'string', pattern: '^[A-Z]{3}$' }, { type: 'null' }] },
    defaultPaymentTermsDays: { anyOf: [{ type: 'integer', minimum: 0, maximum: 3650 }, { type: 'null' }] },
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

/** PUT /api/v1/portals/{portalId}/settings: replace the portal's settings. */
export const putSettings: Handler = async (deps, req, res) => {
  const portalId = portalParam(req.params.portalId);
  const input = check(validateSettings, req.body ?? {});
  if (input.defaultCurrency && !isCurrency(input.defaultCurrency)) {
    throw validationFailed([{ field: 'defaultCurrency', message: `"${input.defaultCurrency}" is not an ISO 4217 currency code that can be invoiced` }]);
  }
  const blank = (v: string | null | undefined) => (v === undefined || v === null || v.trim() === '' ? null : v.trim());
  await settingsRepo.put(
    deps.db,
    {
      portalId,
      sellerName: blank(input.sellerName),
      sellerAddress: blank(input.sellerAddress),
      sellerEmail: blank(input.sellerEmail),
      sellerPhone: blank(input.sellerPhone),
      sellerTaxId: blank(input.sellerTaxId),
      paymentInstructions: blank(input.paymentInstructions),
      invoiceFooter: blank(input.invoiceFooter),
      defaultCurrency: input.defaultCurrency ?? null,
      defaultPaymentTermsDays: input.defaultPaymentTermsDays ?? null,
    },
    deps.clock.now(),
  );
  res.json(present(await settingsRepo.get(deps.db, portalId)));
};
