// End to end: Debian's Chromium driven by playwright-core, against a real chain node, the deployed contracts, the demo
// scene and the portal's production build, through an injected EIP-6963 test wallet that signs with a local key.
//
// All scenarios share one stack (one build per run) and so one chain: each scenario changes it, so they run in the
// order written and each uses a patient / provider pair the others leave alone (or restores what it changed).
import { expect } from "chai";
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { encodeFunctionData, type Hex } from "viem";
import { ALICE_LIPID_PANEL, fileBytesOf } from "@/harness/demoRecords";
import { hardhatAccount, rpc } from "@/harness/localNode";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  assertChromium,
  startPortalStack,
  type PortalStack,
} from "@/harness/portalServer";
import { installTestWallet, type TestWallet } from "@/harness/testWallet";
import { READ, TREATMENT, parseCategories } from "@/lib/consentCodes";
import { abis } from "@/lib/contracts/deployedContracts";

const REGISTRAR = 1;
const NORTHSIDE = 2;
const ST_MARYS = 3;
const RIVERSIDE = 4;
const HEART_STUDY = 5;
const ALICE = 6;
const BOB = 7;
const CAROL = 8;
/** Hardhat #10: no part of the demo scene (and not the local gateway, #9), so the vault scenario starts empty. */
const ERIN = 10;
/** Hardhat #11: no part of the demo scene either; the lagging-indexer scenario's patient. */
const FRANK = 11;

const AXE_SCRIPT = path.join(__dirname, "..", "..", "node_modules", "axe-core", "axe.min.js");
/** The README's screenshots: written by every run (1100 px wide), committed with the docs. */
export const SCREENSHOTS_DIR = path.join(__dirname, "..", "..", "docs", "screenshots");
const MAX_SCREENSHOT_BYTES = 250 * 1024;
const WIDE = { width: 1100, height: 900 };
const NARROW = { width: 375, height: 800 };

const CALM_REJECTION = "You cancelled in your wallet. Nothing was sent and nothing changed.";

interface Session {
  page: Page;
  wallet: TestWallet;
  /** Console errors and uncaught page errors, in order. */
  errors: string[];
  context: BrowserContext;
  /** Gateway refusals this test provokes on purpose (path prefix and status): Chromium logs them as console errors. */
  expectRefusal(pathPrefix: string, status: number): void;
}

/**
 * The gateway's "not signed in" answer to GET /api/auth/session is how the portal learns it must offer sign-in, not a
 * failure; Chromium still logs every 4xx as "Failed to load resource".
 */
const ANSWERS_NOT_ERRORS = [{ pathPrefix: "/api/auth/session", status: 401 }];

