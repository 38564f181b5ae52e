// Vigil's pages in Debian's Chromium, driven by Playwright (playwright-core,
// no downloaded browser): the public status page, sign-in by keyboard, the
// console posting an advisory, the customer portal of two tenants
// (each sees only its own notice; acknowledge; report an incident), CSRF,
// console errors, horizontal scrolling at 1280 and 390 px, every control
// of every page reached by Tab with a visible focus, and axe-core's
// serious or critical accessibility violations on every page. A
// screenshot of each page is written to SHOTS. Prints TAP.
//
// Environment: VIGIL_URL, SHOTS, COMMS_USER, COMMS_PASS, A_USER, A_PASS,
// A_NATURE, B_USER, B_PASS, B_NATURE.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { keyboardWalk } from "./keyboard.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = process.env;
const base = env.VIGIL_URL;
let n = 0, failed = 0;

function report(ok, what, why) {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? "ok" : "not ok"} ${n} - ${what}${ok || !why ? "" : ` # ${why}`}`);
}

let current = null; // the page the checks run on, for what a failure saw

async function check(what, fn) {
  try {
    await fn();
    report(true, what);
  } catch (e) {
    report(false, what, String(e.message || e).split("\n")[0]);
    // What the page showed, so that a failure seen once can be read.
    if (current) {
      const said = await current.evaluate(() => [...document.querySelectorAll("#message, .error, [role=alert]")]
        .map(x => x.textContent.trim()).filter(Boolean).join(" | ")).catch(() => "");
      console.log(`# at ${current.url()}; the page says: ${said || "nothing"}`);
      if (env.SHOTS) await current.screenshot({ path: `${env.SHOTS}/web-failed-${n}.png`, fullPage: true }).catch(() => {});
    }
  }
}

function expect(cond, why) {
  if (!cond) throw new Error(why);
}

const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const errors = [];

