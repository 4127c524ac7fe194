import { describe, expect, it } from 'vitest';
import { addDays, balanceMinor, daysBetween, displayStatus } from './invoice.js';

describe('displayStatus', () => {
  const today = '2026-11-25';
  it('refines open invoices by due date and payments', () => {
    expect(displayStatus({ status: 'open', dueDate: '2026-11-25', paidMinor: 0n }, today)).toBe('open');
    expect(displayStatus({ status: 'open', dueDate: '2026-11-24', paidMinor: 0n }, today)).toBe('overdue');
    expect(displayStatus({ status: 'open', dueDate: '2026-12-01', paidMinor: 5n }, today)).toBe('partially_paid');
    expect(displayStatus({ status: 'open', dueDate: '2026-11-01', paidMinor: 5n }, today)).toBe('overdue');
  });

  it('keeps draft, paid and void as they are, whatever the dates', () => {
    for (const status of ['draft', 'paid', 'void'] as const) {
      expect(displayStatus({ status, dueDate: '2020-01-01', paidMinor: 0n }, today)).toBe(status);
    }
  });
});

describe('dates and balance', () => {
  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-11-25', 30)).toBe('2026-12-25');
    expect(addDays('2026-12-15', 30)).toBe('2027-01-14');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(daysBetween('2026-10-26', '2026-11-25')).toBe(30);
  });

  it('owes nothing on a void invoice', () => {
    expect(balanceMinor({ status: 'open', totalMinor: 1000n, paidMinor: 300n })).toBe(700n);
    expect(balanceMinor({ status: 'void', totalMinor: 1000n, paidMinor: 300n })).toBe(0n);
  });
});
