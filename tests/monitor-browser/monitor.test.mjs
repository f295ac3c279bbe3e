// The monitor's HTML report (a file, JavaScript off) and status page (`fixlog monitor serve`)
// in headless Debian Chromium. scripts/monitor-browser-test.sh produces both from a real run
// against a log whose proxy answered 500 for two seconds, so an incident must be shown.
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { launch, screenshot } from "../browser/helpers.mjs";

const REPORT = process.env.MONITOR_REPORT;
const STATUS = process.env.MONITOR_URL;
let browser;

before(async () => {
  assert.ok(REPORT && STATUS, "MONITOR_REPORT and MONITOR_URL are set by scripts/monitor-browser-test.sh");
  browser = await launch();
});
after(async () => browser?.close());

async function open(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  const response = await page.goto(url);
  return { page, response, requests };
}

/** Asserts every element matching `selector` is visible with a non-zero box; returns the count. */
async function visibleWithSize(page, selector) {
  const elements = await page.locator(selector).all();
  for (const element of elements) {
    const box = await element.boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0, `${selector} has a box: ${JSON.stringify(box)}`);
  }
  return elements.length;
}

test("the report file renders its tables, charts and the injected incident", async () => {
  const { page, requests } = await open(pathToFileURL(REPORT).href);
  assert.equal(await page.title(), "fixlog monitor report");
  assert.equal(await page.locator("table.summary tbody tr").count(), 1);
  assert.match(await page.locator("h2").first().innerText(), /ACME Industrial <Controls>/);
  assert.equal(await visibleWithSize(page, "svg.chart"), 2);
  const incident = page.locator("table.incidents tr.incident").first();
  await incident.waitFor({ state: "visible" });
  assert.match(await incident.innerText(), /http-status/);
  assert.ok((await visibleWithSize(page, "rect.incident")) >= 2, "the incident is shaded in both charts");
  assert.ok((await visibleWithSize(page, "rect.bucket.down")) >= 1, "a bucket at 0 % uptime");
  assert.ok((await visibleWithSize(page, "circle.failure")) >= 3, "failing probes marked");
  assert.ok((await page.locator("rect.bucket:not(.down)").count()) >= 1, "buckets with uptime too");
  assert.deepEqual(requests.filter((url) => !url.startsWith("file:")), [], "self-contained");
  await screenshot(page, "monitor-report");
});

test("the status page lists the endpoint with state, uptime, p95 and a sparkline", async () => {
  const { page, response } = await open(STATUS);
  assert.equal(response.status(), 200);
  const policy = response.headers()["content-security-policy"];
  assert.match(policy, /default-src 'none'/);
  assert.doesNotMatch(policy, /script-src/);
  assert.equal(await page.title(), "fixlog monitor status");
  const rows = page.locator("table.status tr.endpoint");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().getAttribute("data-state"), /^(up|degraded|down)$/);
  assert.match(await rows.first().innerText(), /ACME Industrial <Controls>[\s\S]*%[\s\S]*ms/);
  assert.equal(await visibleWithSize(page, "svg.sparkline"), 1);
  assert.ok((await page.locator("svg.sparkline circle.failure").count()) >= 3, "the outage in the sparkline");
  await screenshot(page, "monitor-status");
  const json = await (await fetch(`${STATUS.replace(/\/$/, "")}/report.json`)).json();
  assert.equal(json.endpoints[0].incidents[0].cause, "http-status");
});
