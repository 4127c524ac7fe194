import { type AddAlertAction, Alert, Button, EmptyState, ErrorState, Flex, LoadingSpinner, type OpenIframeModalAction, Text, useExtensionActions, useExtensionContext } from '@hubspot/ui-extensions';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type ActionOutcome, DeletePanel, type Panel, PaymentPanel, VoidPanel } from './ActionPanel';
import { type ActionAnswer, CardApiError, type CardInvoice, deleteDraft, fetchInvoicePage, type InvoiceAction, type InvoicePage, issueInvoice, recordPayment, voidInvoice } from './api';
import { DealTotals } from './DealTotals';
import { cardLocale } from './format';
import { InvoiceTable } from './InvoiceTable';

type View = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; data: InvoicePage };

/** Iframe modal sizes: the forms want room; the PDF a page's proportions. */
const FORM_MODAL = { width: 1000, height: 760 };
const PDF_MODAL = { width: 900, height: 1000 };

const messageOf = (e: unknown) => (e instanceof CardApiError ? e.message : 'Something went wrong in the card. Try again.');

/** The panel again, on the fresh copy of its invoice; closed when the invoice no longer offers the action. */
function reconcile(panel: Panel, data: InvoicePage): Panel | null {
  const fresh = data.invoices.find((i) => i.id === panel.invoice.id);
  return fresh && fresh.actions.includes(panel.kind) ? { ...panel, invoice: fresh } : null;
}

/** What the card reads of HubSpot's extension API: hubspot.extend hands it over, else the hooks give it. */
export interface InvoiceCardProps {
  context?: { crm: { objectId: number | string }; user: { locale?: string } };
  actions?: { addAlert: AddAlertAction; openIframeModal: OpenIframeModalAction };
}

/**
 * Our invoice card on a deal: the deal's totals, its invoices a page at a time with the actions
 * each one allows, and "Create invoice". Every action, and every page it opens in a modal once
 * closed, is followed by a fresh fetch, so the card always shows what the service holds; every
 * action's outcome is an alert in the service's own words.
 */
