/** `fn` called once `ms` after the last of a burst of calls, with that call's arguments. */
export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
