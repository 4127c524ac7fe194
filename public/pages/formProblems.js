// Problems shown on a page's form: beside their field, or on top of the form. Every problem goes
// through the wording table in repWording.js before a rep reads it.

import { fieldLabel, sayFieldProblem, sayRefusal } from '../repWording.js';

const formError = document.getElementById('form-error');

/** Empties every field's problem (under `root`) and the form's own. */
export function clearErrors(root = document) {
  for (const el of root.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of root.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  if (formError) {
    formError.hidden = true;
    formError.textContent = '';
  }
}

function showFormError(message) {
  if (!formError) return alert(message);
  formError.textContent = message;
  formError.hidden = false;
  formError.scrollIntoView({ block: 'nearest' });
}

/**
 * Puts each { field, text } (already in the rep's words) beside its field; what has no field, or
 * no slot on this page, goes on top of the form, named by its field.
 */
export function showProblems(problems) {
  const unplaced = [];
  let first;
  for (const p of problems) {
    const slot = p.field ? document.querySelector(`.field-error[data-for="${CSS.escape(p.field)}"]`) : null;
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${p.text}` : p.text;
      const input = document.querySelector(`[data-field="${CSS.escape(p.field)}"]`) ?? document.querySelector(`[name="${CSS.escape(p.field)}"]`);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        first ??= input;
      }
    } else {
      const label = p.field ? fieldLabel(p.field) : null;
      unplaced.push(label ? `${label}: ${p.text}` : p.text);
    }
  }
  if (unplaced.length) showFormError(unplaced.join(' — '));
  first?.focus();
}

/** An API error as the rep's problems: each field problem through the wording table. */
export function problemsOf(err, ctx) {
  if (err.details.length) return err.details.map((d) => ({ field: d.field, text: sayFieldProblem(d, ctx) }));
  const refusal = sayRefusal({ code: err.code, details: err.info }, ctx);
  if (refusal) return [{ field: refusal.field ?? null, text: refusal.message }];
  return [{ field: null, text: err.message }];
}

/** Disables the form's buttons while a call is in flight. */
export function busy(form, on) {
  for (const b of form.querySelectorAll('button')) b.disabled = on;
  document.body.classList.toggle('busy', on);
}
