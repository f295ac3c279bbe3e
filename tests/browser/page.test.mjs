// The public log page in real headless Chromium against `fixlog serve --demo`, checked against
// the ACME fixture's oracle (expected.state_at_reference_date).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeSource, demoServer, fixture, launch, screenshot } from "./helpers.mjs";

const FIXTURE = fixture();
const ORACLE = FIXTURE.expected.state_at_reference_date;
/** Oracle list name → the status the page writes in data-status. */
const LISTS = {
  affected: "known_affected",
  fixed: "fixed",
  not_affected: "known_not_affected",
  under_investigation: "under_investigation",
};

let server;
let browser;
/** Console messages that report a Content-Security-Policy violation. */
const cspViolations = [];

async function open(path, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    colorScheme: options.colorScheme || "light",
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  const response = await page.goto(server.url + path);
  return { page, context, response };
}

/** The expected CVE → status map of one product version. */
function expectedStatuses(product, version) {
  const expected = {};
  for (const [list, status] of Object.entries(LISTS)) {
    for (const cve of ORACLE[product][version][list]) expected[cve] = status;
  }
  return expected;
}

before(async () => {
  server = await demoServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  assert.deepEqual(cspViolations, [], "no Content-Security-Policy violations on any page");
});

describe("overview", () => {
  test("lists every demo product with its lifecycle, in light and dark", async () => {
    for (const colorScheme of ["light", "dark"]) {
      const { page, context, response } = await open("/", { colorScheme });
      assert.equal(response.status(), 200);
      for (const line of FIXTURE.product_lines) {
        const row = page.locator(`#main table tr[data-product="${line.id}"]`).first();
        await row.waitFor();
        assert.match(await row.innerText(), new RegExp(line.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
        const lifecycle = line.lifecycle.state.replace(/_/g, " ");
        assert.equal((await row.locator(".badge").innerText()).toLowerCase(), lifecycle);
      }
      // Every machine format is a visible link and a <link rel="alternate">.
      for (const href of ["/feed.atom", "/openapi.json", "/tlog/checkpoint",
        "/restconf/data/ietf-subscribed-notifications:streams",
        "/.well-known/csaf/provider-metadata.json", "/api/v1/products"]) {
        assert.equal(await page.locator(`#formats a[href="${href}"]`).count(), 1, href);
        assert.equal(await page.locator(`head link[rel="alternate"][href="${href}"]`).count(), 1, href);
      }
      await screenshot(page, `overview-${colorScheme}`);
      await context.close();
    }
  });

  test("the coverage panel shows every active or mainstream product line", async () => {
    const { page, context } = await open("/#coverage");
    const shown = await page.locator("#coverage .coverage").evaluateAll(
      (panels) => panels.map((panel) => panel.dataset.product).sort(),
    );
    const supported = FIXTURE.product_lines
      .filter((line) => ["active", "mainstream_support"].includes(line.lifecycle.state))
      .map((line) => line.id)
      .sort();
    assert.deepEqual(shown, supported);
    await context.close();
  });
});

describe("search", () => {
  test("a CVE id typed into the form shows exactly the affected products (no JavaScript)", async () => {
    const { page, context } = await open("/", { javaScriptEnabled: false });
    await page.fill("#search-cve", "CVE-2026-51077");
    await Promise.all([page.waitForURL(/\/search\?cve=/), page.click("#search-cve ~ button, form[action='/search'] button")]);
    const shown = await page.locator("#affected-products tbody tr").evaluateAll(
      (rows) => rows.map((row) => row.dataset.product).sort(),
    );
    assert.deepEqual(shown, ["gw-eb100", "plc-x500", "rtu-fl3", "sr-sg2"]);
    await screenshot(page, "search-cve");
    await context.close();
  });

  test("every CVE of the fixture lists the oracle's affected products", async () => {
    const { page, context } = await open("/search");
    for (const { cve } of FIXTURE.vulnerabilities) {
      const expected = Object.entries(ORACLE)
        .filter(([, versions]) => Object.values(versions).some((lists) => lists.affected.includes(cve)))
        .map(([product]) => product)
        .sort();
      await page.goto(`${server.url}/search?cve=${cve}`);
      const shown = await page.locator("#affected-products tbody tr").evaluateAll(
        (rows) => rows.map((row) => row.dataset.product).sort(),
      );
      assert.deepEqual(shown, expected, cve);
      if (expected.length === 0) {
        assert.equal(await page.locator("#affected-products-none").count(), 1, cve);
      }
    }
    await context.close();
  });

  test("filters by device class", async () => {
    const { page, context } = await open("/search");
    await page.selectOption("#f-class", "hmi");
    await Promise.all([page.waitForURL(/class=hmi/), page.click("form.search button")]);
    const shown = await page.locator("ul.results li").evaluateAll((items) => items.map((li) => li.dataset.product));
    assert.deepEqual(shown, ["hmi-vp7"]);
    await context.close();
  });
});

describe("is my version affected?", () => {
  test("answers as the oracle for every released version, through the form", async () => {
    const { page, context } = await open("/");
    const pairs = Object.entries(ORACLE).flatMap(([product, versions]) =>
      Object.keys(versions).map((version) => [product, version]));
    assert.ok(pairs.length >= 10);
    assert.ok(pairs.some(([, v]) => v === "1.4 SP1 HF1"), "service pack + hotfix version");
    assert.ok(pairs.some(([, v]) => /^\d+\.\d+\.\d+\.\d+$/.test(v)), "four-part version");
    let checked = 0;
    for (const [product, version] of pairs) {
      await page.selectOption("#check-product", product);
      await page.fill("#check-version", version);
      await Promise.all([page.waitForURL(/\/check\?/), page.click("form[action='/check'] button")]);
      const result = page.locator("#check-result .result");
      assert.equal(await result.getAttribute("data-product"), product);
      assert.equal(await result.getAttribute("data-version"), version);
      const shown = Object.fromEntries(await page.locator("#check-result tr[data-cve]").evaluateAll(
        (rows) => rows.map((row) => [row.dataset.cve, row.dataset.status]),
      ));
      assert.deepEqual(shown, expectedStatuses(product, version), `${product} ${version}`);
      if (product === "hmi-vp7" && version === "1.4 SP1 HF1") await screenshot(page, "check-1.4-SP1-HF1");
      checked += 1;
    }
    assert.equal(checked, pairs.length);
    await context.close();
  });

  test("a version that is not a release is evaluated by version order; a bad one is refused", async () => {
    const { page, context } = await open("/check?product=dcs-c200&version=4.1.0.13");
    assert.match(await page.locator("#check-result .verdict").innerText(), /Not a published release/);
    await page.goto(`${server.url}/check?product=hmi-vp7&version=${encodeURIComponent("banana")}`);
    assert.match(await page.locator("#check-result[role=alert]").innerText(), /not a version of hmi-vp7/);
    await context.close();
  });
});

describe("product, advisory and entry pages", () => {
  test("the product page lists versions newest first with digests and a copy button", async () => {
    const { page, context } = await open("/products/hmi-vp7");
    const versions = await page.locator("#versions tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.version));
    assert.deepEqual(versions, Object.keys(ORACLE["hmi-vp7"]).reverse());
    const buttons = page.locator("#versions button.copy");
    assert.ok((await buttons.count()) >= versions.length * 2, "a copy button per digest (JavaScript enhancement)");
    await screenshot(page, "product-hmi-vp7");
    await context.close();
    const plain = await open("/products/hmi-vp7", { javaScriptEnabled: false });
    assert.equal(await plain.page.locator("button.copy").count(), 0, "no buttons without JavaScript");
    assert.ok(await plain.page.locator("code[data-copy]").count() >= versions.length * 2);
    await plain.context.close();
  });

  test("the withdrawn advisory ACME-SA-2026-009 is marked", async () => {
    const { page, context } = await open("/advisories/ACME-SA-2026-009");
    const banner = page.locator("#withdrawn");
    assert.ok(await banner.isVisible());
    assert.match(await banner.innerText(), /Withdrawn/);
    assert.match(await page.locator("#revisions").innerText(), /withdrawal/i);
    await screenshot(page, "advisory-withdrawn");
    await page.goto(`${server.url}/advisories/ACME-SA-2026-001`);
    assert.equal(await page.locator("#withdrawn").count(), 0);
    assert.ok(await page.locator("#revisions tbody tr").count() >= 2, "revision history");
    await screenshot(page, "advisory-revised");
    await context.close();
  });

  test("an entry page links its inclusion proof and JSON", async () => {
    const { page, context } = await open("/entries/20");
    assert.equal(await page.locator("#proof-link").getAttribute("href"), "/api/v1/entries/20/proof");
    const proof = await page.request.get(server.url + "/api/v1/entries/20/proof");
    assert.equal(proof.status(), 200);
    assert.match(await proof.text(), /c2sp\.org\/tlog-proof@v1/);
    await screenshot(page, "entry-20");
    await context.close();
  });
});

describe("accessibility (axe-core)", () => {
  const source = axeSource();
  for (const path of ["/", "/products/plc-x500", "/advisories/ACME-SA-2026-001", "/advisories/ACME-SA-2026-009", "/search?cve=CVE-2026-58004", "/check?product=hmi-vp7&version=1.4%20SP1%20HF1"]) {
    for (const colorScheme of ["light", "dark"]) {
      test(`${path} (${colorScheme}) has no serious or critical violations`, async () => {
        const { page, context } = await open(path, { colorScheme });
        await page.evaluate(source);
        const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
        const severe = results.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
        assert.deepEqual(severe, []);
        await context.close();
      });
    }
  }
});
