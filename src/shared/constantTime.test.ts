import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constantTime.js';

describe('constantTimeEqual', () => {
  it('says equal for the same bytes, as strings, Buffers or a mix', () => {
    expect(constantTimeEqual('same-token', 'same-token')).toBe(true);
    expect(constantTimeEqual(Buffer.from('same-token'), Buffer.from('same-token'))).toBe(true);
    expect(constantTimeEqual('same-token', Buffer.from('same-token'))).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('says unequal for different bytes of the same length', () => {
    expect(constantTimeEqual('token-a', 'token-b')).toBe(false);
    expect(constantTimeEqual(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 4]))).toBe(false);
  });

  it('says unequal, without throwing, when the lengths differ', () => {
    expect(constantTimeEqual('short', 'longer-value')).toBe(false);
    expect(constantTimeEqual(Buffer.alloc(32), Buffer.alloc(16))).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
  });

  it('compares strings as UTF-8 bytes: the same number of characters is not the same length', () => {
    // 'é' is two bytes: a check on string length alone would hand timingSafeEqual unequal buffers.
    expect(constantTimeEqual('é', 'e')).toBe(false);
    expect(constantTimeEqual('café', 'café')).toBe(true);
    expect(constantTimeEqual('caf\u00e9', 'cafe\u0301')).toBe(false);
  });
});
