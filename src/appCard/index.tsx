import { hubspot } from '@hubspot/ui-extensions';
import { InvoiceCard } from './InvoiceCard';

// The card's entry point: HubSpot renders what hubspot.extend registers (under the test renderer
// it does nothing, so tests render InvoiceCard itself).
hubspot.extend<'crm.record.tab'>(() => <InvoiceCard />);

export { InvoiceCard };
