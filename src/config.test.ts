import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeMissingSetup, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('starts with nothing set, on the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicBaseUrl).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.hubspot.clientSecret).toBeUndefined();
    expect(c.hubspot.allowV2Only).toBe(false);
    expect(c.hubspot.apiBaseUrl).toBe('https://api.hubapi.com');
    expect(c.hubspot.rateLimitPer10s).toBe(100);
    expect(c.apiToken).toBeUndefined();
    expect(c.syncIntervalSeconds).toBe(300);
    expect(c.logLevel).toBe('info');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.hubspot)).toBe(true);
  });

  it('derives the public URL from PORT and strips a trailing slash from PUBLIC_BASE_URL', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://inv.example.com/app/' }).publicBaseUrl).toBe('https://inv.example.com/app');
  });

  it('treats empty variables as unset', () => {
    const c = loadConfig({ PORT: '', API_TOKEN: '  ', HUBSPOT_CLIENT_SECRET: '' });
    expect(c.port).toBe(3000);
    expect(c.apiToken).toBeUndefined();
    expect(c.hubspot.clientSecret).toBeUndefined();
  });

  it('lists every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        PUBLIC_BASE_URL: 'ftp://x',
        DATABASE_URL: 'mysql://x',
        HUBSPOT_ALLOW_V2_ONLY: 'maybe',
        HUBSPOT_RATE_LIMIT_PER_10S: '0',
        API_TOKEN: 'short',
        SYNC_INTERVAL_SECONDS: '-5',
        LOG_LEVEL: 'loud',
        HUBSPOT_ACCESS_TOKEN: 'pat-na1-x',
        TOKEN_ENCRYPTION_KEY: 'nope',
        HUBSPOT_ALLOWED_PORTAL_IDS: '123, abc',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'PUBLIC_BASE_URL',
      'DATABASE_URL',
      'HUBSPOT_ALLOW_V2_ONLY',
      'HUBSPOT_RATE_LIMIT_PER_10S',
      'API_TOKEN',
      'SYNC_INTERVAL_SECONDS',
      'LOG_LEVEL',
      'HUBSPOT_PORTAL_ID',
      'TOKEN_ENCRYPTION_KEY',
      'HUBSPOT_ALLOWED_PORTAL_IDS',
    ]) {
      expect(problems, name).toContain(name);
    }
    expect((error as ConfigError).message).toMatch(/^Invalid configuration:\n {2}- /);
  });

  it('parses booleans and keys in the usual spellings', () => {
    expect(loadConfig({ HUBSPOT_ALLOW_V2_ONLY: 'TRUE' }).hubspot.allowV2Only).toBe(true);
    expect(loadConfig({ HUBSPOT_ALLOW_V2_ONLY: '0' }).hubspot.allowV2Only).toBe(false);
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ TOKEN_ENCRYPTION_KEY: hex }).tokenEncryptionKey?.length).toBe(32);
    expect(loadConfig({ TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }).tokenEncryptionKey?.length).toBe(32);
  });

  it('reads the portals allowed to install, separated by commas or spaces', () => {
    expect(loadConfig({ HUBSPOT_ALLOWED_PORTAL_IDS: '123, 456 789' }).hubspot.allowedPortalIds).toEqual(['123', '456', '789']);
    expect(loadConfig({}).hubspot.allowedPortalIds).toBeUndefined();
  });

  it('trusts X-Forwarded-For from loopback only unless TRUSTED_PROXIES names others, and refuses bad values', () => {
    expect(loadConfig({}).trustedProxies).toEqual(['loopback']);
    expect(loadConfig({ TRUSTED_PROXIES: 'loopback, 10.0.3.0/24 fd00::/8  192.168.1.7' }).trustedProxies).toEqual(['loopback', '10.0.3.0/24', 'fd00::/8', '192.168.1.7']);
    expect(loadConfig({ TRUSTED_PROXIES: 'none' }).trustedProxies).toEqual([]);
    for (const bad of ['10.0.0.0/33', '0.0.0.0/0', '::/0', 'proxy.internal', '10.0.0', '10.0.0.1/8/2', 'everyone', '*']) {
      expect(() => loadConfig({ TRUSTED_PROXIES: bad }), bad).toThrow(/TRUSTED_PROXIES=.*loopback, linklocal, uniquelocal/);
    }
  });

  it('selects the CRM and OAuth API versions, defaulting to the newest date versions, and names the allowed values of a bad one', () => {
    expect(loadConfig({}).hubspot).toMatchObject({ apiVersion: '2026-09', oauthVersion: '2026-03' });
    expect(loadConfig({ HUBSPOT_API_VERSION: 'v3', HUBSPOT_OAUTH_VERSION: 'V1' }).hubspot).toMatchObject({ apiVersion: 'v3', oauthVersion: 'v1' });
    expect(loadConfig({ HUBSPOT_API_VERSION: '2026-03' }).hubspot.apiVersion).toBe('2026-03');
    expect(loadConfig({ HUBSPOT_OAUTH_VERSION: 'current' }).hubspot.oauthVersion).toBe('2026-03');
    let error: unknown;
    try {
      loadConfig({ HUBSPOT_API_VERSION: 'v4', HUBSPOT_OAUTH_VERSION: 'v3', PORT: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toContain('HUBSPOT_API_VERSION="v4" must be one of 2026-09, 2026-03, v3');
    expect(problems.join('\n')).toContain('HUBSPOT_OAUTH_VERSION="v3" must be one of 2026-03, v1, current');
  });

  it('reads HUBSPOT_APP_ID as a numeric app id', () => {
    expect(loadConfig({ HUBSPOT_APP_ID: '3141592' }).hubspot.appId).toBe('3141592');
    expect(loadConfig({}).hubspot.appId).toBeUndefined();
    expect(() => loadConfig({ HUBSPOT_APP_ID: 'my-app' })).toThrow(/HUBSPOT_APP_ID="my-app" must be the numeric id/);
  });

  it('says at start when no HubSpot account is served, or the private-app one is not allowed', () => {
    const base = { HUBSPOT_CLIENT_SECRET: 's', API_TOKEN: 'x'.repeat(16) };
    expect(describeMissingSetup(loadConfig(base)).join('\n')).toMatch(/No HubSpot account is served.*HUBSPOT_ALLOWED_PORTAL_IDS/);
    expect(describeMissingSetup(loadConfig({ ...base, HUBSPOT_ALLOWED_PORTAL_IDS: '1' })).join('\n')).not.toMatch(/account is served|HUBSPOT_PORTAL_ID/);
    expect(describeMissingSetup(loadConfig({ ...base, HUBSPOT_ACCESS_TOKEN: 't', HUBSPOT_PORTAL_ID: '5' })).join('\n')).not.toMatch(/account is served/);
    expect(describeMissingSetup(loadConfig({ ...base, HUBSPOT_ACCESS_TOKEN: 't', HUBSPOT_PORTAL_ID: '5', HUBSPOT_ALLOWED_PORTAL_IDS: '1' })).join('\n')).toContain(
      'HUBSPOT_PORTAL_ID 5 is not in HUBSPOT_ALLOWED_PORTAL_IDS',
    );
  });

  it('requires the encryption key once OAuth is configured', () => {
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: 'id', HUBSPOT_REDIRECT_URI: 'https://x.example/oauth/callback' })).toThrow(/TOKEN_ENCRYPTION_KEY is required/);
  });

  it('says which optional features are off and which variable enables each', () => {
    const notes = describeMissingSetup(loadConfig({})).join('\n');
    expect(notes).toContain('HUBSPOT_CLIENT_SECRET');
    expect(notes).toContain('API_TOKEN');
    expect(describeMissingSetup(loadConfig({ HUBSPOT_CLIENT_SECRET: 's', API_TOKEN: 'x'.repeat(16) })).join()).not.toMatch(/SECRET|API_TOKEN/);
  });
});