async function newPage(width) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  current = page;
  page.on("console", m => { if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`); });
  page.on("pageerror", e => errors.push(`${page.url()}: ${e.message}`));
  return page;
}

// axe-core in the page: serious and critical violations fail.
async function accessible(page, name) {
  // Evaluated through the DevTools protocol: the page's CSP (no inline
  // scripts) stays as it is.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter(v => v.impact === "serious" || v.impact === "critical");
  expect(bad.length === 0, `${name}: ${bad.map(v => `${v.id} (${v.nodes.length})`).join(", ")}`);
}

async function noHorizontalScroll(page, name) {
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(sw <= cw, `${name}: ${sw}px of content in ${cw}px`);
}

async function shoot(page, name) {
  if (env.SHOTS) await page.screenshot({ path: `${env.SHOTS}/${name}.png`, fullPage: true });
}

async function signIn(page, user, pass) {
  // Signed out first: a check that failed before its sign-out does not
  // leave the next one signed in as someone else.
  await page.context().clearCookies();
  await page.goto(`${base}/`);
  await page.waitForSelector("#username");
  // By keyboard only: the first field, type, Tab, type, Enter.
  await page.focus("#username");
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.type(pass);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/web\/(console|portal)\.html$/);
}

async function signOut(page) {
  await page.click("#signout");
  await page.waitForURL(`${base}/`);
}

for (const width of [1280, 390]) {
  const page = await newPage(width);

  await check(`status page at ${width}px lists the services, no sign-in`, async () => {
    await page.goto(`${base}/status`);
    await page.waitForSelector("#services tbody tr");
    const names = await page.$$eval("#services tbody th", ths => ths.map(t => t.textContent));
    expect(names.includes("storage"), `services: ${names.join(", ")}`);
    const csp = (await (await page.request.get(`${base}/status`, { headers: { Accept: "text/html" } })).headers())["content-security-policy"];
    expect(csp && !csp.includes("unsafe-inline") && csp.includes("script-src 'self'"), `CSP: ${csp}`);
    await noHorizontalScroll(page, "status");
    await accessible(page, "status");
    await keyboardWalk(page, "status");
    await shoot(page, `status-${width}`);
  });

  await check(`sign in by keyboard and post an advisory from the console at ${width}px`, async () => {
    await signIn(page, env.COMMS_USER, env.COMMS_PASS);
    expect(page.url().endsWith("/web/console.html"), page.url());
    await page.waitForSelector("#incident-table tbody tr");
    expect(/By phase - analysis: \d+\. By severity - sev2: \d+\./.test(await page.textContent("#by-phase")),
           await page.textContent("#by-phase"));
    await noHorizontalScroll(page, "console");
    await accessible(page, "console");
    await keyboardWalk(page, "console");
    await shoot(page, `console-${width}`);
    await page.selectOption("#advisory-service", "storage");
    await page.selectOption("#advisory-state", width === 1280 ? "investigating" : "identified");
    await page.fill("#advisory-message", `Reads slow in eu-west (${width})`);
    await page.click("#advisory-form button[type=submit]");
    await page.locator("#message", { hasText: "status page" }).waitFor();
    await signOut(page);
  });

  await check(`the status page shows the advisory at ${width}px`, async () => {
    await page.goto(`${base}/status`);
    await page.waitForSelector("#advisories .card");
    const text = await page.textContent("#advisories");
    expect(text.includes(`Reads slow in eu-west (${width})`), text);
    const state = await page.textContent("#services tbody tr:has(th:text-is('storage')) .state");
    expect(state === (width === 1280 ? "investigating" : "identified"), `state ${state}`);
    // Times in the viewer's zone, UTC on hover.
    const title = await page.getAttribute("#advisories time", "title");
    expect(/Z \(UTC\)$/.test(title || ""), `title ${title}`);
  });
  await page.context().close();
}

{
  const page = await newPage(1280);
  await check("tenant A's administrator sees only A's notice and acknowledges it", async () => {
    await signIn(page, env.A_USER, env.A_PASS);
    expect(page.url().endsWith("/web/portal.html"), page.url());
    await page.waitForSelector("#notice-list .card");
    const text = await page.textContent("#notice-list");
    expect(text.includes(env.A_NATURE), "A's notice is missing");
    expect(!text.includes(env.B_NATURE), "B's notice is shown to A");
    await accessible(page, "portal");
    await keyboardWalk(page, "portal");
    await shoot(page, "portal-1280");
    await page.focus("#notice-list button");
    await page.keyboard.press("Enter");
    await page.locator("#notice-list .card p.meta", { hasText: "Acknowledged" }).waitFor();
    expect((await page.textContent("#message")).includes("acknowledged"), "no confirmation");
  });

  await check("a state change without the CSRF token is refused", async () => {
    // The session cookie, as a forged form or script elsewhere would send
    // it, without the token: refused, and nothing is created.
    const r = await page.request.post(`${base}/api/v1/portal/reports`, { data: { title: "forged" } });
    expect(r.status() === 403, `status ${r.status()}`);
    const mine = await page.request.get(`${base}/api/v1/portal/incidents`);
    expect(!(await mine.text()).includes("forged"), "a forged report was created");
  });

  let key = "";
  await check("tenant A reports an incident from the portal", async () => {
    await page.fill("#report-title", "Sessions from an address we do not know");
    await page.selectOption("#report-service", "storage");
    await page.fill("#report-description", "Seen by our admin at 09:12.");
    await page.click("#report-form button[type=submit]");
    await page.locator("#message", { hasText: /^Received as INC-/ }).waitFor();
    key = (await page.textContent("#message")).match(/INC-\d{4}-\d{4}/)[0];
    await page.waitForSelector(`#incident-table th:text-is('${key}')`);
    await signOut(page);
  });

  await check("tenant B's administrator sees only B's notice, not A's report, at 390px", async () => {
    await page.setViewportSize({ width: 390, height: 900 });
    await signIn(page, env.B_USER, env.B_PASS);
    await page.waitForSelector("#notice-list .card");
    const text = await page.textContent("#notice-list");
    expect(text.includes(env.B_NATURE), "B's notice is missing");
    expect(!text.includes(env.A_NATURE), "A's notice is shown to B");
    const table = await page.textContent("#incident-table");
    expect(!table.includes(key), `B sees A's report ${key}`);
    await noHorizontalScroll(page, "portal");
    await accessible(page, "portal (390)");
    await shoot(page, "portal-390");
    await signOut(page);
  });

  await check("sign-in page: accessible, wrong password says so", async () => {
    await page.context().clearCookies();
    await page.goto(`${base}/`);
    await page.fill("#username", env.A_USER);
    await page.fill("#password", "not-the-password");
    await page.click("#signin button");
    await page.locator("#signin-error", { hasText: /\S/ }).waitFor();
    expect((await page.textContent("#signin-error")).includes("wrong"), "no error shown");
    await accessible(page, "sign-in");
    await keyboardWalk(page, "sign-in");
    await noHorizontalScroll(page, "sign-in");
    await shoot(page, "signin-390");
  });
  await page.context().close();
}

