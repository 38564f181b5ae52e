// Keyboard use of a page, shared by web.mjs and journey.mjs: every control
// a mouse can reach is reached by Tab, and the focused control shows where
// the focus is.

const CONTROLS = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
  "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

// Throws naming the controls Tab never reached, or those focused without a
// visible focus indicator (an outline or a box shadow).
export async function keyboardWalk(page, name) {
  const total = await page.evaluate(selector => {
    // Inside a closed <details> (but its own summary) a control is not
    // shown, though it may keep its size.
    const folded = e => {
      for (let d = e.parentElement && e.parentElement.closest("details"); d; d = d.parentElement && d.parentElement.closest("details"))
        if (!d.open && !(e.tagName === "SUMMARY" && e.parentElement === d)) return true;
      return false;
    };
    const shown = e => {
      const r = e.getBoundingClientRect(), s = getComputedStyle(e);
      // checkVisibility: the contents of a closed <details> keep their
      // boxes (content-visibility: hidden) but cannot be reached.
      return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && !folded(e) &&
        (!e.checkVisibility || e.checkVisibility());
    };
    let i = 0;
    for (const e of document.querySelectorAll("[data-kbd]")) delete e.dataset.kbd;
    for (const e of document.querySelectorAll(selector)) if (shown(e)) e.dataset.kbd = String(i++);
    return i;
  }, CONTROLS);
  if (total === 0) throw new Error(`${name}: no control to reach`);
  // Start on the first control; Tab from there must reach all the others
  // and, past the last, come round to the first, so that each one,
  // the first too, is judged as focused from the keyboard.
  await page.focus("[data-kbd='0']");
  const reached = new Set();
  const unmarked = new Set();
  // A date and time field takes a Tab for each of its parts (up to six)
  // and its calendar button.
  const parts = await page.evaluate(() => document.querySelectorAll("input[type=datetime-local]").length * 7);
  for (let k = 0; k < total * 8 + parts + 8 && reached.size < total; k++) {
    await page.keyboard.press("Tab");
    const at = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const s = getComputedStyle(e);
      const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none");
      const label = e.id ? `${e.tagName.toLowerCase()}#${e.id}` : `${e.tagName.toLowerCase()} "${(e.textContent || e.name || "").trim().slice(0, 30)}"`;
      return { kbd: e.dataset.kbd ?? null, ring, label };
    });
    if (!at) continue;
    if (at.kbd !== null) reached.add(at.kbd);
    if (!at.ring) unmarked.add(at.label);
  }
  if (reached.size < total) {
    const missed = await page.evaluate(seen => [...document.querySelectorAll("[data-kbd]")]
      .filter(e => !seen.includes(e.dataset.kbd))
      .map(e => e.id ? `#${e.id}` : `${e.tagName.toLowerCase()} "${(e.textContent || "").trim().slice(0, 30)}"`), [...reached]);
    throw new Error(`${name}: Tab reached ${reached.size} of ${total} controls; not ${missed.slice(0, 5).join(", ")}`);
  }
  if (unmarked.size) throw new Error(`${name}: focus not visible on ${[...unmarked].slice(0, 5).join(", ")}`);
  return total;
}
