import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { check, compile } from './validate.js';

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
