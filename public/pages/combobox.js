// A search box (WAI-ARIA combobox): the customer and each line's product on the invoice form.

import { debounce } from './debounce.js';

let comboboxCount = 0;

/**
 * Makes `input` a search box over `search(q) → items`; `render(item) → {label, detail}`; calls
 * onPick(item) on Enter or click. Arrow keys move, Escape closes.
 */
export function combobox(input, list, { search, render, onPick, onClear }) {
  let items = [];
  let active = -1;
  let seq = 0;
  // The query the list shows results for (a search answers for the text it was sent with, which the
  // rep may have changed since); whether the rep moved through the list with the arrow keys since
  // it was shown; whether an Enter is waiting for the results for what the rep typed.
  let shownFor = null;
  let moved = false;
  let pickWhenShown = false;
  // Whether the text is the rep's typing rather than a picked result.
  let typed = false;
  const id = `cb${++comboboxCount}`;
  list.id ||= `${id}-list`;
  input.setAttribute('aria-controls', list.id);

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    for (const [n, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(n === i));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `${id}-opt${i}`);
      list.children[i]?.scrollIntoView({ block: 'nearest' });
    }
  };
  const pick = (i) => {
    const item = items[i];
    if (!item) return;
    typed = false;
    close();
    onPick(item);
  };
  const show = (found, q) => {
    items = found;
    list.replaceChildren(
      ...(found.length
        ? found.map((item, i) => {
            const li = document.createElement('li');
            li.id = `${id}-opt${i}`;
            li.setAttribute('role', 'option');
            const { label, detail } = render(item);
            const main = document.createElement('span');
            main.textContent = label;
            li.append(main);
            if (detail) {
              const sub = document.createElement('span');
              sub.className = 'secondary-text';
              sub.textContent = detail;
              li.append(sub);
            }
            li.addEventListener('mousedown', (e) => {
              e.preventDefault();
              pick(i);
            });
            return li;
          })
        : [Object.assign(document.createElement('li'), { className: 'empty', textContent: 'No matches' })]),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(found.length ? 0 : -1);
    shownFor = q;
    moved = false;
    if (pickWhenShown && q === input.value.trim()) {
      pickWhenShown = false;
      if (found.length) pick(0);
    }
  };
  // Said aloud by screen readers (a listbox's own items are not): why the search failed.
  const status = Object.assign(document.createElement('span'), { className: 'visually-hidden' });
  status.setAttribute('role', 'status');
  list.after(status);
  // The search did not answer: the list says so, and an Enter waiting for it is dropped (the
  // next Enter searches again). A refusal the service explained (the page expired, too many
  // searches) is shown in its words; no answer at all, or a server error, as a retry.
  const showFailure = (err) => {
    items = [];
    const text = err?.status >= 400 && err.status < 500 && err.message ? err.message : "The search didn't answer. Press Enter to try again.";
    list.replaceChildren(Object.assign(document.createElement('li'), { className: 'empty', textContent: text }));
    status.textContent = text;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(-1);
    shownFor = null;
    moved = false;
    pickWhenShown = false;
  };
  const run = debounce(async () => {
    const mine = ++seq;
    const q = input.value.trim();
    let found;
    try {
      found = await search(q);
    } catch (err) {
      if (mine === seq && document.activeElement === input) showFailure(err);
      return;
    }
    status.textContent = '';
    if (mine === seq && document.activeElement === input) show(found, q);
  }, 180);

  input.addEventListener('input', () => {
    // New text: an Enter or an arrow-key choice made for the old text no longer stands.
    typed = true;
    moved = false;
    pickWhenShown = false;
    onClear?.();
    run();
  });
  // Coming back to a box that holds a picked result does not open a list over the form (an Enter
  // there would pick the first result for the pick's label): ArrowDown opens it.
  input.addEventListener('focus', () => {
    if (typed || !input.value.trim()) run();
  });
  input.addEventListener('blur', () => {
    pickWhenShown = false;
    setTimeout(close, 120);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (list.hidden) run();
      else if (items.length) {
        moved = true;
        highlight(Math.min(items.length - 1, active + 1));
      }
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      // Nothing to move through ("No matches", or a failed search): the keys change nothing.
      if (list.hidden || !items.length) return;
      moved = true;
      highlight(Math.max(0, active - 1));
    } else if (e.key === 'Enter' && (!list.hidden || pickWhenShown || (typed && input.value.trim() && shownFor !== input.value.trim()))) {
      e.preventDefault();
      // The list may still show an earlier query's results, or none yet (the search for what was
      // just typed has not answered): Enter then picks the first result for what the rep typed,
      // once it is in. A result the rep moved to with the arrow keys is the rep's choice.
      if (!list.hidden && (shownFor === input.value.trim() || moved)) pick(active);
      else {
        pickWhenShown = true;
        run();
      }
    } else if (e.key === 'Escape' && (!list.hidden || pickWhenShown)) {
      e.preventDefault();
      pickWhenShown = false;
      close();
    }
  });
}
