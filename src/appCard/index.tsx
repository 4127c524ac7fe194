import { hubspot } from '@hubspot/ui-extensions';
import { InvoiceCard } from './InvoiceCard';

// The card's entry point: HubSpot renders what hubspot.extend registers, handing it the
// extension's context and actions. Under the test renderer hubspot.extend does nothing: tests
// render InvoiceCard itself, which then reads both from the renderer's hooks.
hubspot.extend<'crm.record.tab'>(({ context, actions }) => <InvoiceCard context={context} actions={actions} />);

export { InvoiceCard };
export default InvoiceCard;
