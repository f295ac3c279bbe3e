// Shared helpers of the browser tests: the demo server, headless Chromium, the fixture oracle.
//
// The server is the one at FIXLOG_URL (scripts/test.sh starts `fixlog serve --demo`), or, when
// that is unset, a `fixlog serve --demo` started here on a fresh database (FIXLOG_BIN, default
// $CARGO_TARGET_DIR/debug/fixlog).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../..");
export const SCREENSHOTS = path.join(ROOT, "artifacts", "screenshots");
const FIXTURE = path.resolve(ROOT, "../shared/data/fixtures/acme-ics.json");

/** The ACME fixture (its `expected` member is the test oracle). */
export function fixture() {
  return JSON.parse(readFileSync(FIXTURE, "utf8"));
}

/** axe-core's browser bundle, to evaluate in the page. */
export function axeSource() {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
}

/** Starts (or finds) the demo server; resolves to { url, stop }. */
export async function demoServer() {
  if (process.env.FIXLOG_URL) {
    return { url: process.env.FIXLOG_URL.replace(/\/$/, ""), stop: async () => {} };
  }
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, "target");
  const binary = process.env.FIXLOG_BIN || path.join(target, "debug", "fixlog");
  const directory = mkdtempSync(path.join(tmpdir(), "fixlog-browser-"));
  const child = spawn(
    binary,
    ["serve", "--demo", "--db", `sqlite://${directory}/demo.db`, "--listen", "127.0.0.1:0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error("no readiness line within 60 s")), 60_000);
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      const match = buffer.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`fixlog serve exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Launches the Debian Chromium headless. */
export async function launch() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Saves a full-page screenshot under artifacts/screenshots/. */
export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
