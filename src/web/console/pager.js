/**
 * Cursor paging for a list view: remembers the cursor of every page seen, so "previous" goes
 * back without the API paging backwards. `load` is called on every move and reads `cursor`.
 */
export function cursorPager({ prev, next, load }) {
  const cursors = [null];
  let index = 0;
  prev.addEventListener("click", () => {
    index = Math.max(0, index - 1);
    return load();
  });
  next.addEventListener("click", () => {
    index += 1;
    return load();
  });
  return {
    get index() {
      return index;
    },
    get cursor() {
      return cursors[index];
    },
    /** Records the cursor of the page after this one and enables the buttons that can move. */
    loaded(nextCursor) {
      cursors[index + 1] = nextCursor;
      prev.disabled = index === 0;
      next.disabled = !nextCursor;
    },
    /** Back to the first page (the filters changed). */
    restart() {
      cursors.length = 1;
      index = 0;
      return load();
    },
  };
}
