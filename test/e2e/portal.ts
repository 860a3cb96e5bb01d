// End to end: Debian's Chromium driven by playwright-core, against a real chain node, the deployed contracts, the demo
// scene and the portal's production build, through an injected EIP-6963 test wallet that signs with a local key.
import { expect } from "chai";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { hardhatAccount } from "../../scripts/lib/localNode";
import { CHROMIUM_ARGS, CHROMIUM_PATH, assertChromium, startPortalStack, type PortalStack } from "./portalServer";
import { installTestWallet, type TestWallet } from "./testWallet";

const ALICE = 6;
const AXE_SCRIPT = path.join(__dirname, "..", "..", "node_modules", "axe-core", "axe.min.js");
export const SCREENSHOTS_DIR = path.join(__dirname, "..", "..", "docs", "screenshots");

describe("Portal end to end", function () {
  this.timeout(120_000);
  let stack: PortalStack;
  let browser: Browser;

  before(async function () {
    this.timeout(900_000);
    assertChromium();
    stack = await startPortalStack();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    await stack?.stop();
  });

  /** A fresh browser context with the test wallet holding account `index`, and a record of console errors. */
  async function openAs(
    index: number,
  ): Promise<{ page: Page; wallet: TestWallet; errors: string[]; context: BrowserContext }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    page.on("pageerror", (error) => errors.push(String(error)));
    const wallet = await installTestWallet(page, stack.chain.url, hardhatAccount(index).privateKey);
    return { page, wallet, errors, context };
  }

  async function connect(page: Page): Promise<void> {
    await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
    await page.getByRole("button", { name: "Test Wallet" }).click();
    await page.getByRole("button", { name: "Disconnect" }).waitFor();
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

  describe("patient dashboard", function () {
    it("connects the injected wallet through EIP-6963 and shows Alice's consents by state, in plain words", async function () {
      const { page, errors, context } = await openAs(ALICE);
      await page.goto(`${stack.portalUrl}/patient`);
      await connect(page);
      await page.getByRole("heading", { name: /^Active/ }).waitFor();
      const text = await page.locator("main").innerText();
      expect(text).to.match(/Northside Family Practice may read and add records to your allergies/);
      expect(text).to.include("Expiring within 7 days (1)");
      expect(text).to.include("Expired (1)");
      expect(text).to.include("Revoked (1)");
      await expectAccessible(page);
      expect(errors).to.deep.equal([]);
      await context.close();
    });
  });

  describe("wrong network", function () {
    it("shows a switch prompt, and switching resolves it", async function () {
      const { page, wallet, context } = await openAs(ALICE);
      await page.goto(`${stack.portalUrl}/patient`);
      await connect(page);
      await wallet.setChainId(1);
      const prompt = page.getByRole("alert").filter({ hasText: "another network" });
      await prompt.waitFor();
      await prompt.getByRole("button", { name: /Switch to/ }).click();
      await prompt.waitFor({ state: "detached" });
      expect(wallet.calls).to.include("wallet_switchEthereumChain");
      await context.close();
    });
  });

  describe("every page", function () {
    for (const route of ["/", "/patient", "/provider", "/registrar"]) {
      it(`${route} loads without console errors and without serious accessibility violations`, async function () {
        const { page, errors, context } = await openAs(ALICE);
        await page.goto(`${stack.portalUrl}${route}`);
        await connect(page);
        await page.waitForLoadState("networkidle");
        await expectAccessible(page);
        expect(errors).to.deep.equal([]);
        await context.close();
      });
    }
  });
});
