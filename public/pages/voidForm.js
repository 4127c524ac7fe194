// The void page: the reason, required once money came in.

import { sayFieldProblem } from '../repWording.js';
import { busy, clearErrors, problemsOf, showProblems } from './formProblems.js';
import { closeModal, data, LOCALE } from './pageData.js';
import { api } from './serviceApi.js';

/** Runs the void form (#void-form), when the invoice can be voided. */
export function voidForm() {
  const form = document.getElementById('void-form');
  if (!form.elements.voidReason) return;
  const wording = { locale: LOCALE, currency: data.invoice.currency };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const voidReason = form.elements.voidReason.value.trim();
    if (data.needsReason && !voidReason) return showProblems([{ field: 'voidReason', text: sayFieldProblem({ field: 'voidReason', message: 'is required' }, wording) }]);
    busy(form, true);
    try {
      await api('POST', `/invoices/${data.invoice.id}/void`, voidReason ? { voidReason } : {});
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showProblems(problemsOf(err, wording));
    }
  });
  form.elements.voidReason.focus();
}
