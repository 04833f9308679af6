// One focus discipline for every dialog (Export, Unlock, Delete all, New speaker, …), used by
// Modal.svelte through the `dialog` action: the first field takes focus when the dialog opens, Tab and
// Shift+Tab cycle inside it, Escape closes it, and focus goes back to the control that opened it.

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type=hidden])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "[contenteditable]:not([contenteditable=false])",
  "[tabindex]:not([tabindex='-1'])",
].join(",");

/** focusables returns the elements inside root that Tab can reach, in document order. */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !el.closest("[inert]") && !(el as HTMLInputElement).disabled && el.getClientRects().length > 0,
  );
}

/**
 * wrapIndex says where Tab (or Shift+Tab) goes from position `current` among `count` focusable
 * elements: the next (previous) one, wrapping at the ends; -1 (outside) counts as before the first.
 */
export function wrapIndex(count: number, current: number, back: boolean): number {
  if (count <= 0) return -1;
  if (current < 0) return back ? count - 1 : 0;
  return back ? (current - 1 + count) % count : (current + 1) % count;
}

/**
 * firstField picks what takes focus when a dialog opens: an element marked [autofocus] or
 * [data-autofocus], else the first text field, select or textarea, else the first focusable element.
 */
export function firstField(root: HTMLElement): HTMLElement | null {
  const all = focusables(root);
  return (
    all.find((el) => el.hasAttribute("autofocus") || el.hasAttribute("data-autofocus")) ??
    all.find((el) => /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && (el as HTMLInputElement).type !== "checkbox" && (el as HTMLInputElement).type !== "radio") ??
    all.find((el) => (el as HTMLInputElement).type === "radio" && (el as HTMLInputElement).checked) ??
    all[0] ??
    null
  );
}

/** The dialogs open now, innermost last: only the innermost one handles keys. */
const open: HTMLElement[] = [];

export interface DialogOptions {
  onclose: () => void;
}

/** dialog is a Svelte action for a dialog's box element. */
export function dialog(node: HTMLElement, opts: DialogOptions) {
  let options = opts;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  open.push(node);

  function focusFirst() {
    if (node.contains(document.activeElement)) return;
    const f = firstField(node);
    (f ?? node).focus();
  }
  // The content may still be loading (the export formats); focus what is there now and again once
  // it has rendered.
  queueMicrotask(focusFirst);
  const retry = setTimeout(focusFirst, 60);

  function keydown(e: KeyboardEvent) {
    if (open[open.length - 1] !== node) return;
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      options.onclose();
      return;
    }
    if (e.key !== "Tab") return;
    const all = focusables(node);
    e.preventDefault();
    const i = all.indexOf(document.activeElement as HTMLElement);
    const next = all[wrapIndex(all.length, i, e.shiftKey)];
    (next ?? node).focus();
  }
  // Focus that escapes by other means (a click on the backdrop, a script) is brought back.
  function focusin(e: FocusEvent) {
    if (open[open.length - 1] !== node) return;
    if (e.target instanceof Node && !node.contains(e.target)) focusFirst();
  }
  document.addEventListener("keydown", keydown, true);
  document.addEventListener("focusin", focusin);

  return {
    update(o: DialogOptions) {
      options = o;
    },
    destroy() {
      clearTimeout(retry);
      document.removeEventListener("keydown", keydown, true);
      document.removeEventListener("focusin", focusin);
      const k = open.indexOf(node);
      if (k >= 0) open.splice(k, 1);
      // Back to the opener once the dialog is gone (if it still exists and nothing else took focus).
      setTimeout(() => {
        const lost = !document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected;
        if (opener && opener.isConnected && lost) opener.focus();
      }, 0);
    },
  };
}