{
  const page = await newPage(1280);
  await check("operations: communications imports tenants from a CSV file", async () => {
    await signIn(page, "cora", "cora-password-for-tests");
    await page.goto(`${base}/web/operations.html`);
    await page.locator("#tenants-body table").waitFor();
    await page.setInputFiles("#import-file", { name: "tenants.csv", mimeType: "text/csv",
      buffer: Buffer.from("id,name,contacts,jurisdictions\ninitech,Initech,it@initech.example,US-CA\n" +
                          "umbrella,Umbrella,sec@umbrella.example,DE\n") });
    await page.click("#import-form button[type=submit]");
    await page.locator("#message", { hasText: "Imported: 2 created" }).waitFor();
    await page.locator("#tenants-body th:text-is('umbrella')").waitFor();
    // A bad row is refused with its line, and nothing is imported.
    await page.setInputFiles("#import-file", { name: "bad.csv", mimeType: "text/csv",
      buffer: Buffer.from("id,name,contacts\nok1,Ok,a@ok.example\nbad id,Bad,b@bad.example\n") });
    await page.click("#import-form button[type=submit]");
    await page.locator("#import-error", { hasText: "row 3" }).waitFor();
    expect(await page.locator("#tenants-body th:text-is('ok1')").count() === 0, "a refused file was half imported");
    await accessible(page, "operations");
    await keyboardWalk(page, "operations");
    await shoot(page, "operations-1280");
    await signOut(page);
  });

  await check("operations: an incident manager silences an alert and expires the silence; the two-week schedule shows", async () => {
    await signIn(page, "ina", "ina-password-for-tests");
    await page.goto(`${base}/web/operations.html`);
    await page.locator("#oncall-body .timeline .shift:text-is('rita')").first().waitFor();
    await page.fill("#silence-matcher", "alertname=DiskFull");
    await page.fill("#silence-comment", "planned migration");
    await page.click("#silence-form button[type=submit]");
    const expire = page.locator("button:has-text('Expire the silence on DiskFull')");
    await expire.waitFor();
    await expire.click();
    await page.locator("#silences-body td:text-is('None.')").waitFor();
    await signOut(page);
  });

  await check("operations: an auditor sees the audit chain intact and the response figures", async () => {
    await signIn(page, "audrey", "audrey-password-for-tests");
    await page.goto(`${base}/web/operations.html`);
    await page.locator("#audit-state .state:text-is('intact')").waitFor();
    await page.locator("#metrics-body th:text-is('Time to detect')").waitFor();
    // The rules in force, as a compliance officer reads them.
    await page.locator("#rules-body summary", { hasText: /rules$/ }).click();
    const dora = page.locator("#rules-body tr", { has: page.locator("th:text-is('EU-DORA-19-INIT')") });
    await dora.locator("td", { hasText: "4 hours from classified_major, or 24 hours from aware if that ends first" }).waitFor();
    await dora.locator("td", { hasText: "high" }).waitFor();
    // A threshold in words, and the duties left to track by hand.
    const media = page.locator("#rules-body tr", { has: page.locator("th:text-is('US-HIPAA-406')") });
    await media.locator("td", { hasText: "more than 500" }).first().waitFor();
    await page.locator("#rules-body summary", { hasText: "not encoded" }).click();
    const circia = page.locator("#rules-body tr", { has: page.locator("th:text-is('US-CIRCIA-INC')") });
    await circia.locator("td", { hasText: "not in force" }).waitFor();
    await accessible(page, "operations, rules open");
    await page.setViewportSize({ width: 390, height: 900 });
    await noHorizontalScroll(page, "operations");
    await shoot(page, "operations-390");
    await signOut(page);
  });
  await page.context().close();
}

// The wrong password above logs a 401 in the console by design of fetch;
// everything else must be silent.
// Expected: 401 before signing in, 400 for the refused import, 403 for the
// sections a role may not read.
const unexpected = errors.filter(e => !/(401 \(Unauthorized\)|400 \(Bad Request\)|403 \(Forbidden\))/.test(e));
report(unexpected.length === 0, "no console errors on any page", unexpected.join(" | "));
await browser.close();
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
