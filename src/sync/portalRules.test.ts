import { describe, expect, it } from 'vitest';
import { describeFailures } from '../cli/syncCommands.js';
import { violationsIn } from '../hubspot/hubspotApi.js';
import { breaches, isPortalRule, refusalReason } from './portalRules.js';

describe("a portal admin's validation rules", () => {
  it('reads the properties and messages of both VALIDATION_ERROR shapes, and nothing from other errors', () => {
    expect(
      violationsIn({
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: 'The property values provided are invalid',
        errors: [{ code: 'MISSING_REQUIRED_PROPERTY', message: 'A value for phone must be provided', context: { propertyName: ['phone'] } }],
      }),
    ).toEqual([{ property: 'phone', code: 'MISSING_REQUIRED_PROPERTY', message: 'A value for phone must be provided' }]);
    expect(
      violationsIn({
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: 'Property values were not valid: [{"isValid":false,"message":"Enter only letters","error":"INVALID_ALPHA","name":"firstname"}]',
      }),
    ).toEqual([{ property: 'firstname', code: 'INVALID_ALPHA', message: 'Enter only letters' }]);
    expect(violationsIn({ category: 'VALIDATION_ERROR', message: 'Property values were not valid: [not json' })).toEqual([]);
    expect(violationsIn({ category: 'CONFLICT', message: 'Contact already exists. Existing ID: 1', errors: [{ message: 'x', context: { propertyName: ['email'] } }] })).toEqual([]);
  });

  it("says plainly that a portal admin's rule refused the record and what to do, and tells HubSpot's own checks apart", () => {
    const rule = [{ property: 'phone', code: 'MISSING_REQUIRED_PROPERTY', message: 'A value for phone must be provided' }];
    expect(isPortalRule(rule)).toBe(true);
    expect(refusalReason('contact', rule)).toBe(
      'A validation rule a HubSpot portal admin set refused this contact (phone: “A value for phone must be provided”). Fix the record in the accounting system, or ask the portal admin to change the rule, then replay it.',
    );
    expect(refusalReason('product', rule, true)).toMatch(/^Not sent: it breaks a validation rule a HubSpot portal admin set, read from the portal before the push/);
    const ours = [{ property: 'email', code: 'INVALID_EMAIL', message: 'Email address x is invalid' }];
    expect(isPortalRule(ours)).toBe(false);
    expect(refusalReason('contact', ours)).toBe("HubSpot refused this contact's values: email: “Email address x is invalid”. Fix the record in the accounting system, then replay it.");
  });

  it('judges the rules it can judge exactly, leaves the rest (a pattern among them) to HubSpot, and ignores empty values', () => {
    const rules = [
      { property: 'zip', ruleType: 'ALPHANUMERIC', ruleArguments: ['NUMERIC_ONLY'] },
      { property: 'hs_sku', ruleType: 'MAX_LENGTH', ruleArguments: ['4'] },
      { property: 'firstname', ruleType: 'MIN_LENGTH', ruleArguments: ['2'] },
      { property: 'city', ruleType: 'REGEX', ruleArguments: ['^(a+)+$'] },
      { property: 'price', ruleType: 'MAX_NUMBER', ruleArguments: ['100'] },
    ];
    expect(breaches(rules, { zip: '10115', hs_sku: 'AB-1', firstname: 'Al', city: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', price: '99.5' })).toEqual([]);
    expect(breaches(rules, { zip: '1011A', hs_sku: 'AB-12', firstname: '', price: '101' }).map((v) => [v.property, v.code])).toEqual([
      ['zip', 'ALPHANUMERIC'],
      ['hs_sku', 'MAX_LENGTH'],
      ['price', 'MAX_NUMBER'],
    ]);
  });

  it('refuses up front only what HubSpot surely refuses, however it counts', () => {
    const rules = [
      { property: 'name', ruleType: 'MIN_LENGTH', ruleArguments: ['4'] },
      { property: 'hs_sku', ruleType: 'MAX_LENGTH', ruleArguments: ['4'] },
      { property: 'city', ruleType: 'ALPHANUMERIC', ruleArguments: ['ALPHA_ONLY'] },
      { property: 'zip', ruleType: 'ALPHANUMERIC', ruleArguments: ['NUMERIC_ONLY'] },
    ];
    // Three emoji are 3 characters but 6 UTF-16 units; " AB-1 " is 4 once trimmed; Hebrew letters
    // have no case; "10 115" is not only digits, but HubSpot may allow the space.
    expect(breaches(rules, { name: '😀😀😀', hs_sku: ' AB-1 ', city: 'תל אביב', zip: '10 115' })).toEqual([]);
    expect(breaches(rules, { name: 'Abc', hs_sku: 'AB-123', city: 'Paris 15', zip: '1011A' }).map((v) => v.property)).toEqual(['name', 'hs_sku', 'city', 'zip']);
  });

  it("cli failures lists each refused property with the rule's message", () => {
    const violations = [{ property: 'phone', code: 'MISSING_REQUIRED_PROPERTY', message: 'Every customer needs a phone number' }];
    const text = describeFailures([
      {
        id: '7',
        portalId: '1',
        objectType: 'contact',
        externalId: 'c-1',
        state: 'failed',
        reason: refusalReason('contact', violations),
        error: { status: 207, category: 'VALIDATION_ERROR', message: 'The property values provided are invalid', correlationId: 'abc', violations, refusedBy: 'portal_rule' },
        attempts: 1,
        updatedAt: '2026-11-25T00:00:00Z',
      },
    ]);
    expect(text).toContain('A validation rule a HubSpot portal admin set refused this contact (phone: “Every customer needs a phone number”)');
    expect(text).toContain('ask the portal admin to change the rule, then replay it.');
    expect(text).toContain('      phone: Every customer needs a phone number');
  });
});
