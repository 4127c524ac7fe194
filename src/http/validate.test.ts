import { describe, expect, it } from 'vitest';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { AppError, clip, MAX_DETAILS, validationFailed } from '../errors.js';
import { check, compile, isEmail, isRowId, validationCost } from './validate.js';

const validate = compile<{ a: string; list: Array<{ n: number }> }>({
  type: 'object',
  additionalProperties: false,
  required: ['a', 'list'],
  properties: {
    a: { type: 'string', pattern: '^x+$', description: 'must be made of x' },
    list: { type: 'array', items: { type: 'object', required: ['n'], properties: { n: { type: 'integer', enum: [1, 2] } } } },
    d: { type: 'string', format: 'date' },
  },
});

function errorsOf(value: unknown) {
  try {
    check(validate, value);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).details;
  }
  throw new Error('expected a validation error');
}

describe('check', () => {
  it('names each invalid field with a path and a readable message', () => {
    expect(errorsOf({ a: 'y', list: [{ n: 3 }, {}], extra: 1, d: '2026-13-01' })).toEqual([
      { field: 'extra', message: 'is not a known field' },
      { field: 'a', message: 'must be made of x' },
      { field: 'list[0].n', message: 'must be one of 1, 2' },
      { field: 'list[1].n', message: 'is required' },
      { field: 'd', message: 'must be a valid date (YYYY-MM-DD)' },
    ]);
    expect(errorsOf({})).toEqual([
      { field: 'a', message: 'is required' },
      { field: 'list', message: 'is required' },
    ]);
    expect(errorsOf('nope')).toEqual([{ field: '(body)', message: 'must be object' }]);
  });

  it('returns the value when it is valid', () => {
    expect(check(validate, { a: 'xx', list: [] })).toEqual({ a: 'xx', list: [] });
  });
});

describe('size first', () => {
  const editors = compile<{ editors: string[] }>({
    type: 'object',
    additionalProperties: false,
    properties: { editors: { type: 'array', maxItems: 3, items: { type: 'string', maxLength: 20, pattern: '^[a-z]+$', description: 'must be letters' } } },
  });

  it('answers a value past its limit with that one problem, before any pattern reads it', () => {
    const before = validationCost.patternChars;
    check(editors, { editors: ['ok'] });
    expect(validationCost.patternChars - before).toBe(2);
    const read = validationCost.patternChars;
    try {
      check(editors, { editors: ['ok', '!'.repeat(240_000), '!'] });
    } catch (err) {
      expect((err as AppError).details).toEqual([{ field: 'editors[1]', message: 'must NOT have more than 20 characters' }]);
    }
    expect(validationCost.patternChars - read).toBe(0);
  });

  it('stops at the item limit instead of checking and listing every item past it', () => {
    const errors = validationCost.errors;
    expect(() => check(editors, { editors: Array.from({ length: 100_000 }, () => '!') })).toThrow(/editors must NOT have more than 3 items/);
    expect(validationCost.errors - errors).toBe(1);
  });

  it('lets through a few unknown fields, each named, but not 60,000', () => {
    expect(() => check(editors, { x1: 1, x2: 2 })).toThrow('Invalid request: x1 is not a known field; x2 is not a known field');
    const many = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
    expect(() => check(editors, many)).toThrow('Invalid request: (body) has too many fields (more than 11): send only the known ones');
  });

  it('refuses, when compiling, a schema whose limits it cannot see', () => {
    expect(() => compile({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toThrow(/"anyOf" at \/ is not supported by the size-first check/);
    expect(() => compile({ type: 'object', additionalProperties: { type: 'string' } })).toThrow(/additionalProperties at \/ must be true or false/);
  });
});

describe('validationFailed', () => {
  const problems = (n: number, field = (i: number) => `items[${i}].name`) => Array.from({ length: n }, (_, i) => ({ field: field(i), message: 'is required' }));

  it('names a few problems in the message and lists all of them when there are not many', () => {
    expect(validationFailed(problems(2)).message).toBe('Invalid request: items[0].name is required; items[1].name is required');
    const seven = validationFailed(problems(7));
    expect(seven.details).toHaveLength(7);
    expect(seven.message).toBe(
      `Invalid request: ${problems(5)
        .map((p) => `${p.field} ${p.message}`)
        .join('; ')}; and 2 more problems, listed in details`,
    );
  });

  it('lists at most MAX_DETAILS and says how many more there are', () => {
    const err = validationFailed(problems(5000));
    expect(err.details).toHaveLength(MAX_DETAILS);
    expect(err.message).toMatch(new RegExp(`; and 4995 more problems: details lists the first ${MAX_DETAILS}, and 4900 more problems are not listed$`));
    expect(validationFailed(problems(MAX_DETAILS), 'Batch refused', 1234).message).toBe(
      `Batch refused (details lists the first ${MAX_DETAILS}, and ${1234 - MAX_DETAILS} more problems are not listed)`,
    );
  });

  it('keeps the answer small however long the field names are, and cuts none inside a surrogate pair', () => {
    const err = validationFailed(problems(5000, (i) => `${'\u0001😀'.repeat(5000)}${i}`));
    const json = JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } });
    expect(Buffer.byteLength(json)).toBeLessThan(16 * 1024);
    for (const d of err.details as Array<{ field: string }>) {
      expect(d.field.length).toBeLessThanOrEqual(200);
      expect(d.field.endsWith('…')).toBe(true);
      expect(/\p{Surrogate}/u.test(d.field)).toBe(false);
    }
    expect(clip('ab😀c', 4)).toBe('ab…');
    expect(clip('abc', 3)).toBe('abc');
  });
});

describe('formats', () => {
  // ajv-formats' own email regex (the full set, which addFormats(ajv, [names]) used) is the reference.
  const reference = fullFormats.email as RegExp;
  const emails = [
    'a@b.co',
    'Ada.Lovelace@Example.COM',
    "o'brien+tag@mail.example.org",
    'a@b',
    'a@-b.co',
    'a@b-.co',
    'a@b--c.co',
    'a@b..co',
    'a.@b.co',
    '.a@b.co',
    'a@@b.co',
    'a b@c.co',
    'a@b.c_o',
    `a@${'x'.repeat(63)}.co`,
    `a@${'x'.repeat(64)}.co`,
    'a@1.2.3.4',
    'a@b.co.',
    'ü@b.co',
    'a@b.c-o',
    '@b.co',
    'a@',
    '',
  ];
  it('email accepts exactly what ajv-formats does, in linear time', () => {
    for (const e of emails) expect(isEmail(e), e).toBe(reference.test(e));
    // And on 20,000 strings from the characters that matter, from a fixed seed.
    let seed = 20261201;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const alphabet = ['a', 'Z', '0', '-', '.', '@', '!', '_', ' '];
    for (let i = 0; i < 20_000; i++) {
      const e = Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      expect(isEmail(e), e).toBe(reference.test(e));
    }
  });

  it('row ids run from 1 to 2^63 − 1', () => {
    for (const id of ['1', '42', '9223372036854775807', '999999999999999999']) expect(isRowId(id), id).toBe(true);
    for (const id of ['0', '01', '-1', '9223372036854775808', '9999999999999999999', '10000000000000000000', '1.0', ' 1', '1e3', '']) expect(isRowId(id), id).toBe(false);
    expect(isRowId(1)).toBe(false);
  });
});
