import { Button, ButtonRow, DateInput, Flex, Heading, Input, Text, TextArea, Tile } from '@hubspot/ui-extensions';
import { useState } from 'react';
import { type CardInvoice, newRequestId } from './api';
import { formatForInput, formatMoney, isoDate, readDecimal, sayUnreadableNumber } from './format';

/** The action that needs more from the rep than a click: the form or confirmation shown above the table. */
export type Panel = { kind: 'payment' | 'void' | 'delete'; invoice: CardInvoice };

/** How an action went: done, refused by the service (its message), or unanswered (no answer came back). */
export type ActionOutcome = { ok: true } | { ok: false; answered: boolean; message: string };

interface PanelProps {
  invoice: CardInvoice;
  locale: string;
  busy: boolean;
  onCancel: () => void;
}

function Buttons({ submit, onSubmit, busy, onCancel, testId }: { submit: string; onSubmit: () => void; busy: boolean; onCancel: () => void; testId: string }) {
  return (
    <ButtonRow disableDropdown>
      <Button testId={testId} variant={testId === 'payment-submit' ? 'primary' : 'destructive'} size="sm" disabled={busy} onClick={onSubmit}>
        {submit}
      </Button>
      <Button testId="panel-cancel" size="sm" variant="secondary" disabled={busy} onClick={onCancel}>
        Cancel
      </Button>
    </ButtonRow>
  );
}

/**
 * Record payment: the amount (the balance to begin with), read the way the rep's locale writes
 * numbers, and the date it was paid (empty: today). One request id per payment: kept when no
 * answer came back, so trying again cannot record it twice.
 */
export function PaymentPanel({ invoice, locale, busy, onCancel, onSubmit }: PanelProps & { onSubmit: (p: { amount: string; date?: string; requestId: string }) => Promise<ActionOutcome> }) {
  const [amount, setAmount] = useState(() => formatForInput(invoice.balance, locale));
  const [date, setDate] = useState<{ year: number; month: number; date: number } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [requestId, setRequestId] = useState(newRequestId);
  const submit = async () => {
    const read = readDecimal(amount, locale);
    const wording = { locale, currency: invoice.currency, exponent: invoice.exponent };
    if (!read.ok || read.value === '') {
      setProblem(read.ok ? 'Enter an amount' : sayUnreadableNumber('amount', read, wording));
      return;
    }
    setProblem(null);
    const outcome = await onSubmit({ amount: read.value, ...(date ? { date: isoDate(date) } : {}), requestId });
    if (!outcome.ok) {
      setProblem(outcome.message);
      if (outcome.answered) setRequestId(newRequestId());
    }
  };
  return (
    <Tile compact>
      <Flex direction="column" gap="sm">
        <Heading>Record payment</Heading>
        <Text variant="microcopy">
          {invoice.number} · balance {formatMoney(invoice.balance, invoice.currency, invoice.exponent, locale)}
        </Text>
        <Input
          testId="payment-amount"
          name="amount"
          label={`Amount (${invoice.currency})`}
          value={amount}
          required
          error={problem !== null}
          validationMessage={problem ?? undefined}
          onChange={(v) => setAmount(v)}
        />
        <DateInput
          testId="payment-date"
          name="date"
          label="Paid on"
          description="Empty: today"
          format="medium"
          value={date ?? undefined}
          onChange={(v) => setDate(v ? { year: v.year, month: v.month, date: v.date } : null)}
        />
        <Buttons submit="Record payment" testId="payment-submit" onSubmit={() => void submit()} busy={busy} onCancel={onCancel} />
      </Flex>
    </Tile>
  );
}

/** Void: a confirmation, with the reason the service asks for when money was received. */
export function VoidPanel({ invoice, locale, busy, onCancel, onSubmit }: PanelProps & { onSubmit: (reason: string) => Promise<ActionOutcome> }) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async () => {
    const outcome = await onSubmit(reason);
    setProblem(outcome.ok ? null : outcome.message);
  };
  const paid = formatMoney(invoice.paid, invoice.currency, invoice.exponent, locale);
  return (
    <Tile compact>
      <Flex direction="column" gap="sm">
        <Heading>Void {invoice.number}?</Heading>
        <Text variant="microcopy">{invoice.voidNeedsReason ? `${paid} was received on it: say why it is voided.` : 'Its balance will no longer be owed. This cannot be undone.'}</Text>
        {invoice.voidNeedsReason ? (
          <TextArea
            testId="void-reason"
            name="reason"
            label="Reason"
            value={reason}
            required
            rows={2}
            maxLength={1000}
            error={problem !== null}
            validationMessage={problem ?? undefined}
            onChange={(v) => setReason(v)}
          />
        ) : (
          problem && <Text variant="microcopy">{problem}</Text>
        )}
        <Buttons submit="Void invoice" testId="void-submit" onSubmit={() => void submit()} busy={busy} onCancel={onCancel} />
      </Flex>
    </Tile>
  );
}

/** Delete draft: a confirmation naming the invoice. */
export function DeletePanel({ invoice, busy, onCancel, onSubmit }: PanelProps & { onSubmit: () => Promise<ActionOutcome> }) {
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async () => {
    const outcome = await onSubmit();
    setProblem(outcome.ok ? null : outcome.message);
  };
  return (
    <Tile compact>
      <Flex direction="column" gap="sm">
        <Heading>Delete draft {invoice.number}?</Heading>
        <Text variant="microcopy">{problem ?? 'The draft is removed from the deal. This cannot be undone.'}</Text>
        <Buttons submit="Delete draft" testId="delete-submit" onSubmit={() => void submit()} busy={busy} onCancel={onCancel} />
      </Flex>
    </Tile>
  );
}
