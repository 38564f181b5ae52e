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

// Sign in on the sign-in page as user (password USER-password-for-tests).
export async function signIn(page, base, user) {
  await page.context().clearCookies();
  await page.goto(`${base}/`);
  await page.fill("#username", user);
  await page.fill("#password", `${user}-password-for-tests`);
  await page.click("#signin button");
  await page.waitForURL(/\/web\/(console|portal)\.html$/);
}

const PHASE_WORDS = { analysis: "Analysis", containment: "Containment", eradication: "Eradication", recovery: "Recovery",
                      post_incident: "Post-incident", closed: "Closed" };

// The incident page's forms, found by their names (aria-label).
export function incidentPage(page) {
  const form = name => page.locator(`form[aria-label="${name}"]`);
  // Done: the form says so beside its button (or, when the change made
  // the form go, its section does); refused: the form shows why.
  async function submit(name) {
    const f = form(name);
    await f.locator("button[type=submit]").click();
    const done = `.form-status:has-text("${name}: done."), #message:has-text("${name}: done.")`;
    await page.locator(`${done}, form[aria-label="${name}"] .form-error:not(:empty)`).first().waitFor();
    if (await page.locator(done).count() === 0)
      throw new Error(`${name}: ${await f.locator(".form-error").textContent()} ${await f.locator(".field-error").allTextContents()}`);
  }
  async function phaseTo(phase) {
    await form("Advance the phase").getByLabel("Move to").selectOption(phase);
    await submit("Advance the phase");
    await page.locator(`#summary .badge:text-is("Phase: ${PHASE_WORDS[phase]}")`).waitFor();
  }
  // A post-mortem with one contributing factor, then one improvement.
  async function postmortem(p) {
    const f = form("Post-mortem");
    await f.getByLabel("Summary").fill(p.summary);
    await f.getByLabel("Impact").fill(p.impact);
    await f.getByRole("button", { name: "Add a contributing factor" }).click();
    await f.getByLabel("Kind of factor").selectOption(p.kind);
    await f.getByLabel("What happened").fill(p.factor);
    await submit("Post-mortem");
    const i = form("Add an improvement");
    await i.getByLabel("Improvement").fill(p.improvement);
    await i.getByLabel(/Owner/).fill(p.owner);
    await i.getByLabel(/Due/).fill("2099-01-31T17:00");
    await submit("Add an improvement");
    await page.locator(`#postmortem-body th:text-is('${p.improvement}')`).waitFor();
  }
  return { form, submit, phaseTo, postmortem };
}
