import {
  Alert,
  Button,
  DateInput,
  EmptyState,
  ErrorState,
  Heading,
  Input,
  LoadingSpinner,
  Statistics,
  StatisticsItem,
  StatusTag,
  Table,
  TableBody,
  TableRow,
  TextArea,
  type HubSpotFetchOptions,
  type HubSpotFetchRequestURI,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { ReactElement } from 'react';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createContact, createInvoice } from '../../test/factories.js';
import { connectCardProxy, proxiedCalls, TEST_REP } from '../../test/cardProxy.js';
import { useTestApp } from '../../test/setup.js';
import type { TestApp } from '../../test/testApp.js';
import { BASE_URL } from './config';
import { InvoiceCard } from './index';
import { actionTestId } from './InvoiceTable';

// hubspot.fetch is the one thing replaced: by HubSpot's proxy played over HTTP against the real
// service (test/cardProxy.ts). Every component, hook and action stays @hubspot/ui-extensions' own;
// hubspot.extend (a no-op under test) also keeps what the entry point registers.
const registered = vi.hoisted(() => [] as Array<(api: { context: unknown; actions: unknown }) => ReactElement>);
vi.mock('@hubspot/ui-extensions', async (importOriginal) => {
  const real = await importOriginal<typeof import('@hubspot/ui-extensions')>();
  const { proxiedFetch } = await import('../../test/cardProxy.js');
  return {
    ...real,
    hubspot: {
      ...real.hubspot,
      extend: (render: (typeof registered)[number]) => void registered.push(render),
      fetch: (url: HubSpotFetchRequestURI, options?: HubSpotFetchOptions) => proxiedFetch(url, options),
    },
  };
});

// The service believes it is at the card's BASE_URL, as it is behind HubSpot's proxy in production:
// the proxy signs that URL, and the test sends the request to where the server really listens.
const { app } = useTestApp({ publicBaseUrl: BASE_URL });
beforeAll(() => connectCardProxy(app));

/** The service's answers wait on an embedded database on a loaded machine: allow them time. */
const WAIT = { timeoutInMs: 20_000 };

let nextDeal = 7_100_000;
const newDeal = () => String(++nextDeal);

type Renderer = ReturnType<typeof createRenderer<'crm.record.sidebar'>>;

/** Renders the card on a deal's sidebar, for a rep of `locale`, and waits for its first answer. */
async function renderCard(dealId: string, locale = 'en-US'): Promise<Renderer> {
  const r = createRenderer('crm.record.sidebar');
  r.mocks.context.crm.objectId = Number(dealId);
  r.mocks.context.user.locale = locale;
  r.render(<InvoiceCard />);
  await r.waitFor(() => expect(r.maybeFind(LoadingSpinner)).toBeNull(), WAIT);
  return r;
}

/** All the text under a node, in order, its components' texts joined by a space (a node's own `text` is only its direct text). */
function textOf(node: { nodeType: string; text: string | null; childNodes?: unknown[] }): string {
  if (node.nodeType === 'text') return node.text ?? '';
  return (node.childNodes ?? [])
    .map((c) => textOf(c as typeof node))
    .filter((t) => t !== '')
    .join(' ');
}

/** The invoice rows, by number. */
function rows(r: Renderer) {
  const body = r.maybeFind(TableBody);
  return new Map((body ? body.findAllChildren(TableRow) : []).map((row) => [/INV-\d+/.exec(textOf(row))?.[0] ?? '?', row]));
}

/**
 * Fires a component's event with its argument. (trigger's own type wants the handler's type as the
 * argument, and none for a union of props such as Table's.)
 */
const fire = (node: unknown, event: string, arg?: unknown) => (node as { trigger(event: string, arg?: unknown): void }).trigger(event, arg);

