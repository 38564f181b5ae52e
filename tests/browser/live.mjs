// The dashboard answers "what needs me now", and keeps answering without a
// reload. rita (on call for storage) sees her page for a new incident and
// acknowledges it with the dashboard's button; an alert and an incident
// posted through the API while her dashboard is open appear on it (the
// change stream); eve (an executive) sees the approval rita requested,
// linking to the incident's tasks. axe-core, no horizontal scroll and no
// console error on each state, at 1400 px and at 390 px. Prints TAP, and
// the time each live change took to show.
//
// Environment: VIGIL_URL, SHOTS, PAGED_KEY (an incident that paged rita),
// APPROVAL_KEY (an incident with a pending approval rita requested),
// API_TOKEN (a responder's token, to post as monitoring would); users rita
// (responder) and eve (executive), passwords NAME-password-for-tests.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = process.env;
const base = env.VIGIL_URL;
let n = 0, stop = false;

const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await ctx.newPage();
const errors = [];
page.on("console", m => { if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`); });
page.on("pageerror", e => errors.push(`${page.url()}: ${e.message}`));

async function step(what, fn) {
  n++;
  if (stop) { console.log(`ok ${n} - ${what} # SKIP an earlier step failed`); return; }
  try {
    await fn();
    console.log(`ok ${n} - ${what}`);
  } catch (e) {
    stop = true;
    if (env.SHOTS) await page.screenshot({ path: `${env.SHOTS}/live-failed.png`, fullPage: true }).catch(() => {});
    console.log(`not ok ${n} - ${what} # ${String(e.message || e).split("\n")[0]}`);
  }
}

function expect(cond, why) {
  if (!cond) throw new Error(why);
}

async function checked(name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter(v => v.impact === "serious" || v.impact === "critical");
  expect(bad.length === 0, `${name}: ${bad.map(v => `${v.id} (${v.nodes.length})`).join(", ")}`);
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: 1000 });
    const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(sw <= cw, `${name} at ${width} px: ${sw}px of content in ${cw}px`);
    if (env.SHOTS) await page.screenshot({ path: `${env.SHOTS}/live-${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1400, height: 1000 });
  // The sign-in page asks whether a session exists: 401 there is expected;
  // so is 404 on an incident page for the post-mortem not yet written.
  const unexpected = errors.filter(e => !(e.startsWith(`${base}/: `) && e.includes("401 (Unauthorized)")) &&
                                        !(e.includes("/web/incident.html?key=") && e.includes("404 (Not Found)")));
  expect(unexpected.length === 0, `console errors: ${unexpected.join(" | ")}`);
}

async function signIn(user) {
  await ctx.clearCookies();
  await page.goto(`${base}/`);
  await page.fill("#username", user);
  await page.fill("#password", `${user}-password-for-tests`);
  await page.click("#signin button");
  await page.waitForURL(/\/web\/console\.html$/);
}

async function api(method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method, headers: { "Authorization": `Bearer ${env.API_TOKEN}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.headers.get("Content-Type")?.includes("json") ? r.json() : null;
}

console.log("TAP version 13");

await step("the on-call responder sees her page on the dashboard", async () => {
  await signIn("rita");
  await page.locator(`#work-list .page-card:has-text("${env.PAGED_KEY}")`).waitFor();
  await page.locator('html[data-live="on"]').waitFor();
  await checked("dashboard-paged");
});

await step("she acknowledges it with the dashboard's button", async () => {
  await page.getByRole("button", { name: `Acknowledge the page for ${env.PAGED_KEY}` }).click();
  await page.locator(`#message:has-text("Acknowledged the page for ${env.PAGED_KEY}.")`).waitFor();
  await page.locator(`#work-list .page-card:has-text("${env.PAGED_KEY}")`).waitFor({ state: "detached" });
  // The server agrees: the page is acknowledged.
  const pages = await api("GET", `/api/v1/pages?incident=${encodeURIComponent(env.PAGED_KEY)}`);
  expect(pages.items.some(p => p.user === "rita" && p.acked_at), "the page is not acknowledged on the server");
});

await step("an alert posted through the API appears on the open dashboard without a reload", async () => {
  const before = await page.evaluate(() => performance.timeOrigin + performance.now());
  await api("POST", "/api/v2/alerts", [{ labels: { alertname: "LiveDashboardAlert", service: "storage", severity: "warning" },
                                         annotations: { summary: "Disk filling on storage-7" } }]);
  // No reload happens, so showing at all proves the stream; how soon is a
  // figure to print (the issue asks for 2 s), not a check to time.
  await page.locator('#alert-list h3:text-is("LiveDashboardAlert")').waitFor({ timeout: 15000 });
  const after = await page.evaluate(() => performance.timeOrigin + performance.now());
  console.log(`# the alert showed ${Math.round(after - before)} ms after it was posted`);
});

await step("an incident opened elsewhere appears in the open incidents", async () => {
  await page.evaluate(() => { window.vigilTestMarker = "same document"; });
  const before = Date.now();
  const inc = await api("POST", "/api/v1/incidents", { title: "Opened while the dashboard watched", severity: "sev3",
                                                      source: "employee" });
  await page.locator(`#incident-table tbody th a:text-is("${inc.key}")`).waitFor({ timeout: 15000 });
  console.log(`# the incident showed ${Date.now() - before} ms after it was opened`);
  expect(await page.evaluate(() => window.vigilTestMarker) === "same document", "the page reloaded");
  await checked("dashboard-live");
});

await step("a silenced alert is added to an open incident from the dashboard", async () => {
  const card = page.locator("#alert-list .card", { has: page.locator('h3:text-is("QuietAlert")') });
  await card.getByLabel("Add to an open incident").selectOption(env.APPROVAL_KEY);
  await card.getByRole("button", { name: "Add QuietAlert" }).click();
  await page.locator(`#message:has-text("QuietAlert is now part of ${env.APPROVAL_KEY}.")`).waitFor();
  const now = page.locator("#alert-list .card", { has: page.locator('h3:text-is("QuietAlert")') });
  await now.locator("text=Part of").waitFor();
  expect(await now.getByRole("link", { name: env.APPROVAL_KEY }).count() === 1, "the card does not link the incident");
});

await step("the incident reported twice is closed as a duplicate from its page", async () => {
  await page.goto(`${base}/web/incident.html?key=${encodeURIComponent(env.DUP_KEY)}`);
  await page.locator("summary:has-text('Mark as a duplicate')").click();
  const f = page.locator('form[aria-label="Mark as a duplicate"]');
  await f.locator("button[type=submit]").click();
  await f.locator(".field-error:has-text('choose the incident that stays')").waitFor();
  await f.getByLabel("The incident that stays").selectOption(env.APPROVAL_KEY);
  await f.getByLabel("Why it is the same event").fill("the same portal takeover, reported by two people");
  await f.locator("button[type=submit]").click();
  await page.locator(`#duplicate-of a:text-is("${env.APPROVAL_KEY}")`).waitFor();
  await page.locator(".readonly").first().waitFor(); // closed: read-only
  await page.goto(`${base}/web/incident.html?key=${encodeURIComponent(env.APPROVAL_KEY)}`);
  await page.locator(`#duplicates a:text-is("${env.DUP_KEY}")`).waitFor();
  await page.locator("#timeline-list li", { hasText: `took in the duplicate ${env.DUP_KEY}` }).waitFor();
  await checked("incident-with-duplicate");
});

await step("the executive sees the approval waiting for her, linking to the incident's tasks", async () => {
  await signIn("eve");
  const card = page.locator(`#work-list .card:has-text("${env.APPROVAL_KEY}")`);
  await card.waitFor();
  await card.locator("text=Requested by rita").waitFor();
  const href = await card.getByRole("link", { name: /^Decide on/ }).getAttribute("href");
  expect(href === `/web/incident.html?key=${encodeURIComponent(env.APPROVAL_KEY)}#tasks`, `link ${href}`);
  await checked("dashboard-executive");
});

await browser.close();
console.log(`1..${n}`);
process.exit(stop ? 1 : 0);
