import { describe, expect, it } from 'vitest';
import { createContact, createInvoice } from '../../test/factories.js';
import { TEST_CLIENT_SECRET } from '../../test/testApp.js';
import { useTestApp } from '../../test/setup.js';
import { previewAppCard } from './previewAppCard.js';

const PORTAL = '424242';
const DEAL = '9300001';
const { app } = useTestApp();

describe('preview --card native', () => {
  it("renders our app card with HubSpot's test renderer against the running service, as text", async () => {
    const contact = await createContact(app);
    const open = await createInvoice(app, { portalId: PORTAL, dealId: DEAL, currency: 'EUR', status: 'open', contactExternalId: contact });
    const draft = await createInvoice(app, { portalId: PORTAL, dealId: DEAL, currency: 'JPY' });
    const text = await previewAppCard({
      serviceUrl: app.url,
      publicUrl: app.publicBaseUrl,
      clientSecret: TEST_CLIENT_SECRET,
      portalId: PORTAL,
      dealId: DEAL,
      userId: '1',
      userEmail: 'rep@example.com',
      appId: '1',
      locale: 'en-US',
      nowMs: () => app.clock.now().getTime(),
    });
    expect(text).toContain('[Create invoice]');
    expect(text).toMatch(/Open EUR: €[\d,]+\.\d\d/);
    const openRow = text.split('\n').find((l) => l.includes(String(open.number)))!;
    expect(openRow).toContain('Open');
    expect(openRow).toContain('Payment');
    const draftRow = text.split('\n').find((l) => l.includes(String(draft.number)))!;
    expect(draftRow).toContain('Draft');
    expect(draftRow).toContain('Dated');
    expect(draftRow).not.toContain('Issued');
  }, 60_000);
});
