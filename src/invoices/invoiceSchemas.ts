import { EXTERNAL_ID_PATTERN } from '../catalog/catalogKinds.js';
import { compile } from '../http/validate.js';

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
  pattern: '^[1-9][0-9]{0,17}$',
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'must be a HubSpot id (digits only)',
} as const;

const externalId = {
  type: 'string',
  pattern: EXTERNAL_ID_PATTERN,
  description: 'must be 1-100 characters: letters, digits and . _ : @ / - (starting with a letter or digit)',
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
  issueDate: { type: 'string', format: 'date' },
  dueDate: { type: 'string', format: 'date' },
  paymentTermsDays: { type: 'integer', minimum: 0, maximum: 3650 },
  contactExternalId: { anyOf: [externalId, { type: 'null' }] },
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

export const validatePayment = compile<PaymentInput>({
  type: 'object',
  additionalProperties: false,
  required: ['amount'],
  properties: {
    amount: decimal,
    date: { type: 'string', format: 'date' },
    method: { type: ['string', 'null'], maxLength: 100 },
    reference: { type: ['string', 'null'], maxLength: 200 },
  },
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
    portalId: { type: 'string', pattern: '^[1-9][0-9]{0,17}$', description: 'must be a HubSpot id (digits only)' },
    dealId: { type: 'string', pattern: '^[1-9][0-9]{0,17}$', description: 'must be a HubSpot id (digits only)' },
    status: { enum: ['draft', 'open', 'paid', 'void'] },
    includeDeleted: { enum: ['true', 'false'] },
    limit: { type: 'string', pattern: '^([1-9][0-9]?|1[0-9][0-9]|200)$', description: 'must be a whole number from 1 to 200' },
    before: { type: 'string', pattern: '^[1-9][0-9]{0,18}$', description: 'must be an invoice id (the nextBefore of the previous page)' },
  },
});
