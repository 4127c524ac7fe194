import { describe, expect, it } from 'vitest';
import { configSecrets, redactDeep, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('takes the token out of the token-info and refresh-token URLs, as node-fetch and proxies write them', () => {
    expect(redactSecrets('request to https://api.hubapi.com/oauth/v1/access-tokens/CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4 failed, reason: socket hang up')).toBe(
      'request to https://api.hubapi.com/oauth/v1/access-tokens/[redacted] failed, reason: socket hang up',
    );
    expect(redactSecrets('<p>DELETE /oauth/v1/refresh-tokens/na1-ab12-cd34-ef56?x=1 failed</p>')).toBe('<p>DELETE /oauth/v1/refresh-tokens/[redacted]?x=1 failed</p>');
    expect(redactSecrets('"url":"/OAUTH/V1/ACCESS-TOKENS/abc"')).toBe('"url":"/OAUTH/V1/ACCESS-TOKENS/[redacted]"');
  });

  it('takes out credential-named query and form fields, JSON fields and bearer credentials, not look-alikes', () => {
    expect(redactSecrets('grant_type=refresh_token&client_id=abc&client_secret=s3cr3t-value&refresh_token=na1-1234&code=code-99')).toBe(
      'grant_type=refresh_token&client_id=abc&client_secret=[redacted]&refresh_token=[redacted]&code=[redacted]',
    );
    expect(redactSecrets('/oauth/callback?code=abc123&state=eyJub25jZSI.sig')).toBe('/oauth/callback?code=[redacted]&state=[redacted]');
    expect(redactSecrets('{"access_token":"AAA-1234","refresh_token":"na1-x\\"y","hub_id":62515}')).toBe('{"access_token":"[redacted]","refresh_token":"[redacted]","hub_id":62515}');
    expect(redactSecrets('Authorization: Bearer pat-na1-0000-1111')).toBe('Authorization: Bearer [redacted]');
    // Not credentials: other names that merely end like one, and ordinary prose.
    expect(redactSecrets('zipcode=12345&postcode=AB1 and barcode=99')).toBe('zipcode=12345&postcode=AB1 and barcode=99');
    expect(redactSecrets('Contact already exists. Existing ID: 12345')).toBe('Contact already exists. Existing ID: 12345');
    const validation = 'Property values were not valid: [{"isValid":false,"code":"INVALID_EMAIL","state":"x","name":"email"}]';
    expect(redactSecrets(validation)).toBe(validation);
  });

  it('takes out every known secret wherever it is, ignoring short or empty ones', () => {
    expect(redactSecrets('key a1b2c3d4e5f6 in "a1b2c3d4e5f6x"', ['a1b2c3d4e5f6', '', undefined, 'abc'])).toBe('key [redacted] in "[redacted]x"');
  });
});

describe('redactDeep and configSecrets', () => {
  it('redacts every string of a nested value, keeping numbers, dates and shape', () => {
    const when = new Date('2026-01-01T00:00:00Z');
    expect(redactDeep({ a: ['Bearer xyz123', 3], b: { c: 'secret-value-1' }, when }, ['secret-value-1'])).toEqual({ a: ['Bearer [redacted]', 3], b: { c: '[redacted]' }, when });
    const cyclic: Record<string, unknown> = { s: 'ok' };
    cyclic.self = cyclic;
    expect(redactDeep(cyclic)).toEqual({ s: 'ok', self: '[…]' });
  });

  it("knows the configuration's secrets, the encryption key in each form it is written in", () => {
    const key = Buffer.from('ab'.repeat(32), 'hex');
    const s = configSecrets({ apiToken: 'api-token-xyz', tokenEncryptionKey: key, hubspot: { clientSecret: 'client-secret-1', accessToken: undefined } });
    expect(s).toEqual(expect.arrayContaining(['api-token-xyz', 'client-secret-1', 'ab'.repeat(32), 'AB'.repeat(32), key.toString('base64')]));
  });
});
