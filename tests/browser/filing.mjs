// A tenant's own duty recorded as filed from the incident page, at a time
// the user types, with a channel and the regulator's reference; then the
// time corrected with a reason; the history shows both. Keyboard only for
// the forms' fields (labels find them). Prints TAP.
//
// Environment: VIGIL_URL, SHOTS, KEY (an incident with bank's EU-GDPR-33
// open), FILED_AT and CORRECTED_AT (RFC 3339), user cora
// (communications) with the password cora-password-for-tests.
import { chromium } from "playwright-core";

const env = process.env;
const base = env.VIGIL_URL;
let n = 0, failed = 0, stop = false;

const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();

async function step(what, fn) {
  n++;
  if (stop) { console.log(`ok ${n} - ${what} # SKIP an earlier step failed`); return; }
  try {
    await fn();
    console.log(`ok ${n} - ${what}`);
  } catch (e) {
    failed++;
    stop = true;
    if (env.SHOTS) await page.screenshot({ path: `${env.SHOTS}/filing-failed.png`, fullPage: true }).catch(() => {});
    console.log(`not ok ${n} - ${what} # ${String(e.message || e).split("\n")[0]}`);
  }
}

function expect(cond, why) {
  if (!cond) throw new Error(why);
}

const form = name => page.locator(`form[aria-label="${name}"]`);

async function submit(name) {
  await form(name).locator("button[type=submit]").focus();
  await page.keyboard.press("Enter");
  await page.locator(`#message:has-text("${name}: done."), form[aria-label="${name}"] p.error:not(:empty)`).first().waitFor();
  if (await page.locator(`#message:has-text("${name}: done.")`).count() === 0)
    throw new Error(`${name}: ${await form(name).locator("p.error").textContent()}`);
}

console.log("TAP version 13");

await step("communications opens the incident", async () => {
  await page.goto(`${base}/`);
  await page.fill("#username", "cora");
  await page.fill("#password", "cora-password-for-tests");
  await page.click("#signin button");
  await page.waitForURL(/\/web\/console\.html$/);
  await page.goto(`${base}/web/incident.html?key=${encodeURIComponent(env.KEY)}`);
  await form("Record a filing").waitFor();
});

await step("a tenant duty is recorded as filed at a typed time with its reference", async () => {
  const f = form("Record a filing");
  await f.getByLabel("Obligation").selectOption({ label: "EU-GDPR-33 for bank" });
  await f.getByLabel(/^Sent at/).focus();
  await page.keyboard.type(env.FILED_AT);
  await f.getByLabel("Channel").selectOption("portal");
  await f.getByLabel(/^Reference number/).focus();
  await page.keyboard.type("BfDI-2026-0042");
  await f.getByLabel("Note").fill("filed by the bank's DPO");
  await submit("Record a filing");
  const row = page.locator("#obligations-body tr:has(th:text-is('EU-GDPR-33 for bank'))");
  await row.locator("td:text-is('BfDI-2026-0042')").waitFor();
  await row.locator("td:text-is('portal')").waitFor();
});

await step("the filed time is corrected with a reason; the history keeps both", async () => {
  const f = form("Correct a sent time");
  await f.getByLabel("Obligation").selectOption({ label: "EU-GDPR-33 for bank" });
  await f.getByLabel(/^Corrected sent time/).fill(env.CORRECTED_AT);
  await f.getByLabel("Reason for the correction").fill("the portal's receipt shows the earlier time");
  await submit("Correct a sent time");
  const rows = page.locator("#obligations-body tr:has(th:text-is('EU-GDPR-33 for bank'))");
  await rows.locator("td:has-text('corrected from')").waitFor();
  expect(await rows.count() === 2, `${await rows.count()} history rows`);
  await rows.locator("td:text-is('the portal\\'s receipt shows the earlier time')").waitFor();
});

await step("a correction without a reason is refused by name", async () => {
  const f = form("Correct a sent time");
  await f.getByLabel(/^Corrected sent time/).fill(env.FILED_AT);
  await f.locator("button[type=submit]").click();
  await f.locator("p.error li:has-text('reason')").waitFor();
});

await browser.close();
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
