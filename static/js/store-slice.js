/**
 * One key of the page's store owned by a component (the patch panel owns `anim`, grid mode
 * `grid`): read it, write it, and hear only of changes made by someone else (history
 * navigation, a shared link, the embed host), never of the component's own writes.
 * @module store-slice
 */

/**
 * @template T
 * @param {{getState: () => object, setState: (patch: object) => void,
 *   subscribe: (fn: (state: object, previous: object) => void) => () => void}} store
 * @param {string} key the state key the component owns
 * @param {{onOutsideChange: (value: T, state: object) => void}} handlers
 * @returns {{read: () => T, write: (value: T) => void, destroy: () => void}}
 */
export function storeSlice(store, key, { onOutsideChange }) {
  // the last value this component wrote or was told of: a change to anything else is news
  let known = store.getState()[key];
  const unsubscribe = store.subscribe((state, previous) => {
    const value = state[key];
    if (value === previous[key] || value === known) return;
    known = value;
    onOutsideChange(value, state);
  });
  return {
    read: () => store.getState()[key],
    write(value) {
      known = value;
      store.setState({ [key]: value });
    },
    destroy: unsubscribe,
  };
}
