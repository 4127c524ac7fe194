import type { ErrorObject } from 'ajv';
import { cardResponseSchema, type CardAction, type CardResponse } from '../card/cardResponse.js';
import type { AppDefinition } from '../hubspot/appDefinition.js';
import { signV2, v3Headers } from '../hubspot/signature.js';
import { lenientAjv } from '../http/validate.js';
import { currencyExponent, isCurrency } from '../money/currencies.js';
import { formatMoney } from '../../public/locale.js';

/** Where a preview calls, what HubSpot would sign, and who is asking: the same for both cards. */
export interface PreviewTarget {
  /** Where to send the requests (the running service). */
  serviceUrl: string;
  /** The URL HubSpot would call, which the signature covers (PUBLIC_BASE_URL). */
  publicUrl: string;
  clientSecret: string;
  portalId: string;
  dealId: string;
  userId: string;
  userEmail: string;
}

export interface PreviewOptions extends PreviewTarget {
  properties: Record<string, string>;
  /** Sign and send like the converter app card through hubspot.fetch (URLSearchParams encoding, HubSpot's appended parameters) instead of the classic card. */
  appCard?: { appId: string } | undefined;
  definition: AppDefinition;
  nowMs: number;
}

export interface PreviewResult {
  status: number;
  durationMs: number;
  body: unknown;
  schemaErrors: string[];
  url: string;
}

// The classic card writes the query string itself: '@' stays raw and spaces become '+', as seen in
// real HubSpot requests. The app card builds it with URLSearchParams, which escapes '@' as %40.
function classicEncode(v: string): string {
  return encodeURIComponent(v).replace(/%40/g, '@').replace(/%20/g, '+');
}

/** Builds the data-fetch URL exactly as HubSpot would: defaults first, then propertiesToSend. */
export function dataFetchUrl(o: Omit<PreviewOptions, 'serviceUrl' | 'clientSecret' | 'nowMs'>, base: string): string {
  const target = new URL(o.definition.card.fetch.targetUrl);
  const path = target.pathname;
  const pairs: Array<[string, string]> = [
    ['userId', o.userId],
    ['userEmail', o.userEmail],
    ['associatedObjectId', o.dealId],
    ['associatedObjectType', 'DEAL'],
    ['portalId', o.portalId],
  ];
  const deals = o.definition.card.fetch.objectTypes.find((t) => t.name === 'deals');
  for (const name of deals?.propertiesToSend ?? []) {
    const value = o.properties[name] ?? (name === 'hs_object_id' ? o.dealId : undefined);
    if (value !== undefined) pairs.push([name, value]);
  }
  if (o.appCard) {
    // The converter writes its parameters, then HubSpot's proxy appends userId, portalId,
    // userEmail and appId to every hubspot.fetch call (so the first three arrive twice).
    const params = new URLSearchParams(pairs.filter(([, v]) => v !== ''));
    params.append('userId', o.userId);
    params.append('portalId', o.portalId);
    params.append('userEmail', o.userEmail);
    params.append('appId', o.appCard.appId);
    return `${base}${path}?${params.toString()}`;
  }
  return `${base}${path}?${pairs.map(([k, v]) => `${k}=${classicEncode(v)}`).join('&')}`;
}

const validateCard = lenientAjv.compile(cardResponseSchema);

/** Lists schema problems and action URLs that fall outside the card's actions.baseUrls. */
export function checkCardResponse(body: unknown, definition: AppDefinition): string[] {
  const problems: string[] = [];
  if (!validateCard(body)) {
    problems.push(...(validateCard.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`));
    return problems;
  }
  const card = body as CardResponse;
  const actions: CardAction[] = [
    ...(card.primaryAction ? [card.primaryAction] : []),
    ...(card.secondaryActions ?? []),
    ...(card.settingsAction ? [card.settingsAction] : []),
    ...card.results.flatMap((r) => r.actions),
  ];
  for (const a of actions) {
    if (!definition.card.actions.baseUrls.some((b) => a.uri.startsWith(b))) {
      problems.push(`action "${a.label}" points outside actions.baseUrls: ${a.uri.slice(0, 80)}`);
    }
  }
  return problems;
}

/** Signs a data fetch as HubSpot does (v2 + v3), sends it, and checks the answer. */
export async function previewCard(o: PreviewOptions): Promise<PreviewResult> {
  const publicUrl = dataFetchUrl(o, o.publicUrl.replace(/\/+$/, ''));
  const sendUrl = o.serviceUrl.replace(/\/+$/, '') + publicUrl.slice(o.publicUrl.replace(/\/+$/, '').length);
  const timestamp = String(o.nowMs);
  const headers = v3Headers(o.clientSecret, 'GET', publicUrl, '', timestamp);
  if (!o.appCard) {
    headers['X-HubSpot-Signature'] = signV2(o.clientSecret, 'GET', publicUrl, '');
    headers['X-HubSpot-Signature-Version'] = 'v2';
  }
  const started = performance.now();
  const res = await fetch(sendUrl, { headers, signal: AbortSignal.timeout(o.appCard ? 15_000 : 5_000) });
  const text = await res.text();
  const durationMs = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // left as text; reported below
  }
  const schemaErrors = res.ok ? checkCardResponse(body, o.definition) : [];
  return { status: res.status, durationMs, body, schemaErrors, url: sendUrl };
}

/** A card's decimal money string for a person: "1234.5" EUR → "€1,234.50" (CAD as "CA$", as the preview always wrote it). */
function moneyText(value: string, currency: string): string {
  return isCurrency(currency) ? formatMoney(value, currency, currencyExponent(currency), 'en-US', 'symbol') : `${value} ${currency}`;
}

/** The card as a rep would see it, in plain text. */
export function renderCardText(card: CardResponse, definition: AppDefinition, totalTitle: string): string {
  const lines: string[] = [];
  const display = definition.card.display.properties;
  lines.push(`┌─ ${totalTitle} ${'─'.repeat(Math.max(0, 60 - totalTitle.length))}`);
  if (card.results.length === 0) lines.push('│ No invoices on this deal yet.');
  for (const r of card.results) {
    const statusProp = display.find((d) => d.dataType === 'STATUS');
    const statusValue = statusProp ? String(r[statusProp.name] ?? '') : '';
    const statusLabel = statusProp?.options.find((o) => o.name === statusValue)?.label ?? statusValue;
    lines.push(`│ ${r.title.padEnd(40)} [${statusLabel}]`);
    const dates = display
      .filter((d) => d.dataType === 'DATE' && r[d.name])
      .map((d) => `${d.label} ${String(r[d.name])}`)
      .join(' · ');
    if (dates) lines.push(`│   ${dates}`);
    const props = r.properties.map((p) => `${p.label}: ${p.dataType === 'CURRENCY' ? moneyText(p.value, p.currencyCode) : p.value}`);
    if (props.length) lines.push(`│   ${props.join(' · ')}`);
    if (r.actions.length) lines.push(`│   Actions: ${r.actions.map((a) => (a.type === 'CONFIRMATION_ACTION_HOOK' ? `${a.label} (asks first)` : a.label)).join(' · ')}`);
    lines.push('│');
  }
  const bottom = [card.primaryAction, ...(card.secondaryActions ?? [])].filter(Boolean).map((a) => `[${a!.label}]`);
  if (bottom.length) lines.push(`│ ${bottom.join('  ')}`);
  lines.push(`└${'─'.repeat(63)}`);
  return lines.join('\n');
}
