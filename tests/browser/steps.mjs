// What the browser scripts that work an incident share: TAP steps that
// build on each other (after a failure the rest are skipped, with a
// screenshot of the page as it was), and the incident page's forms as a
// user fills them.

export function expect(cond, why) {
  if (!cond) throw new Error(why);
}

// TAP steps on page; name names the failure's screenshot in shots.
export function steps(page, shots, name) {
  let n = 0, failed = 0, stop = false;
  async function step(what, fn) {
    n++;
    if (stop) { console.log(`ok ${n} - ${what} # SKIP an earlier step failed`); return; }
    try {
      await fn();
      console.log(`ok ${n} - ${what}`);
    } catch (e) {
      failed++;
      stop = true; // each step builds on the one before
      if (shots) await page.screenshot({ path: `${shots}/${name}-failed.png`, fullPage: true }).catch(() => {});
      const lines = String(e.message || e).split("\n");
      console.log(`not ok ${n} - ${what} # ${[lines[0], ...lines.filter(l => /waiting for/.test(l)).slice(0, 1)].join(" ")}`);
    }
  }
  // The last check: console errors but the expected ones; then the plan.
  function finish(errors, expected) {
    const unexpected = errors.filter(e => !expected.test(e));
    n++;
    if (unexpected.length) failed++;
    console.log(`${unexpected.length ? "not ok" : "ok"} ${n} - no unexpected console errors${unexpected.length ? ` # ${unexpected.join(" | ")}` : ""}`);
    console.log(`1..${n}`);
    return failed ? 1 : 0;
  }
  return { step, finish };
}

// How a user works a control: with the mouse (Playwright's fill, click,
// selectOption and check), or by keyboard alone. By keyboard, Tab (or
// Shift+Tab, by where the control is) moves the focus until the control
// has it, and keys do the rest: typing, Enter on a button, link or
// summary, Space on a check box, arrows in a select, and a date and time
// typed part by part as Chromium's en-US field takes it.
export function hands(page, keyboard) {
  if (!keyboard)
    return { keyboard: false, fill: (l, v) => l.fill(v), click: l => l.click(), select: (l, v) => l.selectOption(v),
             check: l => l.check(), type: (l, v) => l.pressSequentially(v) };
  // Every key goes through these two, which count them.
  let keys = 0;
  const kb = {
    press: k => { keys++; return page.keyboard.press(k); },
    type: t => { keys += [...t].length; return page.keyboard.type(t); },
  };
  // Presses Tab until l has the focus; returns the last key pressed.
  async function tabTo(l) {
    await l.waitFor();
    let h = await l.elementHandle(), key = null;
    for (let k = 0; k < 800; k++) {
      const where = await page.evaluate(t => {
        if (!t.isConnected) return "gone";
        const a = document.activeElement;
        if (a === t) return "here";
        if (!a || a === document.body || a === document.documentElement) return "Tab";
        return a.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING ? "Tab" : "Shift+Tab";
      }, h);
      if (where === "here") return key;
      if (where === "gone") { h = await l.elementHandle(); continue; } // its section was drawn again
      key = where;
      await kb.press(key);
    }
    throw new Error(`Tab never reached ${l}`);
  }
  // A date and time field: from the month, each part in turn.
  async function typeWhen(l, v, key) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
    if (!m) throw new Error(`not a datetime-local value: ${v}`);
    if (key === "Shift+Tab") { // came in at its last part: out, and in again at its first
      const t = await l.elementHandle();
      while (await page.evaluate(t => document.activeElement === t, t)) await kb.press("Shift+Tab");
      await kb.press("Tab");
    }
    const h = +m[4], h12 = h % 12 === 0 ? 12 : h % 12;
    await kb.type(`${m[2]}${m[3]}${m[1]}`);
    await kb.press("ArrowRight"); // the year takes up to six digits
    await kb.type(`${String(h12).padStart(2, "0")}${m[5]}${m[6] || "00"}${h < 12 ? "A" : "P"}`);
  }
  async function fill(l, v) {
    const key = await tabTo(l);
    if (await l.evaluate(e => e.type === "datetime-local")) await typeWhen(l, v, key);
    else {
      await kb.press("Control+A");
      if (v === "") await kb.press("Backspace");
      else await kb.type(v);
    }
    const got = await l.inputValue();
    if (got !== v) throw new Error(`typed "${v}" into ${l} but it holds "${got}"`);
  }
  async function click(l) {
    await tabTo(l);
    await kb.press(await l.evaluate(e => e.type === "checkbox" || e.type === "radio") ? "Space" : "Enter");
  }
  async function select(l, v) {
    await tabTo(l);
    const [at, to] = await l.evaluate((e, v) => [e.selectedIndex, [...e.options].findIndex(o => o.value === v || o.label === v)], v);
    if (to < 0) throw new Error(`${l} has no option ${v}`);
    for (let i = at; i < to; i++) await kb.press("ArrowDown");
    for (let i = at; i > to; i--) await kb.press("ArrowUp");
    const got = await l.evaluate(e => [e.value, e.selectedOptions[0] && e.selectedOptions[0].label]);
    if (!got.includes(v)) throw new Error(`chose "${v}" in ${l} but it shows "${got[1]}"`);
  }
  async function check(l) {
    await tabTo(l);
    if (!await l.isChecked()) await kb.press("Space");
    if (!await l.isChecked()) throw new Error(`Space did not check ${l}`);
  }
  async function type(l, v) {
    await tabTo(l);
    await kb.type(v);
  }
  return { keyboard: true, fill, click, select, check, type, tabTo, keys: () => keys };
}

