// The vault's browser crypto as a patient meets it: Debian's Chromium on the portal's production build (its own stack:
// node, deploy, seed, `next build`, `next start` with the gateway), the injected test wallet, and the portal's own
// upload and open flows. The crypto times are the page's performance measures "medconsent:encrypt" and
// "medconsent:decrypt" (set by useVaultUpload and useVaultRecord around encryptRecord / decryptRecord); the wall
// times are from the click to the end of the flow, as the patient waits for it.
import { randomBytes } from "node:crypto";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  assertChromium,
  startPortalStack,
  type PortalStack,
} from "@/harness/portalServer";
import { installTestWallet } from "@/harness/testWallet";
import { runWithCleanup } from "@/harness/cleanup";
import { hardhatAccount, rpc } from "@/harness/localNode";

/** Hardhat #10, as in the browser suite's vault scenario: no part of the demo scene, so its record list is empty. */
const PATIENT_INDEX = 10;
/** A routine category (clinical notes, the upload form's default) that no provider of the demo scene may read. */
const CATEGORY_LABEL = "clinical notes";
/** Random bytes are no PDF: sent as a plain binary file, which the viewer offers to save instead of rendering. */
const FILE_TYPE = "application/octet-stream";
const FLOW_TIMEOUT_MS = 180_000;
const SCREENSHOT = "/tmp/bench-gateway-browser-failure.png";

export interface VaultRun {
  recordId: number;
  /** encryptRecord in the page ("medconsent:encrypt"). */
  encryptMs: number;
  /** decryptRecord in the page ("medconsent:decrypt"). */
  decryptMs: number;
  /** Click on "Encrypt and upload" → every step done: encrypt, PUT to the gateway, addRecord, own wrapped key. */
  uploadMs: number;
  /** Click on "Open" → the record shown: GET (consent check, disclosure), unwrap, decrypt, verifyRecord on chain. */
  openMs: number;
}

export interface BrowserVaultTimings {
  runs: VaultRun[];
  fileBytes: number;
  stackSeconds: number;
  chromiumVersion: string;
}

export interface BrowserVaultOptions {
  fileBytes: number;
  runs: number;
  /** The build folder for this stack's `next build`. */
  distDir: string;
  log?: (line: string) => void;
}

/** Console errors the portal causes on purpose: "not signed in yet" is how it learns to offer the gateway sign-in. */
const isExpectedConsoleError = (text: string, url: string) =>
  /status of 401/.test(text) && url.includes("/api/auth/session");

export async function measureBrowserVault(options: BrowserVaultOptions): Promise<BrowserVaultTimings> {
  const log = options.log ?? ((line: string) => console.log(line));
  assertChromium();
  let stack: PortalStack | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await stack?.stop();
  };
  return runWithCleanup(stop, async () => {
    log(`Browser part: starting the portal stack (hardhat node, deploy, seed, next build into ${options.distDir})…`);
    const stackStarted = performance.now();
    stack = await startPortalStack({ distDir: options.distDir });
    const stackSeconds = (performance.now() - stackStarted) / 1000;
    // The node prints every request it serves; that costs it more than the requests themselves.
    await rpc(stack.chain.url, "hardhat_setLoggingEnabled", [false]);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    log(`Portal on ${stack.portalUrl}, Chromium ${browser.version()}. ${options.runs} uploads and opens…`);
    const runs = await patientSession(browser, stack, options, log);
    return { runs, fileBytes: options.fileBytes, stackSeconds, chromiumVersion: browser.version() };
  });
}

/** One tab for all runs, as one patient would: connect, sign in to the gateway, unlock and publish the key, then work. */
async function patientSession(
  browser: Browser,
  stack: PortalStack,
  options: BrowserVaultOptions,
  log: (line: string) => void,
): Promise<VaultRun[]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !isExpectedConsoleError(message.text(), message.location().url)) {
      consoleErrors.push(message.text());
    }
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  const explain = async (error: unknown): Promise<Error> => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    const errors = consoleErrors.length > 0 ? `; console errors: ${JSON.stringify(consoleErrors)}` : "";
    return new Error(`Browser part failed: ${message}${errors}; screenshot ${SCREENSHOT}`);
  };

  try {
    await installTestWallet(page, stack.chain.url, hardhatAccount(PATIENT_INDEX).privateKey);
    await page.goto(`${stack.portalUrl}/patient`);
    await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
    await page.getByRole("button", { name: "Test Wallet" }).click();
    await page.getByRole("button", { name: "Disconnect" }).waitFor();

    const records = page.locator("#records");
    await records.getByText("No records yet.").waitFor();
    await records.getByRole("button", { name: "Sign in to the gateway" }).click();
    const upload = records.locator(".record-upload");
    await upload.waitFor();
    // Unlocked (the EncryptionKey signature) before the timed uploads, so none of them includes that prompt.
    const keyPanel = records.getByTestId("encryption-key");
    await keyPanel.getByRole("button", { name: "Publish my encryption key" }).click();
    await settled(keyPanel, "publishing the encryption key");
    await keyPanel.getByText("published", { exact: true }).waitFor();

    const runs: VaultRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const recordId = run; // the patient started with none
      const uploadMs = await uploadFile(page, upload, options.fileBytes, recordId);
      const encryptMs = await lastMeasure(page, "medconsent:encrypt", run);
      const openMs = await openRecord(records, recordId);
      const decryptMs = await lastMeasure(page, "medconsent:decrypt", run);
      log(
        `  run ${run}: encrypt ${encryptMs.toFixed(1)} ms, decrypt ${decryptMs.toFixed(1)} ms ` +
          `(upload flow ${uploadMs.toFixed(0)} ms, open flow ${openMs.toFixed(0)} ms)`,
      );
      runs.push({ recordId, encryptMs, decryptMs, uploadMs, openMs });
    }
    return runs;
  } catch (error) {
    throw await explain(error);
  } finally {
    await context.close();
  }
}

