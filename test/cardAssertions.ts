import { expect } from 'vitest';
import { cardResponseSchema, type CardAction, type CardResponse } from '../src/card/cardResponse.js';
import { lenientAjv } from '../src/http/validate.js';

const validate = lenientAjv.compile(cardResponseSchema);

/** Asserts the body is a documented card response whose actions all sit under `baseUrl`/hubspot. */
export function expectValidCard(body: unknown, publicBaseUrl: string): CardResponse {
  const ok = validate(body);
  expect(validate.errors ?? [], JSON.stringify(body).slice(0, 500)).toEqual([]);
  expect(ok).toBe(true);
  const card = body as CardResponse;
  for (const a of allActions(card)) expect(a.uri.startsWith(`${publicBaseUrl}/hubspot/`), a.uri).toBe(true);
  return card;
}

export function allActions(card: CardResponse): CardAction[] {
  return [...(card.primaryAction ? [card.primaryAction] : []), ...(card.secondaryActions ?? []), ...(card.settingsAction ? [card.settingsAction] : []), ...card.results.flatMap((r) => r.actions)];
}

/** The value of a per-invoice property by label. */
export function prop(result: CardResponse['results'][number], label: string) {
  return result.properties.find((p) => p.label === label);
}