// Sign in on the sign-in page as user (password USER-password-for-tests).
export async function signIn(page, base, user, ui = hands(page, false)) {
  await page.context().clearCookies();
  await page.goto(`${base}/`);
  await ui.fill(page.locator("#username"), user);
  await ui.fill(page.locator("#password"), `${user}-password-for-tests`);
  await ui.click(page.locator("#signin button"));
  await page.waitForURL(/\/web\/(console|portal)\.html$/);
}

const PHASE_WORDS = { analysis: "Analysis", containment: "Containment", eradication: "Eradication", recovery: "Recovery",
                      post_incident: "Post-incident", closed: "Closed" };

// The incident page's forms, found by their names (aria-label).
export function incidentPage(page, ui = hands(page, false)) {
  const form = name => page.locator(`form[aria-label="${name}"]`);
  // Done: the form says so beside its button (or, when the change made
  // the form go, its section does); refused: the form shows why.
  async function submit(name) {
    const f = form(name);
    await ui.click(f.locator("button[type=submit]"));
    const done = `.form-status:has-text("${name}: done."), #message:has-text("${name}: done.")`;
    await page.locator(`${done}, form[aria-label="${name}"] .form-error:not(:empty)`).first().waitFor();
    if (await page.locator(done).count() === 0)
      throw new Error(`${name}: ${await f.locator(".form-error").textContent()} ${await f.locator(".field-error").allTextContents()}`);
  }
  async function phaseTo(phase) {
    await ui.select(form("Advance the phase").getByLabel("Move to"), phase);
    await submit("Advance the phase");
    await page.locator(`#summary .badge:text-is("Phase: ${PHASE_WORDS[phase]}")`).waitFor();
  }
  // A post-mortem with one contributing factor, then one improvement,
  // marked done when p says how it was verified.
  async function postmortem(p) {
    const f = form("Post-mortem");
    await ui.fill(f.getByLabel("Summary"), p.summary);
    await ui.fill(f.getByLabel("Impact"), p.impact);
    await ui.click(f.getByRole("button", { name: "Add a contributing factor" }));
    await ui.select(f.getByLabel("Kind of factor"), p.kind);
    await ui.fill(f.getByLabel("What happened"), p.factor);
    await submit("Post-mortem");
    const i = form("Add an improvement");
    await ui.fill(i.getByLabel("Improvement"), p.improvement);
    await ui.fill(i.getByLabel(/Owner/), p.owner);
    await ui.fill(i.getByLabel(/Due/), "2099-01-31T17:00");
    await submit("Add an improvement");
    await page.locator(`#postmortem-body th:text-is('${p.improvement}')`).waitFor();
    if (!p.verification) return;
    // Done, with how that was checked.
    await ui.fill(page.getByLabel(`How "${p.improvement}" was verified`), p.verification);
    await ui.click(page.getByRole("button", { name: `Mark "${p.improvement}" done` }));
    await page.locator(`#postmortem-body tr:has(th:text-is('${p.improvement}')) td:text-is('done: ${p.verification}')`).waitFor();
  }
  return { form, submit, phaseTo, postmortem };
}
