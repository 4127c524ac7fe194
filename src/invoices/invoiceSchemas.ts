import { EXTERNAL_ID_PATTERN } from '../catalog/catalogKinds.js';
import { ajv, compile, rowId, validationCost } from '../http/validate.js';
import { HUBSPOT_ID_MESSAGE, HUBSPOT_ID_PATTERN, hubspotIdSchema } from '../shared/hubspotId.js';

/** Most lines one invoice may have. */
export const MAX_LINES = 500;

const decimal = {
  type: 'string',
  maxLength: 40,
  pattern: '^-?[0-9]+(\\.[0-9]+)?$',
  description: 'must be a decimal number written as a string, like "12.50"',
} as const;

/** HubSpot ids (portal, deal) arrive as digit strings or JSON integers; both are accepted. */
export const hubspotId = {
  type: ['string', 'integer'],
  pattern: HUBSPOT_ID_PATTERN,
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: HUBSPOT_ID_MESSAGE,
} as const;

const externalId = {
  type: 'string',
  pattern: EXTERNAL_ID_PATTERN,
  description: 'must be 1-100 characters: letters, digits and . _ : @ / - (starting with a letter or digit)',
} as const;

/**
 * Invoice and payment dates: real calendar dates from 2000-01-01 to 2099-12-31. Wider than any
 * invoice this service will see (HubSpot itself dates from 2006; a due date from terms of up to
 * ten years still fits), narrow enough to catch a mistyped year ("0202-05-01", "20256-01-01") and
 * to keep every date a due date is computed from, the PDF prints and PostgreSQL stores in range:
 * 9999-12-31 plus 30 days of terms was year 10000, and 0000-01-01 is no date PostgreSQL has.
 */
export const INVOICE_DATE_MIN = '2000-01-01';
export const INVOICE_DATE_MAX = '2099-12-31';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
ajv.addFormat('invoice-date', {
  type: 'string',
  validate: (s: string) => {
    validationCost.patternChars += s.length;
    const m = DATE.exec(s);
    if (!m || s < INVOICE_DATE_MIN || s > INVOICE_DATE_MAX) return false;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
  },
});
export const invoiceDate = {
  type: 'string',
  format: 'invoice-date',
  description: `must be a date from ${INVOICE_DATE_MIN} to ${INVOICE_DATE_MAX}, written YYYY-MM-DD`,
} as const;

export const lineSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['quantity'],
  properties: {
    description: { type: 'string', minLength: 1, maxLength: 2000 },
    quantity: decimal,
    unitPrice: decimal,
    productExternalId: externalId,
    discount: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['type', 'value'],
      properties: { type: { enum: ['percent', 'amount'] }, value: decimal },
    },
    taxRate: decimal,
  },
} as const;

const invoiceNumber = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$',
  description: 'must be 1-40 characters: letters, digits and . _ / - (starting with a letter or digit)',
} as const;

const common = {
  currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'must be an ISO 4217 code in capitals, like "EUR"' },
  issueDate: invoiceDate,
  dueDate: invoiceDate,
  paymentTermsDays: { type: 'integer', minimum: 0, maximum: 3650 },
  contactExternalId: { ...externalId, type: ['string', 'null'] },
  lines: { type: 'array', minItems: 1, maxItems: MAX_LINES, items: lineSchema },
  number: invoiceNumber,
  memo: { type: ['string', 'null'], maxLength: 5000 },
} as const;

export interface LineInput {
  description?: string;
  quantity: string;
  unitPrice?: string;
  productExternalId?: string;
  discount?: { type: 'percent' | 'amount'; value: string } | null;
  taxRate?: string;
}

export interface CreateInvoiceInput {
  portalId: string | number;
  dealId: string | number;
  currency: string;
  issueDate?: string;
  dueDate?: string;
  paymentTermsDays?: number;
  contactExternalId?: string | null;
  lines: LineInput[];
  number?: string;
  status?: 'draft' | 'open';
  memo?: string | null;
}

export const validateCreateInvoice = compile<CreateInvoiceInput>({
  type: 'object',
  additionalProperties: false,
  required: ['portalId', 'dealId', 'currency', 'lines'],
  properties: { portalId: hubspotId, dealId: hubspotId, ...common, status: { enum: ['draft', 'open'] } },
});

export interface PatchInvoiceInput {
  dealId?: string | number;
  currency?: string;
  issueDate?: string;
  dueDate?: string;
  paymentTermsDays?: number;
  contactExternalId?: string | null;
  lines?: LineInput[];
  number?: string;
  memo?: string | null;
  status?: 'open' | 'void';
  voidReason?: string;
}

export const validatePatchInvoice = compile<PatchInvoiceInput>({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    dealId: hubspotId,
    ...common,
    status: { enum: ['open', 'void'] },
    voidReason: { type: 'string', minLength: 1, maxLength: 1000 },
  },
});

export interface PaymentInput {
  amount: string;
  date?: string;
  method?: string | null;
  reference?: string | null;
}

/** A payment's fields, wherever one is recorded (the API, the payment page, the app card). */
export const paymentProperties = {
  amount: decimal,
  date: invoiceDate,
  method: { type: ['string', 'null'], maxLength: 100 },
  reference: { type: ['string', 'null'], maxLength: 200 },
} as const;

export const validatePayment = compile<PaymentInput>({
  type: 'object',
  additionalProperties: false,
  required: ['amount'],
  properties: paymentProperties,
});

export interface ListInvoicesQuery {
  portalId?: string;
  dealId?: string;
  status?: 'draft' | 'open' | 'paid' | 'void';
  includeDeleted?: 'true' | 'false';
  limit?: string;
  before?: string;
}

export const validateListInvoices = compile<ListInvoicesQuery>({
  type: 'object',
  additionalProperties: false,
  properties: {
    portalId: hubspotIdSchema(),
    dealId: hubspotIdSchema(),
    status: { enum: ['draft', 'open', 'paid', 'void'] },
    includeDeleted: { enum: ['true', 'false'] },
    limit: { type: 'string', pattern: '^([1-9][0-9]?|1[0-9][0-9]|200)$', description: 'must be a whole number from 1 to 200' },
    before: rowId('must be an invoice id (the nextBefore of the previous page)'),
  },
});
