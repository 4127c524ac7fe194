import { Flex, Statistics, StatisticsItem } from '@hubspot/ui-extensions';
import type { CurrencyTotals } from './api';
import { formatMoney } from './format';

/** True when a decimal string ("0.00", "12.5", "-3") is not zero. */
const nonZero = (amount: string) => [...amount].some((c) => c >= '1' && c <= '9');

/**
 * The header: what the deal's invoices leave open, how much of that is overdue, and what was
 * paid, one row per currency. The currency code joins the labels whenever the deal's invoices use
 * several currencies (a "$" alone does not say which dollars). A currency with nothing open,
 * overdue or paid (only drafts or voided invoices in it) gets no row of zeros, unless no currency
 * has anything: then the header still says that nothing is open.
 */
export function DealTotals({ totals, locale }: { totals: CurrencyTotals[]; locale: string }) {
  const several = totals.length > 1;
  const withAmounts = totals.filter((t) => nonZero(t.open) || nonZero(t.overdue) || nonZero(t.paid));
  const shown = withAmounts.length > 0 ? withAmounts : totals;
  return (
    <Flex direction="column" gap="xs">
      {shown.map((t) => {
        const money = (amount: string) => formatMoney(amount, t.currency, t.exponent, locale);
        const label = (what: string) => (several ? `${what} ${t.currency}` : what);
        return (
          <Statistics key={t.currency}>
            <StatisticsItem label={label('Open')} number={money(t.open)} />
            <StatisticsItem label={label('Overdue')} number={money(t.overdue)} />
            <StatisticsItem label={label('Paid')} number={money(t.paid)} />
          </Statistics>
        );
      })}
    </Flex>
  );
}
