// The settings page: a pure view of the portal's invoice settings and its push settings.

import { formatDate } from '../../public/locale.js';
import { html, raw, type SafeHtml } from '../html/html.js';
import type { PortalSettings } from '../settings/settingsRepo.js';

export interface SettingsPageView {
  settings: PortalSettings;
  /** Whether this rep may change the settings (else every field is disabled). */
  canEdit: boolean;
  /** The push settings when the portal is connected for the push, else null (no such fieldset). */
  push: { pushEnabled: boolean; productIdProperty: string; dealProperties: boolean; dealTimeline: boolean } | null;
  /** For a rep who may not edit: the request that makes them an editor, or null when they cannot be named. */
  editorRequest: string | null;
}

/**
 * What a rep who may not change the settings reads: who can, and the exact request that makes the
 * rep an editor, for the admin to send.
 */
function editorAdvice(request: string | null): SafeHtml {
  return html`<div class="notice" role="note">
      <p>Only this account's settings editors can change these settings: the user who installed the app, and the HubSpot users an admin of the invoice service names.</p>
      ${
        request
          ? html`<p>To make you one, your finance admin sends this request to the invoice service, with its API token:</p>
      <pre class="request"><code>${request}</code></pre>`
          : html`<p>Ask your finance admin to add your HubSpot user as a settings editor.</p>`
      }
    </div>`;
}

/** The settings form: the seller on the PDF, new invoices' defaults, and the push when connected. */
export function renderSettingsPage({ settings, canEdit, push, editorRequest }: SettingsPageView): SafeHtml {
  const ro = canEdit ? raw('') : raw('disabled');
  const field = (name: string, label: string, value: string | number | null, attrs: SafeHtml = raw(''), hint?: string) => html`<div class="field">
      <label for="${name}">${label} <span class="optional">(optional)</span></label>
      <input id="${name}" name="${name}" value="${value ?? ''}" ${attrs} ${ro}>
      ${hint ? html`<p class="hint">${hint}</p>` : ''}
      <p class="field-error" data-for="${name}"></p>
    </div>`;
  const area = (name: string, label: string, value: string | null, max: number) => html`<div class="field">
      <label for="${name}">${label} <span class="optional">(optional)</span></label>
      <textarea id="${name}" name="${name}" rows="3" maxlength="${max}" ${ro}>${value ?? ''}</textarea>
      <p class="field-error" data-for="${name}"></p>
    </div>`;
  return html`
<form id="settings-form" novalidate>
  <header class="page-header"><h1>Invoice settings</h1><p class="subtitle">For every deal in this HubSpot account</p></header>
  <div class="scroll">
    <div class="form-error" id="form-error" role="alert" hidden></div>
    ${canEdit ? '' : editorAdvice(editorRequest)}
    <fieldset><legend>Seller on the PDF</legend>
      ${field('sellerName', 'Company name', settings.sellerName, raw('maxlength="200" autocomplete="organization"'))}
      ${area('sellerAddress', 'Address', settings.sellerAddress, 1000)}
      ${field('sellerEmail', 'Email', settings.sellerEmail, raw('type="email" maxlength="254"'))}
      ${field('sellerPhone', 'Phone', settings.sellerPhone, raw('maxlength="50"'))}
      ${field('sellerTaxId', 'Tax ID', settings.sellerTaxId, raw('maxlength="100"'))}
      ${area('paymentInstructions', 'Payment instructions', settings.paymentInstructions, 2000)}
      ${area('invoiceFooter', 'Footer', settings.invoiceFooter, 1000)}
      ${field('locale', 'Date and number format', settings.locale, raw('maxlength="35" autocapitalize="off" spellcheck="false"'), `A language and region: en-GB prints 1 Dec 2026 and 1,234.50; de-DE prints ${formatDate('2026-12-01', 'de-DE')} and 1.234,50. Empty: en-GB.`)}
    </fieldset>
    <fieldset><legend>New invoices</legend>
      ${field('defaultCurrency', 'Default currency', settings.defaultCurrency, raw('maxlength="3" pattern="[A-Za-z]{3}" autocapitalize="characters"'), "An ISO code such as EUR; the deal's own currency comes first.")}
      ${field('defaultPaymentTermsDays', 'Payment terms (days)', settings.defaultPaymentTermsDays, raw('type="number" min="0" max="3650" step="1" inputmode="numeric"'))}
    </fieldset>
    ${
      push
        ? html`<fieldset><legend>Push to HubSpot</legend>
      <div class="field checkbox"><label><input type="checkbox" name="pushEnabled" ${push.pushEnabled ? 'checked' : ''} ${ro}> Push the accounting system's contacts and products into this account</label></div>
      <div class="field">
        <label for="productIdProperty">Product ID property</label>
        <input id="productIdProperty" name="productIdProperty" value="${push.productIdProperty}" maxlength="100" pattern="[a-z][a-z0-9_]*" required ${ro}>
        <p class="hint">A unique HubSpot product property holding the accounting system's id. Renaming it sends every product again, by id, so each carries the new one.</p>
        <p class="field-error" data-for="productIdProperty"></p>
      </div>
      <div class="field checkbox"><label><input type="checkbox" name="dealProperties" ${push.dealProperties ? 'checked' : ''} ${ro}> Show each deal's billing (invoiced, paid, balance due, overdue, billing status) in deal properties</label></div>
      <div class="field checkbox"><label><input type="checkbox" name="dealTimeline" ${push.dealTimeline ? 'checked' : ''} ${ro}> Add a note to the deal's timeline when an invoice is issued, paid or voided</label></div>
      <p class="hint">Turning either on fills in every deal that already has invoices.</p>
    </fieldset>`
        : ''
    }
  </div>
  <footer class="page-footer"><div class="actions">
    <button type="button" class="button secondary" data-cancel>${canEdit ? 'Cancel' : 'Close'}</button>
    ${canEdit ? html`<button type="submit" class="button primary">Save settings</button>` : ''}
  </div></footer>
</form>`;
}
