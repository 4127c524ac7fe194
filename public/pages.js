// The card's iframe pages: create and edit invoices, record payments, void, view, list, settings.
// Plain browser JavaScript, no build step and no third-party code: every request goes to this
// service with the page's token, and every amount shown comes from the server's money rules.
// Numbers are read and dates and amounts shown in the rep's locale (the browser's language: the
// page is not told the HubSpot user's own locale), and every problem a rep reads goes through the
// wording table in repWording.js.
//
// This is the entry module every page loads (its URL carries a content hash); the modules in
// pages/ hold one concern each and are imported from here.

import { formatDate, formatMoney } from './locale.js';
import { invoiceForm } from './pages/invoiceForm.js';
import { closeModal, data, LOCALE } from './pages/pageData.js';
import { paymentForm } from './pages/paymentForm.js';
import { settingsForm } from './pages/settingsForm.js';
import { voidForm } from './pages/voidForm.js';

document.documentElement.lang = LOCALE;

// Dates and amounts the server wrote into the page: shown the rep's way.
for (const t of document.querySelectorAll('time[datetime]')) t.textContent = formatDate(t.dateTime, LOCALE);
for (const m of document.querySelectorAll('[data-money]')) m.textContent = formatMoney(m.dataset.money, m.dataset.currency, Number(m.dataset.exponent), LOCALE);

// Cancel, Close and Escape close HubSpot's modal.
for (const b of document.querySelectorAll('[data-cancel], [data-close]')) {
  b.addEventListener('click', () => closeModal('CANCEL'));
}
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('.listbox:not([hidden])')) closeModal('CANCEL');
});

// The list and view pages need nothing more; the others run their form.
({ create: invoiceForm, edit: invoiceForm, payment: paymentForm, void: voidForm, settings: settingsForm })[data.kind]?.();
