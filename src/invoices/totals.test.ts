import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../money/money.js';
import { computeLine, type LineDiscount, sumLines } from './totals.js';

const d = (s: string) => parseDecimal(s, 6);
const line = (quantity: string, unitPrice: string, taxRate = '0', discount: LineDiscount | null = null) => ({
  quantity: d(quantity),
  unitPrice: d(unitPrice),
  taxRate: d(taxRate),
  discount,
});

describe('computeLine', () => {
  it('multiplies exactly and rounds the subtotal half-even to the minor unit', () => {
    expect(computeLine(line('3', '0.335'), 'EUR').subtotalMinor).toBe(100n); // 1.005 → 1.00 (tie to even)
    expect(computeLine(line('1', '0.015'), 'EUR').subtotalMinor).toBe(2n); // 0.015 → 0.02 (tie to even)
    expect(computeLine(line('1', '0.025'), 'EUR').subtotalMinor).toBe(2n); // 0.025 → 0.02
    expect(computeLine(line('0.1', '0.1'), 'EUR').subtotalMinor).toBe(1n); // 0.01, where floats give 0.010000000000000002
  });

  it('applies a percent discount, then tax on the discounted amount', () => {
    const l = computeLine(line('1', '1200', '19', { type: 'percent', percent: d('10') }), 'EUR');
    expect(l).toEqual({ subtotalMinor: 120000n, discountMinor: 12000n, taxMinor: 20520n, totalMinor: 128520n });
  });

  it('applies a fixed discount amount', () => {
    const l = computeLine(line('2', '50', '20', { type: 'amount', minor: 1000n }), 'EUR');
    expect(l).toEqual({ subtotalMinor: 10000n, discountMinor: 1000n, taxMinor: 1800n, totalMinor: 10800n });
  });

  it('rounds to whole yen and to fils', () => {
    expect(computeLine(line('3', '333.5', '10'), 'JPY')).toEqual({ subtotalMinor: 1000n, discountMinor: 0n, taxMinor: 100n, totalMinor: 1100n }); // 1000.5 → 1000
    expect(computeLine(line('3', '125.125'), 'KWD').totalMinor).toBe(375375n);
    expect(computeLine(line('1', '0.0005', '0'), 'KWD').subtotalMinor).toBe(0n); // 0.0005 → 0.000 (tie to even)
    expect(computeLine(line('1', '0.0015', '0'), 'KWD').subtotalMinor).toBe(2n); // 0.0015 → 0.002
  });

  it('rounds tax half-even per line', () => {
    // 0.25 × 10% = 0.025 → 0.02
    expect(computeLine(line('1', '0.25', '10'), 'EUR').taxMinor).toBe(2n);
    // 0.35 × 10% = 0.035 → 0.04
    expect(computeLine(line('1', '0.35', '10'), 'EUR').taxMinor).toBe(4n);
  });
});

describe('sumLines', () => {
  it('is the plain sum of rounded lines, so lines always add up to the invoice', () => {
    const lines = [computeLine(line('1', '0.015', '10'), 'EUR'), computeLine(line('1', '0.015', '10'), 'EUR')];
    expect(sumLines(lines)).toEqual({ subtotalMinor: 4n, discountMinor: 0n, taxMinor: 0n, totalMinor: 4n });
    expect(sumLines([])).toEqual({ subtotalMinor: 0n, discountMinor: 0n, taxMinor: 0n, totalMinor: 0n });
  });
});
