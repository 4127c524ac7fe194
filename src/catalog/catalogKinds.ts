import crypto from 'node:crypto';
import type { FieldError } from '../errors.js';
import { canonicalJson } from '../shared/canonicalJson.js';
import { currencyExponent, isCurrency } from '../money/currencies.js';
import { DecimalFormatError, formatDecimal, parseDecimal, UNIT_PRICE_SCALE } from '../money/money.js';

/**
 * Contacts and products: the two record kinds the accounting system pushes in (and the sync pushes
 * on to HubSpot). Both follow the same rules, so one generic set of handlers and one repo serve
 * both; what differs lives here.
 */

const text = (max: number) => ({ type: ['string', 'null'], maxLength: max }) as const;

export const EXTERNAL_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$';

export const contactSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    email: { type: ['string', 'null'], format: 'email', maxLength: 254 },
    firstName: text(200),
    lastName: text(200),
    phone: text(50),
    company: text(200),
    address: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        line1: text(200),
        line2: text(200),
        city: text(200),
        region: text(200),
        postalCode: text(40),
        country: text(100),
      },
    },
  },
} as const;

export const productSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'price', 'currency'],
  properties: {
    sku: text(100),
    name: { type: 'string', minLength: 1, maxLength: 500 },
    description: text(5000),
    price: { type: 'string', maxLength: 40 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'must be an ISO 4217 code in capitals, like "EUR"' },
    type: { enum: ['service', 'inventory', 'non_inventory'] },
  },
} as const;

export interface ContactInput {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  company?: string | null;
  address?: Partial<Record<'line1' | 'line2' | 'city' | 'region' | 'postalCode' | 'country', string | null>> | null;
}

export interface ProductInput {
  sku?: string | null;
  name: string;
  description?: string | null;
  price: string;
  currency: string;
  type?: 'service' | 'inventory' | 'non_inventory';
}

/** What every stored record carries beside its content. */
interface StoredRecord {
  externalId: string;
  /** Set once the record is archived (a tombstone: the sync archives it in HubSpot). */
  archivedAt: Date | null;
  /** Goes up by one whenever the content changes; the sync pushes a record whose version is ahead of HubSpot's. */
  version: string;
  createdAt: Date;
  updatedAt: Date;
}

export type Address = Partial<Record<'line1' | 'line2' | 'city' | 'region' | 'postalCode' | 'country', string>>;

/** A contact as the accounting system last sent it. */
export interface Contact extends StoredRecord {
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  company: string | null;
  address: Address | null;
}

/** A product as the accounting system last sent it. */
export interface Product extends StoredRecord {
  sku: string | null;
  name: string;
  description: string | null;
  /** The unit price as stored: a decimal string with six decimals ("12.500000"). */
  price: string;
  /** ISO 4217 code. */
  currency: string;
  type: 'service' | 'inventory' | 'non_inventory';
}

/** The record type of each kind. */
export interface CatalogRecords {
  contact: Contact;
  product: Product;
}
export type CatalogName = keyof CatalogRecords;
export type CatalogRecord = CatalogRecords[CatalogName];

/** One kind of record: its table, how input becomes columns, how a record is presented. */
export interface CatalogKind<I, N extends CatalogName = CatalogName> {
  name: N;
  label: string;
  table: 'contacts' | 'products';
  schema: object;
  /** Semantic checks beyond the schema; returns problems with field names relative to the item. */
  check(input: I): FieldError[];
  /** The content columns (no id, hash, timestamps), normalised. */
  toColumns(input: I): Record<string, unknown>;
  present(record: CatalogRecords[N]): Record<string, unknown>;
}

const nullIfBlank = (v: string | null | undefined): string | null => (v === undefined || v === null || v.trim() === '' ? null : v.trim());

export const contactKind: CatalogKind<ContactInput, 'contact'> = {
  name: 'contact',
  label: 'Contact',
  table: 'contacts',
  schema: contactSchema,
  check: () => [],
  toColumns(input) {
    const address = input.address
      ? Object.fromEntries(
          Object.entries(input.address)
            .map(([k, v]) => [k, nullIfBlank(v)])
            .filter(([, v]) => v !== null),
        )
      : null;
    return {
      email: nullIfBlank(input.email),
      first_name: nullIfBlank(input.firstName),
      last_name: nullIfBlank(input.lastName),
      phone: nullIfBlank(input.phone),
      company: nullIfBlank(input.company),
      address: address && Object.keys(address).length > 0 ? address : null,
    };
  },
  present(c) {
    return {
      externalId: c.externalId,
      email: c.email,
      firstName: c.firstName,
      lastName: c.lastName,
      phone: c.phone,
      company: c.company,
      address: c.address,
    };
  },
};

export const productKind: CatalogKind<ProductInput, 'product'> = {
  name: 'product',
  label: 'Product',
  table: 'products',
  schema: productSchema,
  check(input) {
    const errors: FieldError[] = [];
    if (!isCurrency(input.currency)) errors.push({ field: 'currency', message: `is not an ISO 4217 currency code` });
    try {
      const price = parseDecimal(input.price, UNIT_PRICE_SCALE);
      if (price.units < 0n) errors.push({ field: 'price', message: 'must not be negative' });
    } catch (err) {
      if (!(err instanceof DecimalFormatError)) throw err;
      errors.push({ field: 'price', message: err.message });
    }
    return errors;
  },
  toColumns(input) {
    return {
      sku: nullIfBlank(input.sku),
      name: input.name.trim(),
      description: nullIfBlank(input.description),
      price: formatDecimal(parseDecimal(input.price, UNIT_PRICE_SCALE)),
      currency: input.currency,
      type: input.type ?? 'service',
    };
  },
  present(p) {
    return {
      externalId: p.externalId,
      sku: p.sku,
      name: p.name,
      description: p.description,
      // At least the currency's decimals: "12.50" EUR, "1200" JPY, "0.0125" USD.
      price: formatDecimal(parseDecimal(p.price, 12), isCurrency(p.currency) ? currencyExponent(p.currency) : 0),
      currency: p.currency,
      type: p.type,
    };
  },
};

/**
 * Hash of a record's content columns, with keys sorted so the same content always hashes the
 * same. The sync compares it with the hash it last pushed to decide what changed.
 */
export function contentHash(columns: Record<string, unknown>): string {
  return crypto.createHash('sha256').update(canonicalJson(columns)).digest('hex');
}