export function InvoiceCard(props: InvoiceCardProps = {}) {
  const hookContext = useExtensionContext<'crm.record.tab'>();
  const hookActions = useExtensionActions<'crm.record.tab'>();
  const context = props.context ?? hookContext;
  const actions = props.actions ?? hookActions;
  const dealId = String(context.crm.objectId);
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [refreshError, setRefreshError] = useState<string | null>(null);
  const [panel, setPanel] = useState<Panel | null>(null);
  const [busy, setBusy] = useState(false);
  const page = useRef(1);
  // Only the latest fetch may change what the card shows (a slow page 1 must not overwrite page 2).
  const latest = useRef(0);

  const load = useCallback(
    async (wanted: number): Promise<void> => {
      const mine = ++latest.current;
      try {
        let data = await fetchInvoicePage(dealId, wanted);
        // The page emptied under us (its last invoice deleted): show the last page that has some.
        if (data.invoices.length === 0 && data.totalCount > 0 && wanted > 1) data = await fetchInvoicePage(dealId, Math.ceil(data.totalCount / data.pageSize));
        if (mine !== latest.current) return;
        page.current = data.page;
        setView({ kind: 'ready', data });
        setRefreshError(null);
        setPanel((p) => p && reconcile(p, data));
      } catch (e) {
        if (mine !== latest.current) return;
        const message = messageOf(e);
        // With invoices on screen, keep them and say the refresh failed; else the error state.
        setView((v) => (v.kind === 'ready' ? v : { kind: 'error', message }));
        setRefreshError(message);
      }
    },
    [dealId],
  );

  useEffect(() => {
    void load(1);
  }, [load]);

  const refresh = () => load(page.current);
  const retry = () => {
    if (view.kind !== 'ready') setView({ kind: 'loading' });
    void refresh();
  };

  const openPage = (uri: string | undefined, title: string, size: { width: number; height: number }) => {
    if (!uri) {
      actions.addAlert({ type: 'danger', message: `The service gave no link for ${title}.` });
      return;
    }
    actions.openIframeModal({ uri, title, ...size }, () => void refresh());
  };

  const run = async (action: () => Promise<ActionAnswer>): Promise<ActionOutcome> => {
    setBusy(true);
    let outcome: ActionOutcome;
    try {
      const answer = await action();
      actions.addAlert({ type: 'success', message: answer.message });
      setPanel(null);
      outcome = { ok: true };
    } catch (e) {
      const message = messageOf(e);
      actions.addAlert({ type: 'danger', message });
      outcome = { ok: false, answered: e instanceof CardApiError && e.status !== null, message };
    }
    await refresh();
    setBusy(false);
    return outcome;
  };

  const onAction = (action: InvoiceAction, inv: CardInvoice) => {
    switch (action) {
      case 'pdf':
        return openPage(inv.links.pdf, `${inv.number} PDF`, PDF_MODAL);
      case 'edit':
        return openPage(inv.links.edit, `Edit ${inv.number}`, FORM_MODAL);
      case 'issue':
        setPanel(null);
        return void run(() => issueInvoice(dealId, inv.id));
      case 'payment':
      case 'void':
      case 'delete':
        return setPanel({ kind: action, invoice: inv });
    }
  };

  if (view.kind === 'loading') return <LoadingSpinner label="Loading invoices" showLabel layout="centered" />;
  if (view.kind === 'error') {
    return (
      <ErrorState title="Couldn't load the invoices">
        <Text>{view.message}</Text>
        <Button testId="try-again" onClick={retry}>
          Try again
        </Button>
      </ErrorState>
    );
  }

  const { data } = view;
  const locale = cardLocale(context.user.locale, data.locale);
  const create = () => openPage(data.createUrl, 'New invoice', FORM_MODAL);
  const createButton = (
    <Button testId="create-invoice" variant="primary" size="sm" disabled={busy} onClick={create}>
      Create invoice
    </Button>
  );
  const problem = refreshError && (
    <Flex direction="column" gap="xs">
      <Alert title="Couldn't refresh" variant="danger">
        {refreshError}
      </Alert>
      <Button testId="try-again" size="sm" onClick={retry}>
        Try again
      </Button>
    </Flex>
  );

  if (data.totalCount === 0) {
    return (
      <Flex direction="column" gap="sm">
        {problem}
        <EmptyState title="No invoices yet" layout="vertical" imageName="deals" imageWidth={120}>
          <Text>Invoices for this deal will show here.</Text>
          {createButton}
        </EmptyState>
      </Flex>
    );
  }

  const pageCount = Math.max(1, Math.ceil(data.totalCount / data.pageSize));
  const first = (data.page - 1) * data.pageSize + 1;
  const last = first + data.invoices.length - 1;
  const panelKey = panel ? `${panel.kind}-${panel.invoice.id}` : '';
  const panelProps = panel && { invoice: panel.invoice, locale, busy, onCancel: () => setPanel(null) };
  return (
    <Flex direction="column" gap="sm">
      {problem}
      <DealTotals totals={data.totals} locale={locale} />
      <Flex direction="row" justify="between" align="center" wrap>
        <Text variant="microcopy">{pageCount > 1 ? `Invoices ${first}–${last} of ${data.totalCount}` : `${data.totalCount} ${data.totalCount === 1 ? 'invoice' : 'invoices'}`}</Text>
        {createButton}
      </Flex>
      {panel && panelProps && panel.kind === 'payment' && <PaymentPanel key={panelKey} {...panelProps} onSubmit={(p) => run(() => recordPayment(dealId, panel.invoice.id, p))} />}
      {panel && panelProps && panel.kind === 'void' && <VoidPanel key={panelKey} {...panelProps} onSubmit={(reason) => run(() => voidInvoice(dealId, panel.invoice.id, reason))} />}
      {panel && panelProps && panel.kind === 'delete' && <DeletePanel key={panelKey} {...panelProps} onSubmit={() => run(() => deleteDraft(dealId, panel.invoice.id))} />}
      <InvoiceTable invoices={data.invoices} locale={locale} page={data.page} pageCount={pageCount} busy={busy} onPageChange={(p) => void load(p)} onAction={onAction} />
    </Flex>
  );
}
