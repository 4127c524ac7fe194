// The payment page: the amount (the balance by default), its date, method and reference.

import { formatForInput, readDecimal } from '../locale.js';
import { sayUnreadableNumber } from '../repWording.js';
import { busy, clearErrors, problemsOf, showProblems } from './formProblems.js';
import { closeModal, data, LOCALE } from './pageData.js';
import { api, newKey } from './serviceApi.js';

/** Runs the payment form (#payment-form), when the invoice takes payments. */
export function paymentForm() {
  const form = document.getElementById('payment-form');
  const inv = data.invoice;
  if (!form.elements.amount) return;
  const wording = { locale: LOCALE, currency: inv.currency, exponent: data.exponent };
  const balance = formatForInput(inv.balance, LOCALE);
  form.elements.amount.value = balance;
  form.elements.date.value = data.today;
  document.getElementById('pay-full').addEventListener('click', () => {
    form.elements.amount.value = balance;
    form.elements.amount.focus();
  });
  const key = newKey();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const amount = readDecimal(form.elements.amount.value, LOCALE);
    if (!amount.ok) return showProblems([{ field: 'amount', text: sayUnreadableNumber('amount', amount, wording) }]);
    busy(form, true);
    try {
      await api(
        'POST',
        `/invoices/${inv.id}/payments`,
        {
          amount: amount.value,
          date: form.elements.date.value,
          method: form.elements.method.value,
          reference: form.elements.reference.value.trim() || null,
        },
        { 'Idempotency-Key': key },
      );
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showProblems(problemsOf(err, wording));
    }
  });
  form.elements.amount.focus();
  form.elements.amount.select();
}