describe("Portal end to end", function () {
  this.timeout(120_000);
  let stack: PortalStack;
  let browser: Browser;
  /** The sessions the current test opened: closed after it, whatever happened. */
  let sessions: Session[] = [];

  before(async function () {
    this.timeout(900_000);
    assertChromium();
    stack = await startPortalStack();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  });

  afterEach(async function () {
    await Promise.all(sessions.map((s) => s.context.close()));
    sessions = [];
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    await stack?.stop();
  });

  const address = (index: number) => hardhatAccount(index).address;

  /** A fresh browser context with the test wallet holding account `index`, and a record of console errors. */
  async function openAs(index: number): Promise<Session> {
    const context = await browser.newContext({ viewport: WIDE });
    const page = await context.newPage();
    const errors: string[] = [];
    const expected = [...ANSWERS_NOT_ERRORS];
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const url = message.location().url;
      const path = url ? new URL(url).pathname : "";
      const status = Number(/status of (\d{3})/.exec(message.text())?.[1]);
      if (expected.some((e) => path.startsWith(e.pathPrefix) && e.status === status)) return;
      errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(String(error)));
    const wallet = await installTestWallet(page, stack.chain.url, hardhatAccount(index).privateKey);
    const session: Session = {
      page,
      wallet,
      errors,
      context,
      expectRefusal: (pathPrefix, status) => expected.push({ pathPrefix, status }),
    };
    sessions.push(session);
    return session;
  }

  /** Opens `route` as account `index` and connects the Test Wallet. */
  async function connectedAt(index: number, route: string): Promise<Session> {
    const session = await openAs(index);
    await session.page.goto(`${stack.portalUrl}${route}`);
    await connect(session.page);
    return session;
  }

  async function connect(page: Page): Promise<void> {
    await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
    await page.getByRole("button", { name: "Test Wallet" }).click();
    await page.getByRole("button", { name: "Disconnect" }).waitFor();
  }

  function expectNoConsoleErrors(): void {
    const errors = sessions.flatMap((s) => s.errors);
    expect(errors, errors.join("\n")).to.deep.equal([]);
  }

  async function expectAccessible(page: Page): Promise<void> {
    await page.addScriptTag({ path: AXE_SCRIPT });
    const violations = await page.evaluate(async () => {
      const result = await (
        window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string }[] }> } }
      ).axe.run();
      return result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.help}`);
    });
    expect(violations, violations.join("\n")).to.deep.equal([]);
  }

  /**
   * At 375 px the page must not scroll sideways. On failure the message names the elements reaching past the right
   * edge (tag, class, test id), which is usually enough to find the one to wrap or scroll. The viewport is put back.
   */
  async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
    const before = page.viewportSize() ?? WIDE;
    await page.setViewportSize(NARROW);
    // Two frames: resize handlers have run and the layout is the one at 375 px.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const { scrollWidth, tooWide } = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const tooWide = Array.from(document.querySelectorAll("body *"))
        .filter((el) => el.getBoundingClientRect().right > width + 0.5)
        .slice(0, 20)
        .map((el) => {
          const classes = (el.getAttribute("class") ?? "").trim().replace(/\s+/g, ".");
          const testId = el.getAttribute("data-testid");
          const name =
            el.tagName.toLowerCase() + (classes ? `.${classes}` : "") + (testId ? `[data-testid=${testId}]` : "");
          return `${name} (right ${Math.round(el.getBoundingClientRect().right)})`;
        });
      return { scrollWidth: document.documentElement.scrollWidth, tooWide };
    });
    expect(scrollWidth, `${what} scrolls sideways at 375 px; past the edge: ${tooWide.join(", ")}`).to.be.at.most(
      NARROW.width,
    );
    await page.setViewportSize(before);
  }

  /** Writes a README screenshot (of the page's viewport, or of one element) and keeps it small. */
  async function screenshot(target: Page | Locator, name: string): Promise<void> {
    const file = path.join(SCREENSHOTS_DIR, name);
    const page = "page" in target ? target.page() : target;
    // No focus ring from a programmatic focus (e.g. a heading) in the picture.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    if (target === page) {
      await page.screenshot({ path: file, animations: "disabled" });
    } else {
      // An element with a margin of white around it, however tall it is.
      const box = await (target as Locator).boundingBox();
      if (box === null) throw new Error(`${name}: the element is not visible`);
      const margin = 16;
      const clip = { x: Math.max(0, box.x - margin), y: Math.max(0, box.y - margin) };
      await page.screenshot({
        path: file,
        animations: "disabled",
        fullPage: true,
        clip: { ...clip, width: box.width + 2 * margin, height: box.height + 2 * margin },
      });
    }
    expect(statSync(file).size, `${name} is too large`).to.be.below(MAX_SCREENSHOT_BYTES);
  }

  /** The TransactionStatus notice inside `scope` once it reports `phase`. */
  async function transaction(scope: Page | Locator, phase: "confirmed" | "failed"): Promise<Locator> {
    const notice = scope.locator(`p.notice[data-phase="${phase}"]`);
    await notice.waitFor();
    return notice;
  }

  /** Resolves once the wallet was asked for `method` after the first `since` calls (a prompt really happened). */
  async function promptedFor(wallet: TestWallet, method: string, since: number): Promise<void> {
    for (let tries = 0; tries < 200; tries++) {
      if (wallet.calls.slice(since).includes(method)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the wallet was never asked for ${method}`);
  }

  /** On /provider: asks the chain whether this provider may do this now; returns the answer's text. */
  async function checkAccess(
    page: Page,
    query: { patient: string; categories: string[]; action: "Read" | "Add records"; purpose: string },
    expected: RegExp,
  ): Promise<string> {
    const form = page.locator("section", { has: page.locator("h2#check") });
    await form.getByLabel("Patient's address", { exact: true }).fill(query.patient);
    await form.getByRole("button", { name: "Clear all" }).click();
    for (const category of query.categories) {
      await form.getByRole("checkbox", { name: category, exact: true }).check();
    }
    await form.getByRole("radio", { name: query.action, exact: true }).check();
    await form.getByLabel("Purpose", { exact: true }).selectOption({ label: query.purpose });
    await form.getByRole("button", { name: "Check access" }).click();
    const result = page.getByTestId("check-result");
    await result.locator("p", { hasText: expected }).waitFor();
    return result.innerText();
  }

  /** On /patient/grant: chooses a provider and terms (read by default) and goes to the review step. */
  async function fillGrant(
    page: Page,
    grant: { provider: string; categories: string[]; purposes?: string[] },
  ): Promise<void> {
    const form = page.locator("form.grant-form");
    await form.getByRole("radio", { name: new RegExp(grant.provider) }).check();
    for (const category of grant.categories) {
      await form.getByRole("checkbox", { name: category, exact: true }).check();
    }
    if (grant.purposes) {
      for (const purpose of ["Treatment", "Research"]) {
        const box = form.getByRole("checkbox", { name: purpose, exact: true });
        if (grant.purposes.includes(purpose)) await box.check();
        else await box.uncheck();
      }
    }
    await form.getByRole("button", { name: "Review" }).click();
    await page.getByRole("heading", { name: "Check before you confirm" }).waitFor();
  }

  /** Alice's consent card for a provider, in the consents section of /patient. */
  const consentCard = (page: Page, provider: string) => page.locator("#consents li.card", { hasText: provider });

  describe("patient dashboard", function () {
    it("connects the injected wallet through EIP-6963 and shows Alice's consents by state, in plain words", async function () {
      const { page } = await connectedAt(ALICE, "/patient");
      await page.getByRole("heading", { name: /^Active/ }).waitFor();
      await page.locator("ol.timeline li").first().waitFor();
      const text = await page.locator("main").innerText();
      expect(text).to.match(/Northside Family Practice may read and add records to your allergies/);
      expect(text).to.include("Expiring within 7 days (1)");
      expect(text).to.include("Expired (1)");
      expect(text).to.include("Revoked (1)");
      await expectAccessible(page);
      await screenshot(page, "patient-dashboard.png");
      expectNoConsoleErrors();
    });
  });

  describe("patient dashboard's requests", function () {
    // Issue 13's budget: the dashboard (every consent named, the whole timeline) in at most 10 HTTP requests to the
    // chain, the indexer and the gateway, however old the chain (lists come from the indexer; chain reads are batched).
    const BUDGET = 10;

    it(`shows every consent and the timeline after at most ${BUDGET} requests to the chain, the indexer and the gateway`, async function () {
      const { page } = await openAs(ALICE);
      await page.goto(`${stack.portalUrl}/patient`);
      await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
      const origins = {
        chain: new URL(stack.chain.url).origin,
        indexer: new URL(stack.indexer.url).origin,
        gateway: new URL(stack.portalUrl).origin,
      };
      const sent: string[] = [];
      page.on("request", (request) => {
        const url = new URL(request.url());
        const to = (Object.keys(origins) as (keyof typeof origins)[]).find((name) => origins[name] === url.origin);
        // The portal's own origin serves Next's pages, scripts and styles too: only /api/ is the gateway.
        if (to === undefined || (to === "gateway" && !url.pathname.startsWith("/api/"))) return;
        sent.push(`${to} ${request.method()} ${url.pathname}`);
      });
      await page.getByRole("button", { name: "Test Wallet" }).click();
      await page.waitForFunction(() => {
        const cards = [...document.querySelectorAll("#consents li.card")];
        const named =
          cards.length > 0 && cards.every((card) => !card.querySelector("strong")?.textContent?.startsWith("0x"));
        const events = Number(
          /^(\d+) events/.exec(document.querySelector("#timeline [role=status]")?.textContent ?? "")?.[1],
        );
        return named && events > 0 && document.querySelectorAll("ol.timeline li").length === events;
      });
      const shown = [...sent];
      console.log(`      /patient: ${shown.length} requests until shown\n        ${shown.join("\n        ")}`);
      expect(shown.length, shown.join("\n")).to.be.at.most(BUDGET);
      expectNoConsoleErrors();
    });
  });

  describe("every page", function () {
    // Each page connected as the account it is for; /patient/grant as Carol, so the delegate's choice is checked too.
    const pages = [
      { route: "/", as: ALICE, ready: "h1" },
      { route: "/patient", as: ALICE, ready: "ol.timeline li" },
      { route: "/patient/grant", as: CAROL, ready: "[data-testid=acting-for]" },
      { route: "/provider", as: NORTHSIDE, ready: "section[aria-labelledby=patients] li.card" },
      { route: "/registrar", as: REGISTRAR, ready: "li.provider-card" },
    ];
    for (const { route, as, ready } of pages) {
      it(`${route}: keyboard reaches Connect with a visible focus, no scrolling sideways at 375 px, accessible, no console errors`, async function () {
        const { page } = await openAs(as);
        await page.goto(`${stack.portalUrl}${route}`);

        // Keyboard: Tab from the top of the page reaches the Connect button, which then shows a focus outline.
        const connectButton = page.locator("button[data-hydrated]", { hasText: "Connect" });
        await connectButton.waitFor();
        let reached = false;
        for (let presses = 0; presses < 10 && !reached; presses++) {
          await page.keyboard.press("Tab");
          reached = await connectButton.evaluate((button) => button === document.activeElement);
        }
        expect(reached, "Tab never reached the Connect button").to.equal(true);
        const outline = await connectButton.evaluate((button) => {
          const style = getComputedStyle(button);
          return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
        });
        expect(outline.style).to.not.equal("none");
        expect(outline.width).to.be.above(0);

        await connect(page);
        await page.locator(ready).first().waitFor();
        await page.waitForLoadState("networkidle");
        await expectAccessible(page);
        if (route === "/provider") await screenshot(page, "provider-view.png");

        await expectNoSidewaysScroll(page, route);
        expectNoConsoleErrors();
      });
    }
  });

  describe("wrong network", function () {
    it("shows a switch prompt, and switching resolves it", async function () {
      const { page, wallet } = await connectedAt(ALICE, "/patient");
      await wallet.setChainId(1);
      const prompt = page.getByRole("alert").filter({ hasText: "another network" });
      await prompt.waitFor();
      await prompt.getByRole("button", { name: /Switch to/ }).click();
      await prompt.waitFor({ state: "detached" });
      expect(wallet.calls).to.include("wallet_switchEthereumChain");
      expectNoConsoleErrors();
    });
  });

  // Alice and the Heart Health Research Study: her consent to it has expired (seed). Grant, then revoke.
  describe("grant by transaction, then revoke: the provider's own check follows", function () {
    const study = "Heart Health Research Study";
    const query = {
      patient: address(ALICE),
      categories: ["Lab results", "Vital signs"],
      action: "Read" as const,
      purpose: "Research",
    };

    it("a patient grants through the review step, and the provider's check turns to allowed", async function () {
      const provider = await connectedAt(HEART_STUDY, "/provider");
      const before = await checkAccess(provider.page, query, /Not allowed/);
      expect(before).to.match(/Not allowed to read lab results and vital signs of 0x976E…0aa9 for research\./);
      expect(before).to.include("The patient's consent expired on");

      const { page, wallet } = await connectedAt(ALICE, "/patient/grant");
      await fillGrant(page, { provider: study, categories: ["Lab results", "Vital signs"], purposes: ["Research"] });
      const review = await page.getByRole("region", { name: "What you are agreeing to" }).innerText();
      expect(review).to.match(
        /Heart Health Research Study will be able to read your lab results and vital signs for research until \d+ \w+ \d{4}\./,
      );
      await screenshot(page, "grant-review.png");
      await page.getByRole("button", { name: /Confirm with a transaction/ }).click();
      await transaction(page, "confirmed");
      await page.getByRole("heading", { name: "Access granted" }).waitFor();
      expect(wallet.calls).to.include("eth_sendTransaction");

      const after = await checkAccess(provider.page, query, /\bAllowed\./);
      expect(after).to.match(/Allowed\. You may read lab results and vital signs of 0x976E…0aa9 for research now\./);
      expectNoConsoleErrors();
    });

    it("the patient revokes it, and the provider's check turns to denied with the reason in plain words", async function () {
      const provider = await connectedAt(HEART_STUDY, "/provider");
      await checkAccess(provider.page, query, /\bAllowed\./);

      const { page } = await connectedAt(ALICE, "/patient");
      const card = consentCard(page, study);
      await card.getByRole("button", { name: "Revoke", exact: true }).click();
      await card.getByText(`${study} will lose access from the next block.`).waitFor();
      await card.getByRole("button", { name: "Yes, revoke access" }).click();
      await transaction(page.locator("#consents"), "confirmed");
      await page.locator("#group-revoked", { hasText: "Revoked (2)" }).waitFor();

      const after = await checkAccess(provider.page, query, /Not allowed/);
      expect(after).to.include(
        "The patient has not given this provider consent (never granted, revoked, or ended by revoke-all).",
      );
      expectNoConsoleErrors();
    });
  });

  describe("gas-free grant", function () {
    it("a signature relayed by /api/relay grants without touching the patient's ETH", async function () {
      const alice = address(ALICE);
      const balance = () => rpc<string>(stack.chain.url, "eth_getBalance", [alice, "latest"]);
      const before = await balance();

      const { page, wallet } = await connectedAt(ALICE, "/patient/grant");
      await fillGrant(page, { provider: "St. Mary's Hospital", categories: ["Allergies", "Medications"] });
      await page.getByRole("button", { name: "Confirm with a signature (no fee)" }).click();
      await transaction(page, "confirmed");
      await page.getByRole("heading", { name: "Access granted" }).waitFor();
      expect(wallet.calls).to.include("eth_signTypedData_v4");
      expect(wallet.calls).to.not.include("eth_sendTransaction");
      expect(await balance()).to.equal(before);

      await page.getByRole("link", { name: "Back to your consents" }).click();
      const card = consentCard(page, "St. Mary's Hospital");
      await card.filter({ hasText: "may read your allergies and medications for treatment" }).waitFor();
      expect(await card.locator(".state").innerText()).to.equal("active");
      // The timeline says who authorised it: the patient, though the relayer sent it.
      await page
        .locator("li.timeline-entry", { hasText: "St. Mary's Hospital was given access" })
        .filter({ hasText: "by you" })
        .first()
        .waitFor();
      expectNoConsoleErrors();
    });
  });

  describe("guardian", function () {
    it("Carol grants for Bob as his delegate, and Bob's timeline says so", async function () {
      const { page } = await connectedAt(CAROL, "/patient/grant");
      const actingFor = page.getByTestId("acting-for");
      await actingFor.getByRole("radio", { name: /Acting for Bob/ }).check();
      await fillGrant(page, { provider: "Heart Health Research Study", categories: ["Lab results"] });
      expect(await page.getByTestId("acting-for-review").innerText()).to.match(
        /You are acting for Bob \(0x14dC…9955\)/,
      );
      expect(await page.locator(".grant-sentence").innerText()).to.match(
        /^Heart Health Research Study will be able to read Bob's lab results for treatment until/,
      );
      // Delegates have no signed path: only the transaction is offered.
      expect(await page.getByRole("button", { name: /Confirm with a signature/ }).count()).to.equal(0);
      await page.getByRole("button", { name: /Confirm with a transaction/ }).click();
      await transaction(page, "confirmed");
      await page.getByRole("heading", { name: "Access granted" }).waitFor();

      const bob = await connectedAt(BOB, "/patient");
      await consentCard(bob.page, "Heart Health Research Study")
        .filter({ hasText: "may read your lab results for treatment" })
        .waitFor();
      // Newest first: Carol's grant, above the one Bob made himself before his revoke-all (seed).
      const entry = bob.page
        .locator("li.timeline-entry", { hasText: "Heart Health Research Study was given access" })
        .first();
      await entry.waitFor();
      const text = await entry.innerText();
      expect(text).to.include("by your delegate Carol");
      expect(text).to.include("It may read your lab results for treatment until");
      expectNoConsoleErrors();
    });
  });

  describe("emergency access", function () {
    it("St. Mary's breaks the glass on Alice, opens her allergies, and she sees both highlighted", async function () {
      this.timeout(240_000);
      const hospital = await connectedAt(ST_MARYS, "/provider");
      const panel = hospital.page.locator("section.emergency");
      await panel.getByLabel("Patient's address", { exact: true }).fill(address(ALICE));
      await panel.getByLabel("Reason", { exact: true }).selectOption({ label: "Cardiac arrest" });
      await panel.getByRole("button", { name: "Continue…" }).click();
      await panel.getByRole("button", { name: "Yes, break the glass" }).click();
      await transaction(panel, "confirmed");
      await panel.getByTestId("emergency-window").waitFor();

      // The open window leads straight to Alice's routine records. The seed left her emergency access on and prepared
      // them for emergencies, so the gateway re-wraps her allergies' key for St. Mary's; its browser decrypts them.
      const records = panel.getByTestId("emergency-records");
      await records.getByRole("button", { name: "Sign in to the gateway" }).click();
      const allergies = records.locator("li.card", { hasText: "Record 1: allergies" });
      await allergies.getByRole("button", { name: "Open record 1" }).click();
      const viewer = allergies.getByTestId("record-viewer");
      await viewer.waitFor();
      const allergyList = viewer.locator("section.fhir-section", { hasText: "Allergies" });
      await allergyList.waitFor();
      const shown = await allergyList.innerText();
      expect(shown).to.include("Allergy to penicillin");
      expect(shown).to.include("high risk");
      expect(shown).to.include("Hives and swelling");
      expect(shown).to.include("Latex allergy");
      expect(await allergies.innerText()).to.include("its fingerprint matches the one on the chain");
      // Sensitive records are never listed here (break-glass never opens them).
      expect(await records.locator("li.card", { hasText: "mental health" }).count()).to.equal(0);
      await expectAccessible(hospital.page);

      const { page } = await connectedAt(ALICE, "/patient");
      // "Who read my records": St. Mary's emergency read, marked in words and not only by colour.
      const reads = page.locator("#reads");
      await reads.getByRole("button", { name: "Sign in to the gateway" }).click();
      const emergencyRead = reads.locator("li.disclosure.emergency");
      await emergencyRead.waitFor();
      const readText = await emergencyRead.innerText();
      expect(readText).to.include("St. Mary's Hospital broke the glass and read record 1 for emergency care");
      expect(await emergencyRead.locator(".badge-emergency").textContent()).to.equal("Emergency");
      const ordinaryRead = (locator: Locator) =>
        locator.evaluate((li) => `${getComputedStyle(li).backgroundColor} ${getComputedStyle(li).borderLeftColor}`);
      expect(await ordinaryRead(emergencyRead)).to.not.equal(
        await ordinaryRead(page.locator("#consents li.card").first()),
      );
      await page
        .locator("li.timeline-entry.highlight", {
          hasText: "St. Mary's Hospital read record 1 (allergies) in an emergency",
        })
        .waitFor();
      // Her emergency setting says who can technically open her routine records, and how many are ready.
      const setting = page.locator("#delegates");
      expect(await setting.innerText()).to.include("Who can technically open your routine records while it is on");
      await setting.getByTestId("escrow-status").getByText("3 of 3").waitFor();

      const entry = page.locator("li.timeline-entry.highlight", {
        hasText: "Emergency access used by St. Mary's Hospital",
      });
      await entry.waitFor();
      const text = await entry.innerText();
      expect(text).to.include("Emergency");
      expect(text).to.include("Reason given: cardiac arrest.");
      expect(await entry.locator(".badge-emergency").count()).to.equal(1);
      // Highlighted: it does not look like the ordinary entries.
      const look = (locator: Locator) =>
        locator.evaluate((li) => `${getComputedStyle(li).backgroundColor} ${getComputedStyle(li).borderLeftColor}`);
      const ordinary = page.locator("li.timeline-entry:not(.highlight)").first();
      expect(await look(entry)).to.not.equal(await look(ordinary));
      await page
        .locator("#delegates .notice.emergency", { hasText: "St. Mary's Hospital may read your routine data until" })
        .waitFor();
      await screenshot(page.locator("#timeline"), "timeline.png");
      expectNoConsoleErrors();
    });
  });

  describe("rejected signature", function () {
    it("a refusal in the wallet shows a calm notice, for a grant and for a revoke, and nothing changes", async function () {
      const { page, wallet } = await connectedAt(ALICE, "/patient/grant");
      await fillGrant(page, { provider: "Northside Family Practice", categories: ["Imaging"] });

      for (const [button, method] of [
        [/Confirm with a signature/, "eth_signTypedData_v4"],
        [/Confirm with a transaction/, "eth_sendTransaction"],
      ] as const) {
        wallet.rejectNext();
        const since = wallet.calls.length;
        await page.getByRole("button", { name: button }).click();
        await promptedFor(wallet, method, since);
        const notice = await transaction(page, "failed");
        await expectCalm(notice);
        // Still on the review step, ready to try again.
        await page.getByRole("heading", { name: "Check before you confirm" }).waitFor();
      }

      await page.goto(`${stack.portalUrl}/patient`);
      await page.getByRole("button", { name: "Disconnect" }).waitFor();
      const card = consentCard(page, "Northside Family Practice");
      await card.getByRole("button", { name: "Revoke", exact: true }).click();
      wallet.rejectNext();
      const since = wallet.calls.length;
      await card.getByRole("button", { name: "Yes, revoke access" }).click();
      await promptedFor(wallet, "eth_sendTransaction", since);
      await expectCalm(await transaction(page.locator("#consents"), "failed"));
      expect(await card.locator(".state").innerText()).to.equal("active");
      expect(await page.locator("main").getByRole("alert").count()).to.equal(0);
      expectNoConsoleErrors();
    });

    async function expectCalm(notice: Locator): Promise<void> {
      expect(await notice.innerText()).to.equal(CALM_REJECTION);
      expect(await notice.getAttribute("role")).to.equal("status");
      expect(await notice.getAttribute("class")).to.not.match(/\berror\b/);
    }
  });

  describe("suspended provider", function () {
    it("a registrar suspends Riverside Laboratory: the picker and its own page say so; then reinstates it", async function () {
      const riversideAddress = address(RIVERSIDE);
      const registrar = await connectedAt(REGISTRAR, "/registrar");
      const card = registrar.page.locator(`li.provider-card[data-provider="${riversideAddress}"]`);
      await card.getByRole("button", { name: "Suspend Riverside Laboratory" }).click();
      await card.getByRole("button", { name: "Yes, suspend" }).click();
      await transaction(card, "confirmed");
      await card.locator(".state", { hasText: "suspended" }).waitFor();

      const patient = await connectedAt(ALICE, "/patient/grant");
      const option = patient.page.locator("label.provider-option", { hasText: "Riverside Laboratory" });
      await option.waitFor();
      expect(await option.locator(".state").innerText()).to.equal("suspended");
      expect(await option.getByRole("radio").isDisabled()).to.equal(true);
      expect(await option.innerText()).to.include("suspended by its registrar");

      const laboratory = await connectedAt(RIVERSIDE, "/provider");
      await laboratory.page.getByTestId("suspended-notice").waitFor();
      expect(await laboratory.page.locator("main").innerText()).to.include("Your registration is suspended.");

      await card.getByRole("button", { name: "Reinstate Riverside Laboratory" }).click();
      await card.locator(".state", { hasText: "active" }).waitFor();
      await laboratory.page.reload();
      await laboratory.page.getByRole("heading", { name: "Riverside Laboratory" }).waitFor();
      expect(await laboratory.page.getByTestId("suspended-notice").count()).to.equal(0);
      expectNoConsoleErrors();
    });
  });

  // Erin (no demo data) and Riverside Laboratory: an encrypted record from upload to read, refusal and proof.
  describe("encrypted vault", function () {
    const LAB = "Riverside Laboratory";
    /** The demo scene's lipid panel: a FHIR R4 Bundle of four laboratory Observations, LDL above its range. */
    const lipidPanel = ALICE_LIPID_PANEL;

    it("upload → grant (keys re-wrapped) → provider reads → revoke → refused in plain words → read verified on chain", async function () {
      this.timeout(240_000);
      const erin = address(ERIN);

      // Patients can share only with a published key. The seed published the laboratory's, derived from the same
      // signature the portal asks for: the read below succeeds only if the two derivations agree.
      const lab = await connectedAt(RIVERSIDE, "/provider");
      const keyPanel = lab.page.getByTestId("encryption-key");
      await keyPanel.getByText("published", { exact: true }).waitFor();

      // Erin signs in to the gateway (SIWE from this page's origin) and uploads a FHIR lipid panel: the portal reads it
      // first, suggests "lab results" from its resources and finds it valid FHIR R4.
      const patient = await connectedAt(ERIN, "/patient");
      const records = patient.page.locator("#records");
      await records.getByRole("button", { name: "Sign in to the gateway" }).click();
      const upload = records.locator(".record-upload");
      await upload.waitFor();
      const siwe = patient.wallet.signedMessages.at(-1) ?? "";
      expect(siwe).to.include(`${new URL(stack.portalUrl).host} wants you to sign in with your Ethereum account:`);
      expect(siwe).to.include("Sign in to the MedConsent gateway.");
      await upload.getByLabel("File", { exact: true }).setInputFiles({
        name: lipidPanel.name,
        mimeType: lipidPanel.type,
        buffer: Buffer.from(fileBytesOf(lipidPanel)),
      });
      await upload
        .getByTestId("category-suggestion")
        .getByText("Suggested from the FHIR resources: lab results")
        .waitFor();
      expect(await upload.getByLabel("Kind of data", { exact: true }).inputValue()).to.equal(
        String(lipidPanel.category),
      );
      await upload.getByTestId("fhir-check").getByText("Valid FHIR R4.").waitFor();
      await expectNoSidewaysScroll(patient.page, "/patient with the upload form and its FHIR suggestion");
      await upload.getByRole("button", { name: "Encrypt and upload" }).click();
      const steps = upload.getByTestId("upload-status");
      await steps.locator('[data-step="share"][data-status="skipped"]').waitFor();
      expect(await steps.locator('[data-status="failed"]').count()).to.equal(0);
      expect(await steps.locator('[data-step="ownKey"]').getAttribute("data-status")).to.equal("done");
      expect(await steps.locator('[data-step="register"]').innerText()).to.include("It is record 1.");
      expect(await upload.locator("progress").getAttribute("value")).to.not.equal("0");
      const measured = await patient.page.evaluate(
        () => performance.getEntriesByName("medconsent:encrypt", "measure").length,
      );
      expect(measured).to.equal(1);
      await records.locator("li.card", { hasText: "Record 1: lab results" }).waitFor();
      await expectAccessible(patient.page);

      // Grant READ on lab results without a fee; the flow re-wraps record 1's key for the laboratory.
      await patient.page.getByRole("link", { name: "Give a provider access" }).click();
      await fillGrant(patient.page, { provider: LAB, categories: ["Lab results"] });
      await patient.page.getByRole("button", { name: "Confirm with a signature (no fee)" }).click();
      await transaction(patient.page, "confirmed");
      await patient.page
        .getByTestId("share-after-grant")
        .getByText(`${LAB} can now open 1 existing record of yours in these categories.`)
        .waitFor();

      // The laboratory opens it: checked on chain by the gateway, decrypted and verified in its browser.
      const reader = lab.page.locator("section", { has: lab.page.locator("h2#read-records") });
      await reader.getByLabel("Patient's address", { exact: true }).fill(erin);
      await reader.getByRole("button", { name: "Sign in to the gateway" }).click();
      const card = reader.locator('li.card[data-record="1"]');
      await card.getByLabel("Purpose of reading record 1").selectOption({ label: "Treatment" });
      await card.getByRole("button", { name: "Open record 1" }).click();
      const viewer = card.getByTestId("record-viewer");
      await viewer.waitFor();
      // Readable: a lab results table with units, reference ranges and the H flag on the high LDL.
      const table = viewer.getByRole("table", { name: /Lab results/ });
      await table.waitFor();
      await expectNoSidewaysScroll(lab.page, "/provider with the lab results open");
      const rows = await table
        .locator("tbody tr")
        .evaluateAll((trs) =>
          trs.map((tr) =>
            Array.from(tr.querySelectorAll("th, td"), (cell) =>
              (cell.querySelector("[aria-hidden], abbr")?.textContent ?? cell.textContent ?? "").trim(),
            ),
          ),
        );
      expect(rows).to.deep.equal([
        ["Cholesterol [Mass/volume] in Serum or Plasma", "212", "mg/dL", "125–200", "H"],
        ["LDL cholesterol (calculated)", "138", "mg/dL", "0–130", "H"],
        ["HDL cholesterol", "52", "mg/dL", "40–90", ""],
        ["Triglyceride [Mass/volume] in Serum or Plasma", "110", "mg/dL", "0–150", ""],
      ]);
      const ldl = table.getByRole("row", { name: /LDL cholesterol/ });
      expect(await ldl.locator("[data-flag]").getAttribute("data-flag")).to.equal("H");
      expect(await table.getByRole("columnheader", { name: "Reference range" }).count()).to.equal(1);
      // The raw JSON is one click away, exactly as uploaded (parsed and re-indented).
      await viewer.getByRole("button", { name: "Show raw JSON" }).click();
      expect(await viewer.locator("pre").innerText()).to.equal(JSON.stringify(lipidPanel.json, null, 2));
      await viewer.getByRole("button", { name: "Show readable view" }).click();
      await table.waitFor();
      expect(await viewer.getByRole("link", { name: /Save/ }).getAttribute("download")).to.equal(lipidPanel.name);
      expect(
        await lab.page.evaluate(() => performance.getEntriesByName("medconsent:decrypt", "measure").length),
      ).to.equal(1);
      expect(lab.wallet.signedTypes).to.include("EncryptionKey");
      await expectAccessible(lab.page);

      // Erin revokes; the laboratory's next open is refused, in the gateway's plain words.
      await patient.page.getByRole("link", { name: "Back to your consents" }).click();
      const consent = consentCard(patient.page, LAB);
      await consent.getByRole("button", { name: "Revoke", exact: true }).click();
      await consent.getByRole("button", { name: "Yes, revoke access" }).click();
      await transaction(patient.page.locator("#consents"), "confirmed");
      lab.expectRefusal("/api/records/", 403);
      await card.getByRole("button", { name: "Open record 1" }).click();
      const refusal = card.getByTestId("open-refused");
      await refusal.waitFor();
      expect(await refusal.innerText()).to.include("revoked");
      expect(await card.getByTestId("record-viewer").count()).to.equal(0);

      // "Who read my records": the laboratory's one read; anchored on demand, then verified against the chain.
      const reads = patient.page.locator("#reads");
      const read = reads.locator("li.disclosure").first();
      await read.getByText(`${LAB} read record 1 for treatment`).waitFor();
      expect(await reads.locator("li.disclosure").count()).to.equal(1);
      await read.getByRole("button", { name: /^Verify/ }).click();
      await read.getByText("Not anchored yet").waitFor();
      await read.getByRole("button", { name: "Anchor now" }).click();
      // The list reloads with the new proof and the old answer is cleared, or the gateway says why it could not anchor.
      await patient.page.waitForFunction(
        () =>
          !document.querySelector("#reads .disclosure-check .notice") || document.querySelector("#reads [role=alert]"),
      );
      const anchorFailure = reads.getByRole("alert");
      if ((await anchorFailure.count()) > 0) throw new Error(await anchorFailure.first().innerText());
      await read.getByRole("button", { name: /^Verify/ }).click();
      await read.getByText(/Verified on chain in batch \d+–\d+\./).waitFor();
      await patient.page.locator("li.timeline-entry", { hasText: `${LAB} read record 1 (lab results)` }).waitFor();
      await expectAccessible(patient.page);
      expectNoConsoleErrors();
    });
  });
  // The portal's lists come from the indexer. The stack's indexer follows the chain through a gate that can hold the
  // chain's head: held, the indexer answers but stays behind while the chain goes on.
  describe("indexer behind the chain", function () {
    it("the dashboard says it is updating instead of showing stale lists as current, then shows the change", async function () {
      const frank = address(FRANK);
      const { page } = await connectedAt(FRANK, "/patient");
      await page.getByText("No consents yet.").waitFor();
      expect(await page.getByTestId("list-updating").count()).to.equal(0);

      await stack.indexerGate.hold();
      try {
        // A grant the indexer cannot see yet, sent from Frank's account on the node (not through this page).
        const latest = await rpc<{ timestamp: Hex }>(stack.chain.url, "eth_getBlockByNumber", ["latest", false]);
        const hash = await rpc<Hex>(stack.chain.url, "eth_sendTransaction", [
          {
            from: frank,
            to: stack.addresses.ConsentRegistry,
            data: encodeFunctionData({
              abi: abis.ConsentRegistry,
              functionName: "grantConsent",
              args: [
                address(NORTHSIDE),
                parseCategories("allergies"),
                READ,
                TREATMENT,
                Number(latest.timestamp) + 90 * 86400,
              ],
            }),
          },
        ]);
        const receipt = await rpc<{ status: Hex }>(stack.chain.url, "eth_getTransactionReceipt", [hash]);
        expect(receipt.status).to.equal("0x1");

        // Each list says it is behind, and the old answer is not passed off as current.
        for (const section of ["#consents", "#records", "#timeline"]) {
          await page
            .locator(`${section} [data-testid=list-updating]`)
            .getByText(/Updating…/)
            .waitFor();
        }
        expect(await page.locator("#consents").innerText()).to.include("No consents yet.");
      } finally {
        stack.indexerGate.release();
      }

      // Caught up: the lists are read again, the notices go, and the grant is there.
      await consentCard(page, "Northside Family Practice")
        .filter({ hasText: "may read your allergies for treatment" })
        .waitFor();
      await page.locator("li.timeline-entry", { hasText: "Northside Family Practice was given access" }).waitFor();
      await page.getByTestId("list-updating").first().waitFor({ state: "detached" });
      expect(await page.getByTestId("list-updating").count()).to.equal(0);
      expectNoConsoleErrors();
    });
  });
});
