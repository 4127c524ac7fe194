import { Flex, Statistics, StatisticsItem } from '@hubspot/ui-extensions';
import type { CurrencyTotals } from './api';
import { formatMoney } from './format';

/**
 * The header: what the deal's invoices leave open, how much of that is overdue, and what was
 * paid, one row per currency. The currency code joins the labels only when there are several
 * (a "$" alone does not say which dollars).
 */
export function DealTotals({ totals, locale }: { totals: CurrencyTotals[]; locale: string }) {
  const several = totals.length > 1;
  return (
    <Flex direction="column" gap="xs">
      {totals.map((t) => {
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