const row = (r: Renderer, number: string) => {
  const found = rows(r).get(number);
  if (!found) throw new Error(`no row for ${number}; rows: ${[...rows(r).keys()].join(', ')}`);
  return found;
};
const statusOf = (r: Renderer, number: string) => row(r, number).find(StatusTag);
const lastAlert = (r: Renderer) => r.mocks.actions.addAlert.calls.at(-1)?.[0];
const click = (r: Renderer, testId: string) => fire(r.findByTestId(Button, testId), 'onClick');
const statistic = (r: Renderer, label: string) => r.find(StatisticsItem, { label }).props.number;

/** Waits until the card has fetched again after a step and shows what `check` wants (else fails with check's own error). */
async function afterRefetch(r: Renderer, before: number, check: () => void) {
  const settled = () => {
    expect(gets(), 'GETs since the step').toBeGreaterThan(before);
    check();
  };
  try {
    await r.waitFor(settled, WAIT);
  } catch (timeout) {
    settled();
    throw timeout;
  }
}
const gets = () => proxiedCalls.filter((c) => c.method === 'GET').length;

async function issued(app: TestApp, dealId: string, over: Record<string, unknown>) {
  return createInvoice(app, { dealId, status: 'open', contactExternalId: await createContact(app), ...over });
}

async function pay(app: TestApp, id: string, amount: string, date = '2026-11-20') {
  const res = await app.api('POST', `/invoices/${id}/payments`, { amount, date });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

const line = (unitPrice: string) => [{ description: 'Consulting', quantity: '1', unitPrice, taxRate: '0' }];

/**
 * A deal with an invoice in every state, in three currencies with three exponents (the app's
 * clock says 2026-11-25):
 * EUR: draft 100.00; open 200.00; partially paid 300.00 (120.00 paid).
 * JPY: overdue ¥50,000 (¥10,000 paid); paid ¥5,000.
 * KWD: open 1.500; void 12.345; and a deleted draft, which the card never shows.
 */
async function dealInEveryState(app: TestApp, dealId: string) {
  const contactExternalId = await createContact(app);
  const draft = await createInvoice(app, { dealId, currency: 'EUR', contactExternalId, lines: line('100.00'), issueDate: '2026-11-20', dueDate: '2026-12-20' });
  const open = await issued(app, dealId, { currency: 'EUR', lines: line('200.00'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
  const partly = await issued(app, dealId, { currency: 'EUR', lines: line('300.00'), issueDate: '2026-11-02', dueDate: '2026-12-02' });
  await pay(app, partly.id, '120.00');
  const overdue = await issued(app, dealId, { currency: 'JPY', lines: line('50000'), issueDate: '2026-10-01', dueDate: '2026-10-31' });
  await pay(app, overdue.id, '10000');
  const paid = await issued(app, dealId, { currency: 'JPY', lines: line('5000'), issueDate: '2026-10-05', dueDate: '2026-11-05' });
  await pay(app, paid.id, '5000');
  const kwdOpen = await issued(app, dealId, { currency: 'KWD', lines: line('1.500'), issueDate: '2026-11-10', dueDate: '2026-12-10' });
  const voided = await issued(app, dealId, { currency: 'KWD', lines: line('12.345'), issueDate: '2026-11-11', dueDate: '2026-12-11' });
  expect((await app.api('PATCH', `/invoices/${voided.id}`, { status: 'void' })).status).toBe(200);
  const deleted = await createInvoice(app, { dealId, currency: 'KWD', lines: line('9.999') });
  expect((await app.api('DELETE', `/invoices/${deleted.id}`)).status).toBeLessThan(300);
  return { draft, open, partly, overdue, paid, kwdOpen, voided, deleted };
}

describe('the invoice card: what a rep sees', () => {
  it('shows the totals per currency and every invoice with its status, dates and amounts', async () => {
    const dealId = newDeal();
    const inv = await dealInEveryState(app, dealId);
    const r = await renderCard(dealId);

    // One Statistics row per currency, its labels naming the currency (several are used).
    expect(r.findAll(Statistics)).toHaveLength(3);
    expect(statistic(r, 'Open EUR')).toBe('€380.00');
    expect(statistic(r, 'Overdue EUR')).toBe('€0.00');
    expect(statistic(r, 'Paid EUR')).toBe('€120.00');
    expect(statistic(r, 'Open JPY')).toBe('¥40,000');
    expect(statistic(r, 'Overdue JPY')).toBe('¥40,000');
    expect(statistic(r, 'Paid JPY')).toBe('¥15,000');
    expect(statistic(r, 'Open KWD')).toBe('KWD\u00a01.500');
    expect(statistic(r, 'Overdue KWD')).toBe('KWD\u00a00.000');
    expect(statistic(r, 'Paid KWD')).toBe('KWD\u00a00.000');

    // Seven invoices (the deleted draft is not one of them), on one page.
    expect(r.find(Table).props.paginated).toBeFalsy();
    expect([...rows(r).keys()].sort()).toEqual([inv.draft, inv.open, inv.partly, inv.overdue, inv.paid, inv.kwdOpen, inv.voided].map((i) => i.number).sort());
    const tag = (i: { number: string }) => ({ label: statusOf(r, i.number).text, variant: statusOf(r, i.number).props.variant ?? 'default' });
    expect(tag(inv.overdue)).toEqual({ label: 'Overdue', variant: 'danger' });
    expect(tag(inv.partly)).toEqual({ label: 'Partially paid', variant: 'warning' });
    expect(tag(inv.paid)).toEqual({ label: 'Paid', variant: 'success' });
    expect(tag(inv.draft)).toEqual({ label: 'Draft', variant: 'default' });
    expect(tag(inv.voided)).toEqual({ label: 'Void', variant: 'default' });
    expect(tag(inv.open)).toEqual({ label: 'Open', variant: 'info' });

    // Dates and amounts in the rep's locale, each amount with its currency's decimals.
    expect(textOf(row(r, inv.partly.number))).toContain('Issued Nov 2, 2026');
    expect(textOf(row(r, inv.partly.number))).toContain('Due Dec 2, 2026');
    expect(textOf(row(r, inv.partly.number))).toContain('€300.00');
    expect(textOf(row(r, inv.partly.number))).toContain('Balance €180.00');
    expect(textOf(row(r, inv.overdue.number))).toContain('¥50,000');
    expect(textOf(row(r, inv.overdue.number))).toContain('Balance ¥40,000');
    expect(textOf(row(r, inv.voided.number))).toContain('KWD\u00a012.345');
    expect(textOf(row(r, inv.voided.number))).toContain('Balance KWD\u00a00.000');

    // Each row offers what its status allows, and nothing else.
    const offered = (i: { number: string }) =>
      row(r, i.number)
        .findAll(Button)
        .map((b) => b.text);
    expect(offered(inv.draft)).toEqual(['PDF', 'Edit', 'Issue', 'Delete']);
    expect(offered(inv.open)).toEqual(['PDF', 'Payment', 'Void']);
    expect(offered(inv.partly)).toEqual(['PDF', 'Payment', 'Void']);
    expect(offered(inv.overdue)).toEqual(['PDF', 'Payment', 'Void']);
    expect(offered(inv.paid)).toEqual(['PDF', 'Void']);
    expect(offered(inv.voided)).toEqual(['PDF']);
  });

  it('renders through hubspot.extend as HubSpot does, from the context and actions it hands over', async () => {
    const dealId = newDeal();
    const inv = await createInvoice(app, { dealId, lines: line('3.00') });
    expect(registered).toHaveLength(1);
    const r = createRenderer('crm.record.tab');
    // HubSpot's own objects, not the renderer's hook mocks (which name deal 123).
    const addAlert = vi.fn();
    const context = { ...r.mocks.context, crm: { objectId: Number(dealId), objectTypeId: '0-3' }, user: { ...r.mocks.context.user, locale: 'en-GB' } };
    r.render(registered[0]!({ context, actions: { ...r.mocks.actions, addAlert } }));
    await r.waitFor(() => expect(rows(r).has(inv.number)).toBe(true), WAIT);
    // A draft: dated, not issued.
    expect(textOf(row(r, inv.number))).toContain('Dated 25 Nov 2026');
    click(r, actionTestId('delete', inv));
    click(r, 'delete-submit');
    await r.waitFor(() => expect(addAlert).toHaveBeenCalledWith({ type: 'success', message: expect.stringContaining(inv.number) }), WAIT);
  });

  it("writes dates and amounts the way the rep's locale does", async () => {
    const dealId = newDeal();
    const inv = await issued(app, dealId, { currency: 'EUR', lines: line('1234.50'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    const r = await renderCard(dealId, 'de-DE');
    expect(statistic(r, 'Open')).toBe('1.234,50\u00a0€');
    expect(textOf(row(r, inv.number))).toContain('Issued 01.11.2026');
    expect(textOf(row(r, inv.number))).toContain('Balance 1.234,50\u00a0€');
  });

  it('leaves out a currency with nothing open, overdue or paid, and counts nothing paid on a voided invoice', async () => {
    const dealId = newDeal();
    const open = await issued(app, dealId, { currency: 'EUR', lines: line('100.00'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    await pay(app, open.id, '30.00');
    const refunded = await issued(app, dealId, { currency: 'EUR', lines: line('50.00'), issueDate: '2026-11-02', dueDate: '2026-12-02' });
    await pay(app, refunded.id, '20.00');
    expect((await app.api('PATCH', `/invoices/${refunded.id}`, { status: 'void', voidReason: 'Refunded' })).status).toBe(200);
    const jpyVoid = await issued(app, dealId, { currency: 'JPY', lines: line('5000'), issueDate: '2026-11-03', dueDate: '2026-12-03' });
    expect((await app.api('PATCH', `/invoices/${jpyVoid.id}`, { status: 'void' })).status).toBe(200);
    const kwdDraft = await createInvoice(app, { dealId, currency: 'KWD', lines: line('1.000') });
    const r = await renderCard(dealId);
    // Every invoice is listed, but only EUR has amounts: one row, its labels naming the currency.
    expect([...rows(r).keys()].sort()).toEqual([open.number, refunded.number, jpyVoid.number, kwdDraft.number].sort());
    expect(r.findAll(Statistics)).toHaveLength(1);
    expect(statistic(r, 'Open EUR')).toBe('€70.00');
    // The 20.00 paid on the voided invoice counts for nothing, as in the deal's "Amount paid" property.
    expect(statistic(r, 'Paid EUR')).toBe('€30.00');
    expect(r.maybeFind(StatisticsItem, { label: 'Open JPY' })).toBeNull();
    expect(r.maybeFind(StatisticsItem, { label: 'Open KWD' })).toBeNull();
    expect(textOf(row(r, refunded.number))).toContain('Void');
  });

  it('pages through the invoices on the server, ten at a time', async () => {
    const dealId = newDeal();
    for (let i = 0; i < 12; i++) await createInvoice(app, { dealId, lines: line('10.00') });
    const r = await renderCard(dealId);
    expect(r.find(Table).props).toMatchObject({ paginated: true, pageCount: 2, page: 1 });
    expect(rows(r).size).toBe(10);
    const before = gets();
    fire(r.find(Table), 'onPageChange', 2);
    await afterRefetch(r, before, () => expect(rows(r).size).toBe(2));
    expect(r.find(Table).props).toMatchObject({ page: 2 });
    expect(proxiedCalls.at(-1)?.pathAndQuery).toMatch(new RegExp(`^/hubspot/app-card/invoices\\?dealId=${dealId}&page=2&userId=4242&portalId=987654&`));
  });

  it('shows an empty state with "Create invoice" on a deal without invoices', async () => {
    const r = await renderCard(newDeal());
    const empty = r.find(EmptyState);
    expect(empty.props.title).toBe('No invoices yet');
    expect(empty.find(Button).text).toBe('Create invoice');
    expect(r.maybeFind(Table)).toBeNull();
  });

  it('shows an error state with "Try again", and the invoices once the service answers', async () => {
    const dealId = newDeal();
    const inv = await createInvoice(app, { dealId });
    // A portal the service does not serve: it refuses, in its own words.
    connectCardProxy(app, { ...TEST_REP, portalId: '777777' });
    try {
      const r = await renderCard(dealId);
      const error = r.find(ErrorState);
      expect(textOf(error)).toMatch(/777777|portal/i);
      expect(r.maybeFind(Table)).toBeNull();
      connectCardProxy(app);
      click(r, 'try-again');
      await r.waitFor(() => expect(rows(r).has(inv.number)).toBe(true), WAIT);
      expect(r.maybeFind(ErrorState)).toBeNull();
    } finally {
      connectCardProxy(app);
    }
  });
  it('keeps the invoices on screen when a refresh fails, says so, and tries again', async () => {
    const dealId = newDeal();
    const inv = await createInvoice(app, { dealId });
    const r = await renderCard(dealId);
    click(r, actionTestId('pdf', inv));
    const [, onClose] = r.mocks.actions.openIframeModal.calls.at(-1)!;
    connectCardProxy(app, { ...TEST_REP, portalId: '777777' });
    try {
      onClose!();
      await r.waitFor(() => expect(r.maybeFind(Alert)).not.toBeNull(), WAIT);
      expect(r.find(Alert).props).toMatchObject({ title: "Couldn't refresh", variant: 'danger' });
      expect(rows(r).has(inv.number)).toBe(true);
    } finally {
      connectCardProxy(app);
    }
    click(r, 'try-again');
    await r.waitFor(() => expect(r.maybeFind(Alert)).toBeNull(), WAIT);
    expect(rows(r).has(inv.number)).toBe(true);
  });
});

describe('the invoice card: actions', () => {
  it('issues a draft: our message, and the row shows it open', async () => {
    const dealId = newDeal();
    const draft = await createInvoice(app, { dealId, contactExternalId: await createContact(app), lines: line('80.00') });
    const r = await renderCard(dealId);
    const before = gets();
    click(r, actionTestId('issue', draft));
    await afterRefetch(r, before, () => expect(statusOf(r, draft.number).text).toBe('Open'));
    expect(lastAlert(r)).toEqual({ type: 'success', message: expect.stringContaining(draft.number) });
    expect(statistic(r, 'Open')).toBe('€80.00');
  });

  it('says why an issue was refused (a draft with no one to bill)', async () => {
    const dealId = newDeal();
    const draft = await createInvoice(app, { dealId, lines: line('80.00') });
    const r = await renderCard(dealId);
    const before = gets();
    click(r, actionTestId('issue', draft));
    await afterRefetch(r, before, () => expect(lastAlert(r)?.type).toBe('danger'));
    expect(lastAlert(r)?.message).toContain(draft.number);
    expect(statusOf(r, draft.number).text).toBe('Draft');
  });

  it('records a payment from the inline form: our message, the new balance and status', async () => {
    const dealId = newDeal();
    const inv = await issued(app, dealId, { currency: 'EUR', lines: line('200.00'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    const r = await renderCard(dealId);
    click(r, actionTestId('payment', inv));
    expect(r.find(Heading).text).toBe('Record payment');
    const amount = r.findByTestId(Input, 'payment-amount');
    expect(amount.props.value).toBe('200.00'); // the balance, to begin with
    fire(amount, 'onChange', '50');
    fire(r.findByTestId(DateInput, 'payment-date'), 'onChange', { year: 2026, month: 10, date: 24 });
    const before = gets();
    click(r, 'payment-submit');
    await afterRefetch(r, before, () => expect(statusOf(r, inv.number).text).toBe('Partially paid'));
    expect(lastAlert(r)).toEqual({ type: 'success', message: expect.stringMatching(/€50\.00.*INV-|INV-.*€50\.00/) });
    expect(textOf(row(r, inv.number))).toContain('Balance €150.00');
    expect(statistic(r, 'Paid')).toBe('€50.00');
    expect(r.maybeFindByTestId(Input, 'payment-amount')).toBeNull(); // the form closed
    const payments = (await app.api('GET', `/invoices/${inv.id}`)).body.payments;
    expect(payments).toEqual([expect.objectContaining({ amount: '50.00', date: '2026-11-24' })]);
  });

  it('refuses a payment above the balance, in our words, and records nothing', async () => {
    const dealId = newDeal();
    const inv = await issued(app, dealId, { currency: 'KWD', lines: line('1.500'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    const r = await renderCard(dealId);
    click(r, actionTestId('payment', inv));
    fire(r.findByTestId(Input, 'payment-amount'), 'onChange', '2');
    const before = gets();
    click(r, 'payment-submit');
    await afterRefetch(r, before, () => expect(lastAlert(r)?.type).toBe('danger'));
    expect(lastAlert(r)?.message).toMatch(/balance/i);
    // The form stays, with the refusal beside the amount; the invoice is unchanged.
    expect(r.findByTestId(Input, 'payment-amount').props.validationMessage).toBe(lastAlert(r)?.message);
    expect(textOf(row(r, inv.number))).toContain('Balance KWD\u00a01.500');
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.payments).toEqual([]);
  });

  it('reads the amount as the rep writes it, and says what it cannot read', async () => {
    const dealId = newDeal();
    const inv = await issued(app, dealId, { currency: 'EUR', lines: line('20.00'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    const r = await renderCard(dealId, 'de-DE');
    click(r, actionTestId('payment', inv));
    expect(r.findByTestId(Input, 'payment-amount').props.value).toBe('20,00');
    fire(r.findByTestId(Input, 'payment-amount'), 'onChange', 'zwölf');
    const before = proxiedCalls.length;
    click(r, 'payment-submit');
    expect(r.findByTestId(Input, 'payment-amount').props.validationMessage).toMatch(/Enter an amount/);
    expect(proxiedCalls.length).toBe(before); // nothing was sent
    fire(r.findByTestId(Input, 'payment-amount'), 'onChange', '12,5');
    const gotten = gets();
    click(r, 'payment-submit');
    await afterRefetch(r, gotten, () => expect(textOf(row(r, inv.number))).toContain('Balance 7,50\u00a0€'));
  });

  it('voids an invoice that received money only with a reason: refused without one, then done', async () => {
    const dealId = newDeal();
    const inv = await issued(app, dealId, { currency: 'JPY', lines: line('9000'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    await pay(app, inv.id, '1000');
    const r = await renderCard(dealId);
    click(r, actionTestId('void', inv));
    expect(r.find(Heading).text).toBe(`Void ${inv.number}?`);
    expect(r.findByTestId(TextArea, 'void-reason').props.required).toBe(true);
    let before = gets();
    click(r, 'void-submit');
    await afterRefetch(r, before, () => expect(lastAlert(r)?.type).toBe('danger'));
    expect(lastAlert(r)?.message).toMatch(/reason/i);
    expect(lastAlert(r)?.message).toContain(inv.number);
    expect(statusOf(r, inv.number).text).toBe('Partially paid');
    expect(r.findByTestId(TextArea, 'void-reason').props.validationMessage).toBe(lastAlert(r)?.message);

    fire(r.findByTestId(TextArea, 'void-reason'), 'onChange', 'Billed to the wrong company');
    before = gets();
    click(r, 'void-submit');
    await afterRefetch(r, before, () => expect(statusOf(r, inv.number).text).toBe('Void'));
    expect(lastAlert(r)).toEqual({ type: 'success', message: expect.stringContaining(inv.number) });
    expect(
      row(r, inv.number)
        .findAll(Button)
        .map((b) => b.text),
    ).toEqual(['PDF']);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.voidReason).toBe('Billed to the wrong company');
  });

  it('voids an invoice without payments after a confirmation, with no reason asked', async () => {
    const dealId = newDeal();
    const inv = await issued(app, dealId, { currency: 'EUR', lines: line('70.00'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    const r = await renderCard(dealId);
    click(r, actionTestId('void', inv));
    expect(r.maybeFindByTestId(TextArea, 'void-reason')).toBeNull();
    const before = gets();
    click(r, 'void-submit');
    await afterRefetch(r, before, () => expect(statusOf(r, inv.number).text).toBe('Void'));
    expect(lastAlert(r)).toEqual({ type: 'success', message: expect.stringContaining(inv.number) });
    expect(statistic(r, 'Open')).toBe('€0.00');
  });

  it('deletes a draft after a confirmation naming it; Cancel deletes nothing', async () => {
    const dealId = newDeal();
    const keep = await createInvoice(app, { dealId, lines: line('1.00') });
    const draft = await createInvoice(app, { dealId, lines: line('2.00') });
    const r = await renderCard(dealId);
    click(r, actionTestId('delete', keep));
    expect(r.find(Heading).text).toBe(`Delete draft ${keep.number}?`);
    click(r, 'panel-cancel');
    expect(r.maybeFind(Heading)).toBeNull();

    click(r, actionTestId('delete', draft));
    expect(r.find(Heading).text).toBe(`Delete draft ${draft.number}?`);
    const before = gets();
    click(r, 'delete-submit');
    await afterRefetch(r, before, () => expect(rows(r).has(draft.number)).toBe(false));
    expect(lastAlert(r)).toEqual({ type: 'success', message: expect.stringContaining(draft.number) });
    expect(rows(r).has(keep.number)).toBe(true);
  });

  it('opens the PDF and the draft editor in iframe modals, and fetches again when one closes', async () => {
    const dealId = newDeal();
    const draft = await createInvoice(app, { dealId, lines: line('5.00') });
    const open = await issued(app, dealId, { currency: 'EUR', lines: line('40.00'), issueDate: '2026-11-01', dueDate: '2026-12-01' });
    const r = await renderCard(dealId);
    const modals = r.mocks.actions.openIframeModal;

    click(r, actionTestId('pdf', open));
    const [pdf, closePdf] = modals.calls.at(-1)!;
    expect(pdf.uri.startsWith(`${BASE_URL}/hubspot/pdf/invoices/`)).toBe(true);
    expect(pdf.width).toBeGreaterThan(0);
    expect(pdf.height).toBeGreaterThan(0);

    click(r, actionTestId('edit', draft));
    const [edit, closeEdit] = modals.calls.at(-1)!;
    expect(edit.uri.startsWith(`${BASE_URL}/hubspot/pages/invoices/`)).toBe(true);
    expect(edit.uri).toContain('/edit');

    // Something changes while the modal is open (a payment recorded in it): closing it shows it.
    await pay(app, open.id, '15.00');
    let before = gets();
    closePdf!();
    await afterRefetch(r, before, () => expect(textOf(row(r, open.number))).toContain('Balance €25.00'));
    expect((await app.api('PATCH', `/invoices/${draft.id}`, { lines: line('6.00') })).status).toBe(200);
    before = gets();
    closeEdit!();
    await afterRefetch(r, before, () => expect(textOf(row(r, draft.number))).toContain('€6.00'));
  });

  it('"Create invoice" opens the create page, and the new invoice shows once it closes', async () => {
    const dealId = newDeal();
    const r = await renderCard(dealId);
    click(r, 'create-invoice');
    const [create, onClose] = r.mocks.actions.openIframeModal.calls.at(-1)!;
    expect(create.uri.startsWith(`${BASE_URL}/hubspot/pages/invoices/new`)).toBe(true);
    const made = await createInvoice(app, { dealId, lines: line('12.00') });
    const before = gets();
    onClose!();
    await afterRefetch(r, before, () => expect(rows(r).has(made.number)).toBe(true));
    expect(r.maybeFind(EmptyState)).toBeNull();
  });
});
