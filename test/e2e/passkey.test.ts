// Passkey accounts end to end: Debian's Chromium with its virtual authenticator (DevTools protocol, WebAuthn domain)
// and no injected wallet at all, against the same stack as the portal suite (a real node, the deployed contracts with
// the passkey-account factory, the indexer, the portal's production build and its gateway), served on localhost
// because WebAuthn refuses an IP address as its relying party.
import { expect } from "chai";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { ALICE_LIPID_PANEL, fileBytesOf } from "@/harness/demoRecords";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  assertChromium,
  startPortalStack,
  type PortalStack,
} from "@/harness/portalServer";
import { addVirtualAuthenticator, type VirtualAuthenticator } from "@/harness/virtualAuthenticator";
import { encodeFunctionData, type Address, type Hex } from "viem";
import { SoftPasskey } from "@/harness/softPasskey";
import { abis } from "@/lib/contracts/deployedContracts";
import { NO_PRF_MESSAGE } from "@/lib/passkey/errors";

const LAB = "Riverside Laboratory";
/** Any account will do: a relative's wallet. */
const RECOVERY_DELEGATE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

interface Session {
  page: Page;
  context: BrowserContext;
  authenticator: VirtualAuthenticator;
  errors: string[];
}

describe("Passkey accounts end to end", function () {
  this.timeout(180_000);
  let stack: PortalStack;
  let browser: Browser;
  let sessions: Session[] = [];

  before(async function () {
    this.timeout(900_000);
    assertChromium();
    stack = await startPortalStack({ portalHost: "localhost" });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") {
      // What the patient saw when it failed: the records section and any notice, for the log.
      for (const { page } of sessions) {
        const text = await page
          .locator("main")
          .innerText({ timeout: 2_000 })
          .catch(() => "(no page)");
        const dialogs = await page
          .getByRole("dialog")
          .allInnerTexts()
          .catch(() => []);
        console.log(`      the page at failure (${page.url()}):\n${text.slice(0, 12_000)}`);
        console.log(`      open dialogs: ${dialogs.length === 0 ? "none" : dialogs.join("\n---\n")}`);
      }
    }
    await Promise.all(sessions.map((s) => s.context.close()));
    sessions = [];
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    await stack?.stop();
  });

  /** A fresh browser with a platform authenticator (with or without PRF) and no wallet of any kind. */
  async function openWithAuthenticator(prf: boolean): Promise<Session> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => {
      // "Not signed in" (401 on /api/auth/session) is how the portal learns to offer sign-in, not a failure.
      if (message.type() === "error" && !/status of 401/.test(message.text())) errors.push(message.text());
    });
    const authenticator = await addVirtualAuthenticator(page, { prf });
    const session = { page, context, authenticator, errors };
    sessions.push(session);
    return session;
  }

  /** Approves the passkey prompt whose plain words are `title`; returns the words the patient read. */
  async function approve(page: Page, title: RegExp): Promise<string> {
    const dialog = page.getByRole("dialog", { name: title });
    await dialog.waitFor();
    const words = await dialog.innerText();
    await dialog.getByRole("button", { name: "Approve with passkey" }).click();
    await dialog.waitFor({ state: "hidden" });
    return words;
  }

  /** Connect → "Continue with a passkey": creates the passkey, signs in, the gateway deploys; returns the address. */
  async function createAccount(page: Page): Promise<string> {
    await page.goto(`${stack.portalUrl}/patient`);
    await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
    await page.getByRole("button", { name: "Continue with a passkey" }).click();
    const signIn = await approve(page, /^Sign in to the MedConsent gateway$/);
    expect(signIn).to.include("This does not send a transaction or cost anything.");
    await page.getByRole("button", { name: "Disconnect" }).waitFor({ timeout: 60_000 });
    return (await page.locator(".menu .mono").getAttribute("title")) ?? "";
  }

  /** One JSON-RPC call to the chain's node, from outside the browser. */
  async function nodeRpc(method: string, params: unknown[]): Promise<unknown> {
    const response = await fetch(stack.chain.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result;
  }

  /** A transaction from one of the node's unlocked accounts (a wallet outside the portal, e.g. the delegate's). */
  async function sendFromNodeAccount(from: Address, to: Address, data: Hex): Promise<void> {
    const hash = await nodeRpc("eth_sendTransaction", [{ from, to, data }]);
    const receipt = (await nodeRpc("eth_getTransactionReceipt", [hash])) as { status: Hex } | null;
    expect(receipt?.status, "the delegate's transaction").to.equal("0x1");
  }

  /** /patient/grant: read access to one category for treatment, confirmed with one passkey prompt; its words. */
  async function grant(page: Page, provider: string, category: string): Promise<string> {
    await page.getByRole("link", { name: "Give a provider access" }).click();
    const form = page.locator("form.grant-form");
    await form.getByRole("radio", { name: new RegExp(provider) }).check();
    await form.getByRole("checkbox", { name: category, exact: true }).check();
    await form.getByRole("button", { name: "Review" }).click();
    await page.getByRole("button", { name: "Confirm with your passkey (no fee)" }).click();
    const words = await approve(page, /^Give a provider access$/);
    await page.getByRole("heading", { name: "Access granted" }).waitFor({ timeout: 60_000 });
    return words;
  }

  it("a newcomer with no wallet creates a passkey account, grants a provider, uploads and opens a record, and revokes, paying nothing", async function () {
    this.timeout(300_000);
    const { page, authenticator, errors } = await openWithAuthenticator(true);
    const started = Date.now();
    const account = await createAccount(page);
    expect(account).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(await page.evaluate(() => "ethereum" in window)).to.equal(false);
    expect(await authenticator.credentials()).to.have.length(1);
    expect(BigInt((await nodeRpc("eth_getBalance", [account, "latest"])) as Hex)).to.equal(0n);

    // Grant the laboratory read access to lab results: one passkey prompt, the gateway relays and pays.
    const grantWords = await grant(page, LAB, "Lab results");
    expect(grantWords).to.match(/Riverside Laboratory may read your lab results for treatment until/);
    expect(grantWords).to.include("You pay no fee");
    console.log(`      account created and a provider granted in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Upload: the encryption key comes from the passkey's PRF output (one prompt), its publication is another.
    await page.getByRole("link", { name: "Back to your consents" }).click();
    const records = page.locator("#records");
    // The key directory is read once the dashboard loads; on a busy machine that can take a while.
    await records.getByRole("button", { name: "Publish my encryption key" }).click({ timeout: 60_000 });
    await approve(page, /^Unlock your encryption key$/);
    await approve(page, /^Publish your encryption key$/);
    await records.getByTestId("encryption-key").getByText("published", { exact: true }).waitFor({ timeout: 60_000 });
    const upload = records.locator(".record-upload");
    await upload.waitFor();
    await upload.getByLabel("File", { exact: true }).setInputFiles({
      name: ALICE_LIPID_PANEL.name,
      mimeType: ALICE_LIPID_PANEL.type,
      buffer: Buffer.from(fileBytesOf(ALICE_LIPID_PANEL)),
    });
    await upload.getByTestId("fhir-check").getByText("Valid FHIR R4.").waitFor();
    await upload.getByRole("button", { name: "Encrypt and upload" }).click();
    await approve(page, /^Add a record to your list$/);
    const steps = upload.getByTestId("upload-status");
    await steps.locator('[data-step="register"][data-status="done"]').waitFor({ timeout: 60_000 });
    expect(await steps.locator('[data-status="failed"]').count()).to.equal(0);

    // Open it: decrypted with the PRF-derived key, checked against its fingerprint on chain.
    const card = records.locator("li.card", { hasText: "Record 1: lab results" });
    await card.waitFor({ timeout: 60_000 });
    await card.getByRole("button", { name: "Open record 1" }).click();
    await card
      .getByTestId("record-viewer")
      .getByRole("table", { name: /Lab results/ })
      .waitFor({ timeout: 60_000 });

    // Revoke the laboratory: one prompt, in plain words.
    const consent = page.locator("#consents li.card", { hasText: LAB });
    await consent.getByRole("button", { name: "Revoke", exact: true }).click();
    await consent.getByRole("button", { name: "Yes, revoke access" }).click();
    const revokeWords = await approve(page, /^Revoke Riverside Laboratory's access$/);
    expect(revokeWords).to.include("can no longer read or add records from the next block");
    await page.locator("#consents p.notice[data-phase='confirmed']").waitFor({ timeout: 60_000 });
    expect(authenticator.assertions()).to.be.at.least(5);

    // A second passkey (here a second credential on the same authenticator; in life another device or a security
    // key), and a recovery delegate: each one prompt through the account's signed execution.
    const passkeys = page.locator("#passkeys");
    await passkeys.getByTestId("passkey-list").locator("li").first().waitFor();
    await passkeys.getByRole("button", { name: "Add a passkey from another device" }).click();
    await approve(page, /^Add a passkey to your account$/);
    await passkeys.locator("p.notice[data-phase='confirmed']").waitFor({ timeout: 60_000 });
    await passkeys.getByTestId("passkey-list").locator("li").nth(1).waitFor();
    expect(await authenticator.credentials()).to.have.length(2);
    // The new passkey got a sealed copy of the account's encryption key (its PRF output came with its creation).
    await passkeys
      .getByTestId("key-copy-notice")
      .getByText(/sealed copy of your encryption key/)
      .waitFor();
    await passkeys.getByLabel("Recovery delegate's address").fill(RECOVERY_DELEGATE);
    await passkeys.getByRole("button", { name: "Name recovery delegate" }).click();
    await approve(page, /^Name 0x\w{4}…\w{4} as your recovery delegate$/);
    await passkeys.getByText(`Your recovery delegate is ${RECOVERY_DELEGATE}.`).waitFor({ timeout: 60_000 });

    // The delegate asks, from its own wallet, to add a passkey of its choosing: nothing is added yet, the patient sees
    // the request with the date it would take effect, and cancels it with one prompt.
    const requested = new SoftPasskey().publicKey;
    await sendFromNodeAccount(
      RECOVERY_DELEGATE,
      account as Address,
      encodeFunctionData({
        abi: abis.PatientAccount,
        functionName: "startRecovery",
        args: [requested.x, requested.y],
      }),
    );
    await page.reload();
    const pendingRecovery = page.locator("#passkeys").getByTestId("pending-recovery");
    await pendingRecovery.waitFor({ timeout: 60_000 });
    expect(await pendingRecovery.innerText()).to.match(/asked to add a new passkey .* unless you cancel it/s);
    await pendingRecovery.getByRole("button", { name: "Cancel this recovery" }).click();
    await approve(page, /^Cancel the recovery your delegate asked for$/);
    await pendingRecovery.waitFor({ state: "detached", timeout: 60_000 });
    // And the delegate who asked unexpectedly is removed: one prompt, and the section says there is none.
    await passkeys.getByRole("button", { name: "Remove recovery delegate" }).click();
    await approve(page, /^Remove your recovery delegate$/);
    await passkeys.getByText("You have not named a recovery delegate.").waitFor({ timeout: 60_000 });

    expect(BigInt((await nodeRpc("eth_getBalance", [account, "latest"])) as Hex)).to.equal(0n);

    // The added passkey on "another device": the first passkey leaves the authenticator, and the browser forgets
    // everything (its passkey list, its session, the key in memory). A copied credential would not keep its PRF
    // secret, so the same virtual authenticator stands in for the phone.
    const firstCredential = await page.evaluate(
      () =>
        (JSON.parse(localStorage.getItem("medconsent:passkeys") ?? "[]") as { credentialId: string }[])[0].credentialId,
    );
    const held = await authenticator.credentials();
    const first = held.find((c) => Buffer.from(c.credentialId, "base64").toString("base64url") === firstCredential);
    expect(first, "the first passkey on the authenticator").to.not.equal(undefined);
    await authenticator.session.send("WebAuthn.removeCredential", {
      authenticatorId: authenticator.authenticatorId,
      credentialId: first!.credentialId,
    });
    await page.evaluate(() => localStorage.clear());
    await sessions[0].context.clearCookies();
    await page.goto(`${stack.portalUrl}/patient`);
    await page.locator("button[data-hydrated]", { hasText: "Connect" }).click();
    await page.getByRole("button", { name: "Use a passkey I already have" }).click();
    await page.getByRole("button", { name: "Disconnect" }).waitFor({ timeout: 60_000 });
    expect(await page.locator(".menu .mono").getAttribute("title")).to.equal(account);
    const recordsAgain = page.locator("#records");
    const signIn = recordsAgain.getByRole("button", { name: "Sign in to the gateway" });
    // The gateway's answer to this sign-in is held until "Open" has been clicked: a patient who opens a record while
    // the sign-in is still being verified must not be asked to sign in a second time (on a slow machine that second
    // prompt once stood between the patient and the record).
    let releaseVerify!: () => void;
    const verifyHeld = new Promise<void>((resolve) => (releaseVerify = resolve));
    await page.route("**/api/auth/verify", async (route) => {
      await verifyHeld;
      await route.continue();
    });
    await signIn.click({ timeout: 60_000 });
    await approve(page, /^Sign in to the MedConsent gateway$/);
    const cardAgain = recordsAgain.locator("li.card", { hasText: "Record 1: lab results" });
    await cardAgain.waitFor({ timeout: 60_000 });
    await cardAgain.getByRole("button", { name: "Open record 1" }).click();
    releaseVerify();
    await page.unroute("**/api/auth/verify");
    await approve(page, /^Unlock your encryption key$/);
    await cardAgain
      .getByTestId("record-viewer")
      .getByRole("table", { name: /Lab results/ })
      .waitFor({ timeout: 60_000 });
    expect(errors, errors.join("\n")).to.deep.equal([]);
  });

  it("change, delegates, the emergency setting, removing a passkey and revoking everything each take one passkey prompt", async function () {
    this.timeout(300_000);
    const { page, errors } = await openWithAuthenticator(true);
    await createAccount(page);
    await grant(page, LAB, "Lab results");
    await page.getByRole("link", { name: "Back to your consents" }).click();

    // Change: the grant flow prefilled with the live consent; widening it is one prompt with the new words.
    const consent = page.locator("#consents li.card", { hasText: LAB });
    await consent.getByRole("link", { name: "Change" }).click();
    const form = page.locator("form.grant-form");
    await form.getByRole("checkbox", { name: "Allergies", exact: true }).check();
    await form.getByRole("button", { name: "Review" }).click();
    await page.getByRole("button", { name: "Confirm with your passkey (no fee)" }).click();
    const changeWords = await approve(page, /^Give a provider access$/);
    expect(changeWords).to.match(/Riverside Laboratory may read your allergies and lab results for treatment until/);
    await page.getByRole("heading", { name: "Access changed" }).waitFor({ timeout: 60_000 });
    await page.getByRole("link", { name: "Back to your consents" }).click();
    await consent.getByText(/allergies and lab results/).waitFor({ timeout: 60_000 });

    // A delegate: named with one prompt, listed from the chain.
    const delegates = page.locator("#delegates");
    await delegates.getByLabel("Add a delegate by their account address").fill(RECOVERY_DELEGATE);
    await delegates.getByRole("button", { name: "Add delegate" }).click();
    const delegateWords = await approve(page, /^Let 0x7099…79C8 act for you$/);
    expect(delegateWords).to.include("They may grant and revoke access on your behalf.");
    await delegates.locator("li.card.delegate", { hasText: RECOVERY_DELEGATE }).waitFor({ timeout: 60_000 });

    // The emergency setting (on for a new account): off, the gateway deletes the emergency copies; on again, with
    // no routine record to prepare a copy of, no key is needed. Each one prompt.
    await delegates.getByText("Emergency access is on.").waitFor({ timeout: 60_000 });
    await delegates.getByRole("button", { name: "Turn emergency access off" }).click();
    const offWords = await approve(page, /^Turn emergency access off$/);
    expect(offWords).to.include("No provider may break the glass to open your records.");
    await delegates.getByText("Emergency access is off.").waitFor({ timeout: 60_000 });
    await delegates.getByRole("button", { name: "Turn emergency access on" }).click();
    await approve(page, /^Turn emergency access on$/);
    await delegates.getByText("Emergency access is on.").waitFor({ timeout: 60_000 });
    await delegates.getByText(/You have no routine records yet/).waitFor({ timeout: 60_000 });

    // A second passkey, then removing it: the list follows the chain, and the last passkey cannot be removed.
    const passkeys = page.locator("#passkeys");
    const list = passkeys.getByTestId("passkey-list").locator("li");
    await list.first().waitFor();
    await passkeys.getByRole("button", { name: "Add a passkey from another device" }).click();
    await approve(page, /^Add a passkey to your account$/);
    await list.nth(1).waitFor({ timeout: 60_000 });
    // This device's own passkey asks first, in plain words; "Keep it" sends nothing.
    await list.first().getByRole("button", { name: "Remove this passkey" }).click();
    const warning = list.first().getByRole("alert");
    expect(await warning.innerText()).to.include("this device can no longer approve anything for your account");
    await warning.getByRole("button", { name: "Keep it" }).click();
    await warning.waitFor({ state: "detached" });
    await list.nth(1).getByRole("button", { name: "Remove this passkey" }).click();
    await approve(page, /^Remove a passkey from your account$/);
    await passkeys.getByText("Your only passkey cannot be removed: add another first.").waitFor({ timeout: 60_000 });
    expect(await list.count()).to.equal(1);
    expect(await list.first().innerText()).to.include("(this device)");

    // Revoke everything: the dialog, then one prompt; every consent revoked and the delegate gone.
    await page.locator("#consents").getByRole("button", { name: "Revoke everything" }).click();
    await page
      .getByRole("dialog", { name: "Revoke every consent?" })
      .getByRole("button", { name: "Revoke everything" })
      .click();
    const revokeAllWords = await approve(page, /^Revoke every consent$/);
    expect(revokeAllWords).to.include("every delegate is removed");
    await page.locator("#consents").getByText("Revoked (1)").waitFor({ timeout: 60_000 });
    await delegates.getByText("You have no delegates.").waitFor({ timeout: 60_000 });
    expect(errors, errors.join("\n")).to.deep.equal([]);
  });

  it("an authenticator without PRF: the account still grants, and the records section says plainly what it cannot do", async function () {
    const { page, errors } = await openWithAuthenticator(false);
    await createAccount(page);
    const words = await grant(page, "Northside Family Practice", "Allergies");
    expect(words).to.match(/Northside Family Practice may read your allergies for treatment until/);
    await page.getByRole("link", { name: "Back to your consents" }).click();
    const records = page.locator("#records");
    const notice = records.getByTestId("encryption-key");
    await notice.getByText(/cannot give an encryption key/).waitFor();
    expect(await notice.innerText()).to.equal(NO_PRF_MESSAGE);
    expect(await records.locator(".record-upload").count()).to.equal(0);
    expect(await records.getByRole("button", { name: "Sign in to the gateway" }).count()).to.equal(0);
    expect(errors, errors.join("\n")).to.deep.equal([]);
  });
});
