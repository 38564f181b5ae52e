// The list pages (web/incidents.html and the others, web/list.js) in
// Debian's Chromium, as a user works them: search and filter the
// incidents, page forward and back, reload and use the browser's Back
// (the filters and the page stay, from the URL), sort, a bad filter (the
// server's error by name), an empty result; search the tenants; every list
// page with no serious axe violation, no horizontal scroll at 1400 and
// 390 px, every control reached by Tab, no console error. Screenshots go
// to SHOTS. Prints TAP.
//
// Environment: VIGIL_URL, SHOTS, PREFIX (the title word of N seeded
// incidents, severities sev1..sev4 in turn), N, TENANT (an id to find),
// users ina (incident_manager) and audrey (auditor), passwords
// NAME-password-for-tests.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { keyboardWalk } from "./keyboard.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = process.env;
const base = env.VIGIL_URL;
const N = Number(env.N);
const PREFIX = env.PREFIX;
let n = 0, failed = 0, stop = false;
const errors = [];

const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });

function expect(cond, why) {
  if (!cond) throw new Error(why);
}

async function newPage(width) {
  const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
  page.on("console", m => { if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`); });
  page.on("pageerror", e => errors.push(`${page.url()}: ${e.message}`));
  return page;
}

let current = null;
async function step(what, fn) {
  n++;
  if (stop) { console.log(`ok ${n} - ${what} # SKIP an earlier step failed`); return; }
  try {
    await fn();
    console.log(`ok ${n} - ${what}`);
  } catch (e) {
    failed++;
    stop = true;
    if (env.SHOTS && current) await current.screenshot({ path: `${env.SHOTS}/lists-failed.png`, fullPage: true }).catch(() => {});
    console.log(`not ok ${n} - ${what} # ${String(e.message || e).split("\n")[0]}`);
  }
}

async function checkPage(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter(v => v.impact === "serious" || v.impact === "critical");
  expect(bad.length === 0, `${name}: ${bad.map(v => `${v.id} (${v.nodes.length})`).join(", ")}`);
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(sw <= cw, `${name}: ${sw}px of content in ${cw}px`);
  await keyboardWalk(page, name);
  if (env.SHOTS) await page.screenshot({ path: `${env.SHOTS}/${name}.png`, fullPage: true });
}

async function signIn(page, user) {
  await page.goto(`${base}/`);
  await page.focus("#username");
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.type(`${user}-password-for-tests`);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/web\/console\.html$/);
}

// The keys in the table as shown, once the page has loaded.
async function shown(page) {
  await page.locator("#list .list-results:not([aria-busy])").waitFor();
  return page.$$eval("#list tbody th", ths => ths.map(t => t.textContent));
}

// The filters, unfolded if a narrow screen folded them.
async function openFilters(page) {
  const fold = page.locator("details.list-fold");
  if (await fold.getAttribute("open") === null) await fold.locator("summary").click();
}

async function statusSays(page, text) {
  await page.locator(`#list p[role=status]:has-text("${text}")`).waitFor();
}

console.log("TAP version 13");

for (const width of [1400, 390]) {
  const page = await newPage(width);
  current = page;
  const at = `at ${width}px`;
  let first = [], second = [];

  await step(`incidents: search and filter by severity ${at}`, async () => {
    await signIn(page, "ina");
    await page.goto(`${base}/web/incidents.html`);
    await shown(page);
    await openFilters(page);
    await page.getByLabel("Search title and description").fill(PREFIX);
    await page.getByLabel("Severity").selectOption("sev2");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(u => u.searchParams.get("q") === PREFIX && u.searchParams.get("severity") === "sev2");
    const keys = await shown(page);
    expect(keys.length === N / 4, `${keys.length} rows for sev2`);
    const sevs = await page.$$eval("#list tbody tr", trs => trs.map(tr => tr.children[2].textContent));
    expect(sevs.every(s => s === "sev2"), `severities ${sevs.join(",")}`);
    const titles = await page.$$eval("#list tbody tr", trs => trs.map(tr => tr.children[1].textContent));
    expect(titles.every(t => t.includes(PREFIX)), `titles ${titles.join(",")}`);
    await statusSays(page, "the last page");
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled(), "Next enabled on the only page");
    await checkPage(page, `lists-incidents-filtered-${width}`);
  });

  await step(`incidents: page forward through ${N} matches ${at}`, async () => {
    await page.getByLabel("Severity").selectOption("");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(u => !u.searchParams.has("severity"));
    first = await shown(page);
    expect(first.length === 25, `${first.length} rows on page 1`);
    await statusSays(page, "Showing incidents 1 to 25");
    expect(await page.getByRole("button", { name: "Previous page" }).isDisabled(), "Previous enabled on page 1");
    await page.getByRole("button", { name: "Next page" }).click();
    await statusSays(page, "Showing incidents 26 to 50");
    second = await shown(page);
    expect(second.length === 25 && !second.some(k => first.includes(k)), "page 2 repeats page 1");
    expect(new URL(page.url()).searchParams.get("cursor"), "no cursor in the URL");
    await page.getByRole("button", { name: "Next page" }).click();
    await statusSays(page, `Showing incidents 51 to ${N}, the last page`);
    const third = await shown(page);
    expect(third.length === N - 50, `${third.length} rows on the last page`);
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled(), "Next enabled on the last page");
    await checkPage(page, `lists-incidents-last-page-${width}`);
  });

  await step(`incidents: a reload keeps the filter and the page; Previous and Back go back ${at}`, async () => {
    const before = await shown(page);
    await page.reload();
    await statusSays(page, `Showing incidents 51 to ${N}, the last page`);
    expect(JSON.stringify(await shown(page)) === JSON.stringify(before), "the reload shows other rows");
    expect(await page.getByLabel("Search title and description").inputValue() === PREFIX, "the search field lost its text");
    await page.getByRole("button", { name: "Previous page" }).click();
    await statusSays(page, "Showing incidents 26 to 50");
    expect(JSON.stringify(await shown(page)) === JSON.stringify(second), "Previous did not show page 2");
    await page.goBack();
    await statusSays(page, "Showing incidents 1 to 25");
    expect(JSON.stringify(await shown(page)) === JSON.stringify(first), "Back did not show page 1");
    await page.goForward();
    await statusSays(page, "Showing incidents 26 to 50");
  });

  await step(`incidents: sorted oldest first ${at}`, async () => {
    await page.getByLabel("Order").selectOption("created");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(u => u.searchParams.get("sort") === "created" && !u.searchParams.has("cursor"));
    await statusSays(page, "Showing incidents 1 to 25");
    const titles = await page.$$eval("#list tbody tr", trs => trs.map(tr => tr.children[1].textContent));
    expect(titles[0] === `${PREFIX} 00`, `the oldest is ${titles[0]}`);
  });

  await step(`incidents: compact rows, kept across a reload; on a phone each row is a card ${at}`, async () => {
    const row = page.locator("#list tbody tr").first();
    const tall = (await row.boundingBox()).height;
    await page.getByLabel("Compact rows").check();
    const short = (await row.boundingBox()).height;
    expect(short < tall, `a row is ${tall}px, compact ${short}px`);
    await page.reload();
    await shown(page);
    expect(await page.getByLabel("Compact rows").isChecked(), "compact rows were not kept");
    const display = await page.locator("#list tbody tr").first().evaluate(e => getComputedStyle(e).display);
    expect(width < 640 ? display === "block" : display === "table-row", `rows show as ${display} at ${width}px`);
    await page.getByLabel("Compact rows").uncheck();
  });

  await step(`incidents: a bad filter shows the server's reason; no match says so ${at}`, async () => {
    await page.getByLabel("Tenant in scope").fill("not a tenant!");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.locator("#list p[role=alert] li:has-text('tenant')").waitFor();
    await checkPage(page, `lists-incidents-error-${width}`);
    await page.getByLabel("Tenant in scope").fill("");
    await page.getByLabel("Search title and description").fill("no incident is called this");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.locator("#list .list-empty:has-text('No incident matches these filters.')").waitFor();
    await checkPage(page, `lists-incidents-empty-${width}`);
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.waitForURL(u => u.search === "");
    expect(await page.getByLabel("Search title and description").inputValue() === "", "Clear left the search");
  });

  await step(`tenants: search by part of the name ${at}`, async () => {
    await page.getByRole("link", { name: "Tenants" }).click();
    await page.waitForURL(/tenants\.html/);
    await shown(page);
    await openFilters(page);
    await page.getByLabel("Search id or name").fill(env.TENANT.slice(1, 4).toUpperCase());
    await page.keyboard.press("Enter");
    await page.waitForURL(u => u.searchParams.has("q"));
    const ids = await shown(page);
    expect(ids.includes(env.TENANT), `found ${ids.join(", ")}`);
    await checkPage(page, `lists-tenants-${width}`);
  });

  for (const [name, title] of [["alerts", "Alerts"], ["pages", "Pages"], ["obligations", "Obligations"]]) {
    await step(`${name}: the list loads ${at}`, async () => {
      await page.getByRole("link", { name: title, exact: true }).click();
      await page.waitForURL(new RegExp(`${name}\\.html`));
      await page.locator("#list table, #list .list-empty").first().waitFor();
      await checkPage(page, `lists-${name}-${width}`);
    });
  }

  await step(`audit: an incident manager is told no; an auditor pages the log ${at}`, async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.locator("#list p[role=alert]:has-text('Could not load the records')").waitFor();
    await page.click("#signout");
    await page.waitForURL(`${base}/`);
    await signIn(page, "audrey");
    await page.goto(`${base}/web/audit.html?action=incident.create`);
    await shown(page);
    expect(await page.getByLabel("Action", { exact: true }).inputValue() === "incident.create", "the address's filter is not in the form");
    await page.getByLabel("Order").selectOption("-seq");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(u => u.searchParams.get("sort") === "-seq" && u.searchParams.get("action") === "incident.create");
    const seqs = (await shown(page)).map(Number);
    expect(seqs.length > 1 && seqs.every((s, i) => i === 0 || s < seqs[i - 1]), `seqs ${seqs.join(",")}`);
    await checkPage(page, `lists-audit-${width}`);
    await page.click("#signout");
    await page.waitForURL(`${base}/`);
  });
}

// The answers the pages expect and show (sign-in's 401, the bad filter's
// 400, the audit log's 403 to an incident manager) are logged by the
// browser as failed loads; anything else is an error.
await step("no console errors on any list page", async () => {
  const unexpected = errors.filter(e => !/(401 \(Unauthorized\)|400 \(Bad Request\)|403 \(Forbidden\))/.test(e));
  expect(unexpected.length === 0, unexpected.join(" | "));
});

await browser.close();
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
