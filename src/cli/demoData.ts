import { addDays } from '../invoices/invoice.js';
import type { Api } from './apiClient.js';

/**
 * Seeds one deal with invoices in every state (overdue, partially paid, open, draft, paid, void,
 * and enough of them that the card offers "View all"), through the running service's /api/v1, so
 * a newcomer can preview the card without HubSpot. Returns the invoice numbers created.
 */
export async function seedDemoDeal(api: Api, portalId: string, dealId: string, today: string): Promise<string[]> {
  await api('PUT', `/portals/${portalId}/settings`, {
    sellerName: 'Nordlicht Software GmbH',
    sellerAddress: 'Torstraße 1\n10119 Berlin\nGermany',
    sellerEmail: 'billing@nordlicht.example',
    sellerPhone: '+49 30 1234567',
    sellerTaxId: 'DE123456789',
    paymentInstructions: 'IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX\nPlease quote the invoice number.',
    invoiceFooter: 'Nordlicht Software GmbH · Amtsgericht Berlin HRB 12345',
    defaultCurrency: 'EUR',
    defaultPaymentTermsDays: 30,
  });
  await api('POST', '/contacts/batch', {
    items: [
      { externalId: 'demo-acme', email: 'ap@acme.example', firstName: 'Ada', lastName: 'Lovelace', company: 'Acme GmbH' },
      { externalId: 'demo-tokyo', email: 'keiri@tokyo.example', firstName: '花子', lastName: '山田', company: '東京商事株式会社' },
    ],
  });
  await api('POST', '/products/batch', {
    items: [
      { externalId: 'demo-consulting', sku: 'CONS-H', name: 'Consulting hour', price: '150.00', currency: 'EUR', type: 'service' },
      { externalId: 'demo-licence', sku: 'LIC-Y', name: 'Annual licence', price: '1200.00', currency: 'EUR', type: 'non_inventory' },
    ],
  });
  const numbers: string[] = [];
  const make = async (issuedDaysAgo: number, currency: string, contact: string, lines: unknown[], status: 'draft' | 'open' = 'open') => {
    const inv = (await api('POST', '/invoices', {
      portalId,
      dealId,
      currency,
      issueDate: addDays(today, -issuedDaysAgo),
      paymentTermsDays: 30,
      contactExternalId: contact,
      status,
      lines,
    })) as { id: string; number: string };
    numbers.push(inv.number);
    return inv.id;
  };
  await make(60, 'EUR', 'demo-acme', [{ productExternalId: 'demo-consulting', quantity: '12', taxRate: '19' }]);
  const partial = await make(20, 'EUR', 'demo-acme', [{ productExternalId: 'demo-licence', quantity: '1', taxRate: '19', discount: { type: 'percent', value: '10' } }]);
  await api('POST', `/invoices/${partial}/payments`, { amount: '500.00', method: 'card' });
  await make(5, 'JPY', 'demo-tokyo', [{ description: '導入支援 (onboarding)', quantity: '1', unitPrice: '480000', taxRate: '10' }]);
  await make(1, 'KWD', 'demo-acme', [{ description: 'Support retainer', quantity: '3', unitPrice: '125.125' }], 'draft');
  const paid = await make(90, 'EUR', 'demo-acme', [{ productExternalId: 'demo-consulting', quantity: '4', taxRate: '19' }]);
  await api('POST', `/invoices/${paid}/payments`, { amount: '714.00', method: 'bank transfer', date: addDays(today, -70) });
  const voided = await make(45, 'EUR', 'demo-acme', [{ productExternalId: 'demo-consulting', quantity: '2', taxRate: '19' }]);
  await api('PATCH', `/invoices/${voided}`, { status: 'void', voidReason: 'Duplicate of an earlier invoice' });
  await make(3, 'EUR', 'demo-acme', [{ productExternalId: 'demo-consulting', quantity: '1.5', taxRate: '19' }]);
  return numbers;
}
