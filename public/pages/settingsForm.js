// The settings page: the portal's invoice settings and, when it is connected, its push.

import { sayFieldProblem } from '../repWording.js';
import { busy, clearErrors, problemsOf, showProblems } from './formProblems.js';
import { closeModal, data, LOCALE } from './pageData.js';
import { api } from './serviceApi.js';

/** Runs the settings form (#settings-form); a rep who may not edit only reads it. */
export function settingsForm() {
  const form = document.getElementById('settings-form');
  const text = (name) => form.elements[name].value.trim() || null;
  const wording = { locale: LOCALE };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!data.canEdit) return;
    clearErrors(form);
    const terms = form.elements.defaultPaymentTermsDays.value.trim();
    const currency = text('defaultCurrency');
    const settings = {
      sellerName: text('sellerName'),
      sellerAddress: text('sellerAddress'),
      sellerEmail: text('sellerEmail'),
      sellerPhone: text('sellerPhone'),
      sellerTaxId: text('sellerTaxId'),
      paymentInstructions: text('paymentInstructions'),
      invoiceFooter: text('invoiceFooter'),
      defaultCurrency: currency ? currency.toUpperCase() : null,
      defaultPaymentTermsDays: terms === '' ? null : Number.isInteger(Number(terms)) ? Number(terms) : terms,
      locale: text('locale'),
    };
    if (typeof settings.defaultPaymentTermsDays === 'string') {
      return showProblems([{ field: 'defaultPaymentTermsDays', text: sayFieldProblem({ field: 'defaultPaymentTermsDays', message: 'must be a whole number' }, wording) }]);
    }
    const body = { settings, version: data.version };
    if (data.push) {
      // Only what was changed here: a change made elsewhere meanwhile is not undone.
      const push = {};
      const pushEnabled = form.elements.pushEnabled.checked;
      const productIdProperty = form.elements.productIdProperty.value.trim();
      if (pushEnabled !== data.push.pushEnabled) push.pushEnabled = pushEnabled;
      if (productIdProperty !== data.push.productIdProperty) push.productIdProperty = productIdProperty;
      for (const name of ['dealProperties', 'dealTimeline']) {
        const on = form.elements[name].checked;
        if (on !== data.push[name]) push[name] = on;
      }
      if (Object.keys(push).length > 0) body.push = push;
    }
    busy(form, true);
    try {
      await api('PUT', '/settings', body);
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showProblems(problemsOf(err, wording));
    }
  });
  if (data.canEdit) form.elements.sellerName.focus();
  else form.querySelector('[data-cancel]').focus();
}
