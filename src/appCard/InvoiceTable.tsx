import { Button, ButtonRow, Flex, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import type { CardInvoice, DisplayStatus, InvoiceAction } from './api';
import { formatDate, formatMoney } from './format';

type TagVariant = 'danger' | 'warning' | 'info' | 'success' | 'default';

/** The StatusTag colour of each status: overdue danger, partially paid warning, paid success, draft and void neutral. */
export const STATUS_VARIANTS: Readonly<Record<DisplayStatus, TagVariant>> = {
  overdue: 'danger',
  partially_paid: 'warning',
  open: 'info',
  paid: 'success',
  draft: 'default',
  void: 'default',
};

/** Each row action's button: short, so a row's buttons fit the sidebar (ButtonRow folds the rest into "More"). */
export const ACTION_LABELS: Readonly<Record<InvoiceAction, string>> = {
  pdf: 'PDF',
  edit: 'Edit',
  payment: 'Payment',
  issue: 'Issue',
  void: 'Void',
  delete: 'Delete',
};

const ACTION_ORDER: readonly InvoiceAction[] = ['pdf', 'edit', 'payment', 'issue', 'void', 'delete'];

/** The test id of a row's action button: one per action and invoice, as the test renderer wants ids unique. */
export const actionTestId = (action: InvoiceAction, invoice: Pick<CardInvoice, 'number'>) => `${action}-${invoice.number}`;

export interface InvoiceTableProps {
  invoices: CardInvoice[];
  locale: string;
  page: number;
  pageCount: number;
  busy: boolean;
  onPageChange: (page: number) => void;
  onAction: (action: InvoiceAction, invoice: CardInvoice) => void;
}

/**
 * The deal's invoices, one page of them. Three columns, each cell stacked, so that the table fits
 * the record sidebar: the invoice (number, status, actions), its dates, its amounts.
 */
export function InvoiceTable({ invoices, locale, page, pageCount, busy, onPageChange, onAction }: InvoiceTableProps) {
  const rows = invoices.map((inv) => {
    const money = (amount: string) => formatMoney(amount, inv.currency, inv.exponent, locale);
    const actions = ACTION_ORDER.filter((a) => inv.actions.includes(a));
    return (
      <TableRow key={inv.id}>
        <TableCell>
          <Flex direction="column" gap="xs">
            <Text format={{ fontWeight: 'demibold' }}>{inv.number}</Text>
            <StatusTag variant={STATUS_VARIANTS[inv.displayStatus] ?? 'default'} hollow={inv.displayStatus === 'void'}>
              {inv.statusLabel}
            </StatusTag>
            {actions.length > 0 && (
              <ButtonRow dropDownButtonOptions={{ text: 'More', size: 'xs' }}>
                {actions.map((a) => (
                  <Button key={a} testId={actionTestId(a, inv)} size="xs" variant={a === 'void' || a === 'delete' ? 'destructive' : 'secondary'} disabled={busy} onClick={() => onAction(a, inv)}>
                    {ACTION_LABELS[a]}
                  </Button>
                ))}
              </ButtonRow>
            )}
          </Flex>
        </TableCell>
        <TableCell>
          {/* A draft was never issued: it is dated, as on the pages and the PDF. */}
          <Text variant="microcopy">
            {inv.status === 'draft' ? 'Dated' : 'Issued'} {formatDate(inv.issueDate, locale)}
          </Text>
          <Text variant="microcopy">Due {formatDate(inv.dueDate, locale)}</Text>
        </TableCell>
        <TableCell align="right">
          <Text>{money(inv.total)}</Text>
          <Text variant="microcopy">Balance {money(inv.balance)}</Text>
        </TableCell>
      </TableRow>
    );
  });
  const head = (
    <TableHead>
      <TableRow>
        <TableHeader>Invoice</TableHeader>
        <TableHeader>Dates</TableHeader>
        <TableHeader align="right">Amount</TableHeader>
      </TableRow>
    </TableHead>
  );
  // Paged on the server: the table shows one page and asks for another.
  return pageCount > 1 ? (
    <Table bordered density="condensed" paginated pageCount={pageCount} page={page} onPageChange={onPageChange} showButtonLabels={false} maxVisiblePageButtons={3}>
      {head}
      <TableBody>{rows}</TableBody>
    </Table>
  ) : (
    <Table bordered density="condensed">
      {head}
      <TableBody>{rows}</TableBody>
    </Table>
  );
}
