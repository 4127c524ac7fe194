import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../shared/canonicalJson.js';
import { contactKind, contentHash, productKind } from './catalogKinds.js';

describe('content hash', () => {
  it('ignores key order and absent fields, and sees every change', () => {
    expect(contentHash({ a: 1, b: { c: 'x', d: null } })).toBe(contentHash({ b: { d: null, c: 'x' }, a: 1, e: undefined }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash({ a: null })).not.toBe(contentHash({}));
    expect(canonicalJson({ b: [2, { z: 1, y: 2 }], a: 'é' })).toBe('{"a":"é","b":[2,{"y":2,"z":1}]}');
  });

  it('hashes what is stored, so cosmetic input differences do not count as changes', () => {
    const a = contactKind.toColumns({ email: ' Ada@Example.com ', firstName: 'Ada', address: { city: 'London', line2: '' } });
    const b = contactKind.toColumns({ email: 'Ada@Example.com', firstName: 'Ada', lastName: '', address: { city: 'London' } });
    expect(contentHash(a)).toBe(contentHash(b));
    const p1 = productKind.toColumns({ name: 'Widget', price: '12.50', currency: 'EUR' });
    const p2 = productKind.toColumns({ name: 'Widget ', price: '12.5', currency: 'EUR', type: 'service' });
    expect(contentHash(p1)).toBe(contentHash(p2));
  });
});