/** Waits for the TransactionStatus in `scope` to reach "confirmed"; "failed" stops the benchmark with its words. */
async function settled(scope: Locator, what: string): Promise<void> {
  const notice = scope.locator('p.notice[data-phase="confirmed"], p.notice[data-phase="failed"]').first();
  await notice.waitFor({ timeout: FLOW_TIMEOUT_MS });
  if ((await notice.getAttribute("data-phase")) === "failed") throw new Error(`${what}: ${await notice.innerText()}`);
}

const fileName = (recordId: number) => `scan-${recordId}.bin`;

/** Chooses a fresh random file, uploads it through the form, and returns the wall time of the whole flow. */
async function uploadFile(page: Page, upload: Locator, fileBytes: number, recordId: number): Promise<number> {
  await upload.getByLabel("File", { exact: true }).setInputFiles({
    name: fileName(recordId),
    mimeType: FILE_TYPE,
    buffer: randomBytes(fileBytes),
  });
  await upload.getByLabel("Kind of data", { exact: true }).selectOption({ label: CATEGORY_LABEL });
  const started = performance.now();
  await upload.getByRole("button", { name: "Encrypt and upload" }).click();
  // Done when the last step is done or skipped for THIS record (the previous run's steps stay on screen until the
  // click resets them), or stopped at a failed step.
  const outcome = await page.waitForFunction(
    (id) => {
      const steps = document.querySelector("[data-testid=upload-status]");
      const failed = steps?.querySelector("[data-status=failed]");
      if (failed) return { failed: failed.textContent ?? "" };
      const share = steps?.querySelector("[data-step=share]")?.getAttribute("data-status");
      const register = steps?.querySelector("[data-step=register]")?.textContent ?? "";
      return (share === "done" || share === "skipped") && register.includes(`It is record ${id}.`)
        ? { failed: undefined }
        : false;
    },
    recordId,
    { timeout: FLOW_TIMEOUT_MS },
  );
  const elapsed = performance.now() - started;
  const result = await outcome.jsonValue();
  if (result && result.failed !== undefined) throw new Error(`upload of record ${recordId} stopped: ${result.failed}`);
  return elapsed;
}

/** Opens the record from the patient's own list and returns the wall time until it is shown. */
async function openRecord(records: Locator, recordId: number): Promise<number> {
  const card = records.locator("li.card", { hasText: `Record ${recordId}: ${CATEGORY_LABEL}` });
  const open = card.getByRole("button", { name: `Open record ${recordId}`, exact: true });
  await open.waitFor({ timeout: FLOW_TIMEOUT_MS });
  const started = performance.now();
  await open.click();
  const shown = card.getByTestId("record-viewer").or(card.getByTestId("open-refused"));
  await shown.first().waitFor({ timeout: FLOW_TIMEOUT_MS });
  const elapsed = performance.now() - started;
  const refused = card.getByTestId("open-refused");
  if ((await refused.count()) > 0) throw new Error(`opening record ${recordId}: ${await refused.innerText()}`);
  const shownName = await card.getByTestId("record-viewer").locator("figcaption strong").innerText();
  if (shownName !== fileName(recordId)) throw new Error(`record ${recordId} opened as "${shownName}"`);
  return elapsed;
}

/** The duration of the page's `run`-th performance measure of that name (one per upload or open). */
async function lastMeasure(page: Page, name: string, run: number): Promise<number> {
  const durations = await page.evaluate(
    (measure) => performance.getEntriesByName(measure, "measure").map((entry) => entry.duration),
    name,
  );
  if (durations.length !== run) {
    throw new Error(`expected ${run} "${name}" measure(s) in the page after run ${run}, found ${durations.length}`);
  }
  return durations[run - 1];
}
