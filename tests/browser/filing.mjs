// A tenant's own duty recorded as filed from the incident page, at a time
// the user types, with a channel and the regulator's reference; then the
// time corrected with a reason; the history shows both. Keyboard only for
// the forms' fields (labels find them). Prints TAP.
//
// Environment: VIGIL_URL, SHOTS, KEY (an incident with bank's EU-GDPR-33
// open), FILED_AT and CORRECTED_AT (RFC 3339), user cora
// (communications) with the password cora-password-for-tests.
import { chromium } from "playwright-core";
import { expect, steps, incidentPage } from "./steps.mjs";

const env = process.env;
const base = env.VIGIL_URL;

const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
// The forms' times are the viewer's; UTC here, so FILED_AT's wall clock is typed as it is.
const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, timezoneId: "UTC" })).newPage();

const { step, finish } = steps(page, env.SHOTS, "filing");
const { form, submit } = incidentPage(page);

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

await step("why a duty applies opens from its row, read from the server then", async () => {
  const row = page.locator("#obligations-body tr:has(th:has-text('EU-GDPR-33'))").filter({ has: page.locator("td:text-is('bank')") }).first();
  const why = row.locator("details.why");
  expect(!(await why.locator("dd").count()), "the explanation is not there before it is opened");
  await why.locator("summary").click();
  await why.locator("dt:text-is('Conditions')").waitFor();
  await why.locator("li:has-text('(met: DE)')").waitFor();
  await why.locator("dd:has-text('from aware; counted from')").waitFor();
});

await step("a tenant duty is recorded as filed at a typed time with its reference", async () => {
  const f = form("Record a filing");
  await f.getByLabel("Obligation").selectOption({ label: "EU-GDPR-33 for bank" });
  await f.getByLabel(/^Sent at/).fill(env.FILED_AT.slice(0, 16));
  await f.getByLabel("Channel").selectOption("portal");
  await f.getByLabel(/^Reference number/).focus();
  await page.keyboard.type("BfDI-2026-0042");
  await f.getByLabel("Note").fill("filed by the bank's DPO");
  await submit("Record a filing");
  const row = page.locator("#obligations-body tr:has(th:text-is('EU-GDPR-33 for bank'))");
  await row.locator("td:text-is('BfDI-2026-0042')").waitFor();
  await row.locator("td:text-is('portal')").waitFor();
});

await step("the counts by rule and status show the filing; a filter lists that rule's sent ones alone", async () => {
  const counts = page.locator("#obligations-body [aria-label='Obligations by rule and status'] tr:has(th:text-is('EU-GDPR-33'))");
  await counts.locator("td[data-label='Sent']:text-is('1')").waitFor();
  const f = form("Filter the obligations");
  await f.getByLabel("Rule").selectOption("EU-GDPR-33");
  await f.getByLabel("Status").selectOption({ label: "Sent" });
  await submit("Filter the obligations");
  await page.locator("#obligations-shown:text-is('Showing 1 of 1 that pass the filter.')").waitFor();
  const rows = page.locator("#obligations-body [aria-label='Obligations'] tbody tr");
  expect(await rows.count() === 1, `${await rows.count()} rows under the filter`);
  await rows.locator("td:text-is('bank')").waitFor();
  // Back to every obligation: more than the one again.
  const g = form("Filter the obligations");
  await g.getByLabel("Rule").selectOption({ label: "Every rule" });
  await g.getByLabel("Status").selectOption({ label: "Every status" });
  await submit("Filter the obligations");
  await page.locator("#obligations-shown:not(:has-text('filter'))").waitFor();
  expect(await rows.count() > 1, "the filter was not lifted");
});

await step("the filed time is corrected with a reason; the history keeps both", async () => {
  const f = form("Correct a sent time");
  await f.getByLabel("Obligation").selectOption({ label: "EU-GDPR-33 for bank" });
  await f.getByLabel(/^Corrected sent time/).fill(env.CORRECTED_AT.slice(0, 16));
  await f.getByLabel("Reason for the correction").fill("the portal's receipt shows the earlier time");
  await submit("Correct a sent time");
  const rows = page.locator("#obligations-body tr:has(th:text-is('EU-GDPR-33 for bank'))");
  await rows.locator("td:has-text('corrected from')").waitFor();
  expect(await rows.count() === 2, `${await rows.count()} history rows`);
  await rows.locator("td:text-is('the portal\\'s receipt shows the earlier time')").waitFor();
});

await step("a correction without a reason is refused by name", async () => {
  const f = form("Correct a sent time");
  await f.getByLabel(/^Corrected sent time/).fill(env.FILED_AT.slice(0, 16));
  await f.locator("button[type=submit]").click();
  // Beside the field that caused it; the time typed stays.
  await f.locator(".field-error:has-text('must say why')").waitFor();
  expect(await f.getByLabel(/^Corrected sent time/).inputValue() === env.FILED_AT.slice(0, 16), "the typed time was lost");
});

const code = finish([], /^$/);
await browser.close();
process.exit(code);
