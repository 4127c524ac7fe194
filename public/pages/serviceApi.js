// The page's calls to the service (src/pages/pageApi.ts), with the page's session token: every
// failure, the network's included, becomes an ApiError whose message a rep can read.

import { data } from './pageData.js';

/** A refused or failed call: the service's error code, its field details, or its other details. */
class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The invoice service answered ${status}: try again, or close this window and open it again from the card.`);
    this.status = status;
    this.code = body?.error?.code;
    this.details = Array.isArray(body?.error?.details) ? body.error.details : [];
    /** Non-list details of a refusal (e.g. the balance of an overpayment). */
    this.info = Array.isArray(body?.error?.details) ? null : body?.error?.details;
  }
}

/** Calls the page API; resolves to the JSON answer, rejects with an ApiError. */
export async function api(method, path, body, headers = {}) {
  let res;
  try {
    res = await fetch(`${data.api}${path}`, {
      method,
      headers: { 'X-Page-Token': data.token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, { error: { message: 'The invoice service could not be reached. Check your connection and try again.' } });
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** A fresh idempotency key, so a retried submit never records twice. */
export const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
