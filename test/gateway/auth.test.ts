// Sign-In with Ethereum against the running gateway: nonces, the checks on the EIP-4361 message, session cookies,
// logout, and an ERC-1271 smart-contract wallet. Every refusal sets no session and leaves the client signed out.
import { expect } from "chai";
import { getAddress, type Hex } from "viem";
import { hardhatAccount } from "@/harness/localNode";
import { expectError, UUID } from "./expectations";
import { GatewayClient, type SiweSigner } from "@/harness/gatewayHttpClient";
import { startGatewayStack, type GatewayStack } from "@/harness/gatewayStack";

const SESSION_COOKIE = "medconsent_session";
const NONCE_COOKIE = "medconsent_siwe";
const MINUTE = 60_000;

describe("Gateway: Sign-In with Ethereum", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  let alice: SiweSigner;
  let bob: SiweSigner;

  before(async () => {
    stack = await startGatewayStack();
    alice = stack.contracts.account(10);
    bob = stack.contracts.account(11);
  });

  after(async () => {
    await stack?.stop();
  });

  const client = (signer: SiweSigner = alice) => new GatewayClient(stack.url, signer);

  /** Signs `message` as the client's signer and posts it; the verify answer. */
  async function verifySigned(c: GatewayClient, message: string, signer: SiweSigner = c.signer!) {
    return c.verify(message, await signer.signMessage({ message }));
  }

  /** The refusal left no session: no session cookie was set and GET /api/auth/session answers 401. */
  async function expectSignedOut(c: GatewayClient) {
    expect(c.jar.has(SESSION_COOKIE), "a session cookie was set").to.equal(false);
    expectError(await c.get("/api/auth/session"), 401, "not_signed_in");
  }

  async function expectVerifyRefused(c: GatewayClient, message: string, ...codes: string[]) {
    const response = await verifySigned(c, message);
    expectError(response, 401, ...codes);
    expect(response.cookie(SESSION_COOKIE)?.value ?? "", "session cookie on a refusal").to.equal("");
    await expectSignedOut(c);
  }

  describe("GET /api/auth/nonce", () => {
    it("answers a fresh alphanumeric nonce of at least 17 characters and an HttpOnly client-id cookie", async () => {
      const c = client();
      const first = await c.get("/api/auth/nonce");
      expect(first.status, first.describe()).to.equal(200);
      expect(first.headers.get("x-request-id") ?? "").to.match(UUID);
      const { nonce } = first.json<{ nonce: string }>();
      expect(nonce).to.match(/^[A-Za-z0-9]{17,}$/);
      const cookie = first.cookie(NONCE_COOKIE);
      expect(cookie, "medconsent_siwe cookie").to.not.equal(undefined);
      expect(cookie!.attributes.has("httponly")).to.equal(true);
      expect(cookie!.value.length).to.be.greaterThan(15);
      const second = (await c.get("/api/auth/nonce")).json<{ nonce: string }>().nonce;
      expect(second).to.not.equal(nonce);
    });

    it("a nonce is single-use: a replayed message is refused after a successful sign-in", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce());
      const signature = await alice.signMessage({ message });
      expect((await c.verify(message, signature)).status).to.equal(200);
      const sessionBefore = c.jar.get(SESSION_COOKIE);
      const replay = await c.verify(message, signature);
      expectError(replay, 401, "nonce_invalid");
      expect(replay.cookie(SESSION_COOKIE)?.value ?? "").to.equal("");
      // The replay neither replaced nor ended the session the first sign-in made.
      expect(c.jar.get(SESSION_COOKIE)).to.equal(sessionBefore);
    });

    it("a replayed message from another browser (another cookie jar) is refused too", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce());
      const signature = await alice.signMessage({ message });
      expect((await c.verify(message, signature)).status).to.equal(200);
      const attacker = client();
      await attacker.nonce(); // a client id of its own
      expectError(await attacker.verify(message, signature), 401, "nonce_invalid");
      await expectSignedOut(attacker);
    });

    it("a nonce issued to another session is refused", async () => {
      const victim = client();
      const nonce = await victim.nonce();
      const attacker = client();
      await attacker.nonce();
      await expectVerifyRefused(attacker, attacker.siweMessage(nonce), "nonce_invalid");
      // Without any client-id cookie at all, too.
      const bare = client();
      await expectVerifyRefused(bare, bare.siweMessage(nonce), "nonce_invalid");
    });

    it("a nonce the server never issued is refused", async () => {
      const c = client();
      await c.nonce();
      await expectVerifyRefused(c, c.siweMessage("InventedNonce123456789"), "nonce_invalid");
    });

    it("a failed attempt uses the nonce up (it is marked used before the signature check)", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce());
      expectError(await verifySigned(c, message, bob), 401, "invalid_signature");
      await expectVerifyRefused(c, message, "nonce_invalid");
    });

    it("an expired nonce is refused (postgres backends: the row's expiry is moved into the past)", async function () {
      const query = stack.server.query;
      if (query === undefined) return this.skip(); // PGlite belongs to the server process; no clock override exists
      const c = client();
      const message = c.siweMessage(await c.nonce());
      const columns = await query<{ column_name: string; data_type: string }>(
        "SELECT column_name, data_type FROM information_schema.columns " +
          "WHERE table_name = 'siwe_nonces' AND column_name LIKE '%expire%'",
      );
      expect(columns, "an expiry column in siwe_nonces").to.have.length(1);
      const [{ column_name: column, data_type: type }] = columns;
      // A timestamp column, or a number of (milli)seconds since 1970: 1 is in the past either way.
      const past = type.startsWith("timestamp") ? "now() - interval '1 second'" : "1";
      await query(`UPDATE siwe_nonces SET ${column} = ${past}`);
      await expectVerifyRefused(c, message, "nonce_invalid");
    });
  });

  describe("POST /api/auth/verify", () => {
    it("signs in: the address, chain and expiry, and a new HttpOnly SameSite=Lax session cookie each time", async () => {
      const c = client();
      const before = Date.now();
      const response = await c.signIn();
      const body = response.json<{ address: string; chainId: number; expiresAt: string | number }>();
      expect(body.address).to.equal(getAddress(alice.address));
      expect(body.chainId).to.equal(31337);
      const expiresAt = typeof body.expiresAt === "number" ? body.expiresAt * 1000 : Date.parse(body.expiresAt);
      expect(expiresAt).to.be.within(before + 8 * 60 * MINUTE - MINUTE, Date.now() + 8 * 60 * MINUTE + MINUTE);
      const cookie = response.cookie(SESSION_COOKIE)!;
      expect(cookie, "medconsent_session cookie").to.not.equal(undefined);
      expect(cookie.value).to.match(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
      expect(cookie.attributes.has("httponly")).to.equal(true);
      expect(cookie.attributes.get("samesite")?.toLowerCase()).to.equal("lax");
      expect(cookie.attributes.get("path")).to.equal("/");
      expect(cookie.attributes.has("secure"), "no Secure on http://127.0.0.1").to.equal(false);

      const session = await c.get("/api/auth/session");
      expect(session.status, session.describe()).to.equal(200);
      expect(session.json<{ address: string }>().address).to.equal(getAddress(alice.address));

      const again = (await c.signIn()).cookie(SESSION_COOKIE)!;
      expect(again.value).to.not.equal(cookie.value);
      const other = (await client().signIn()).cookie(SESSION_COOKIE)!;
      expect(other.value).to.not.equal(again.value);
    });

    it("the session ends with the message's expirationTime when that is sooner than 8 hours", async () => {
      const c = client();
      const expirationTime = new Date(Date.now() + 10 * MINUTE);
      const body = (await c.signIn({ expirationTime })).json<{ expiresAt: string | number }>();
      const expiresAt = typeof body.expiresAt === "number" ? body.expiresAt * 1000 : Date.parse(String(body.expiresAt));
      expect(expiresAt).to.be.at.most(expirationTime.getTime());
      expect(expiresAt).to.be.greaterThan(Date.now());
    });

    it("refuses a message for another domain", async () => {
      const c = client();
      await expectVerifyRefused(c, c.siweMessage(await c.nonce(), { domain: "evil.example" }), "message_invalid");
      // The same host on another port is another origin.
      const port = Number(new URL(stack.url).port);
      await expectVerifyRefused(
        c,
        c.siweMessage(await c.nonce(), { domain: `127.0.0.1:${port + 1}` }),
        "message_invalid",
      );
    });

    it("refuses a message whose URI has another origin", async () => {
      const c = client();
      await expectVerifyRefused(c, c.siweMessage(await c.nonce(), { uri: "https://evil.example/" }), "message_invalid");
      const https = stack.url.replace("http:", "https:");
      await expectVerifyRefused(c, c.siweMessage(await c.nonce(), { uri: `${https}/` }), "message_invalid");
    });

    it("refuses a message for another chain", async () => {
      const c = client();
      await expectVerifyRefused(c, c.siweMessage(await c.nonce(), { chainId: 1 }), "message_invalid");
    });

    it("refuses a message of another version", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce()).replace("\nVersion: 1\n", "\nVersion: 2\n");
      expect(message).to.include("Version: 2");
      await expectVerifyRefused(c, message, "message_invalid");
    });

    it("refuses an expired message", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce(), {
        issuedAt: new Date(Date.now() - 2 * MINUTE),
        expirationTime: new Date(Date.now() - MINUTE),
      });
      await expectVerifyRefused(c, message, "message_invalid");
    });

    it("refuses a message that is not valid yet (notBefore in the future)", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce(), { notBefore: new Date(Date.now() + 10 * MINUTE) });
      await expectVerifyRefused(c, message, "message_invalid");
    });

    it("refuses a message issued in the future (beyond the clock skew)", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce(), { issuedAt: new Date(Date.now() + 5 * MINUTE) });
      await expectVerifyRefused(c, message, "message_invalid");
    });

    it("refuses a message issued more than 5 minutes ago", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce(), { issuedAt: new Date(Date.now() - 10 * MINUTE) });
      await expectVerifyRefused(c, message, "message_invalid");
    });

    it("refuses a signature by another account", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce());
      const response = await c.verify(message, await bob.signMessage({ message }));
      expectError(response, 401, "invalid_signature");
      await expectSignedOut(c);
    });

    it("refuses a message claiming another account's address", async () => {
      const c = client(bob);
      const message = c.siweMessage(await c.nonce(), { address: alice.address });
      const response = await c.verify(message, await bob.signMessage({ message }));
      expectError(response, 401, "invalid_signature");
      await expectSignedOut(c);
    });

    it("refuses a malformed signature and a malformed body", async () => {
      const c = client();
      const message = c.siweMessage(await c.nonce());
      const short = await c.verify(message, "0x1234");
      expect([400, 401], short.describe()).to.include(short.status);
      expectError(short, short.status);
      expectError(await c.verify(message, "not hex" as Hex), 400, "bad_request");
      expectError(
        await c.request("POST", "/api/auth/verify", {
          body: "{not json",
          headers: { "content-type": "application/json" },
        }),
        400,
        "bad_request",
      );
      expectError(await c.postJson("/api/auth/verify", { message }), 400, "bad_request");
      const notSiwe = await c.postJson("/api/auth/verify", { message: "hello", signature: "0x00" });
      expect([400, 401], notSiwe.describe()).to.include(notSiwe.status);
      expectError(notSiwe, notSiwe.status, "bad_request", "message_invalid");
      await expectSignedOut(c);
    });
  });

  describe("GET /api/auth/session and POST /api/auth/logout", () => {
    it("answers 401 without a cookie and with forged or malformed cookies", async () => {
      expectError(await client().get("/api/auth/session"), 401, "not_signed_in");
      const forged = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)).toString("base64url");
      for (const value of [forged, "", "x", "../../etc/passwd", "%00", "A".repeat(4096)]) {
        const c = client();
        c.jar.set(SESSION_COOKIE, value);
        expectError(await c.get("/api/auth/session"), 401, "not_signed_in");
      }
    });

    it("a session cookie does not work as a nonce cookie, nor the other way round", async () => {
      const c = client();
      await c.signIn();
      const swapped = client();
      swapped.jar.set(SESSION_COOKIE, c.jar.get(NONCE_COOKIE) ?? "no-nonce-cookie");
      expectError(await swapped.get("/api/auth/session"), 401, "not_signed_in");
    });

    it("logout answers 204, clears the cookie and ends the session on the server", async () => {
      const c = client();
      await c.signIn();
      const stolen = c.jar.get(SESSION_COOKIE)!;
      const logout = await c.request("POST", "/api/auth/logout");
      expect(logout.status, logout.describe()).to.equal(204);
      const cleared = logout.cookie(SESSION_COOKIE);
      expect(cleared, "Set-Cookie clearing the session").to.not.equal(undefined);
      expect(cleared!.value === "" || cleared!.attributes.get("max-age") === "0").to.equal(true);
      await expectSignedOut(c);
      // The old cookie value, replayed, no longer names a session.
      const replay = client();
      replay.jar.set(SESSION_COOKIE, stolen);
      expectError(await replay.get("/api/auth/session"), 401, "not_signed_in");
    });

    it("logging out one session leaves the account's other sessions signed in", async () => {
      const laptop = client();
      const phone = client();
      await laptop.signIn();
      await phone.signIn();
      expect((await laptop.request("POST", "/api/auth/logout")).status).to.equal(204);
      expect((await phone.get("/api/auth/session")).status).to.equal(200);
    });
  });

  describe("cookies off localhost", () => {
    it("are named __Host-… and Secure when GATEWAY_ORIGIN is https; only that name is read", async () => {
      const origin = "https://portal.example.org";
      const server = await stack.startServer({ GATEWAY_ORIGIN: origin });
      try {
        // This client talks plain http to the server and keeps its cookies whatever their attributes say.
        const c = new GatewayClient(server.url, alice);
        const nonce = await c.get("/api/auth/nonce");
        const siwe = nonce.cookie(`__Host-${NONCE_COOKIE}`);
        expect(siwe, nonce.describe()).to.not.equal(undefined);
        expect(nonce.cookie(NONCE_COOKIE), "no plain-named nonce cookie").to.equal(undefined);
        const message = c.siweMessage(nonce.json<{ nonce: string }>().nonce, {
          domain: "portal.example.org",
          uri: `${origin}/`,
        });
        const verify = await verifySigned(c, message);
        expect(verify.status, verify.describe()).to.equal(200);
        const session = verify.cookie(`__Host-${SESSION_COOKIE}`)!;
        expect(session, "__Host- session cookie").to.not.equal(undefined);
        expect(session.attributes.has("secure")).to.equal(true);
        expect(session.attributes.get("path")).to.equal("/");
        expect(session.attributes.has("domain")).to.equal(false);
        expect((await c.get("/api/auth/session")).status).to.equal(200);
        // The same token under the plain name (as a sibling subdomain could plant it) is no session here.
        const planted = new GatewayClient(server.url);
        planted.jar.set(SESSION_COOKIE, session.value);
        expectError(await planted.get("/api/auth/session"), 401, "not_signed_in");
      } finally {
        await server.stop();
      }
    });
  });

  describe("ERC-1271 smart-contract wallets", () => {
    it("a wallet contract signs in with its owner's signature", async () => {
      const owner = stack.contracts.account(12);
      const wallet = await stack.contracts.deployArtifact(12, "test/ERC1271WalletMock.sol", "ERC1271WalletMock", [
        owner.address,
      ]);
      const c = new GatewayClient(stack.url, { address: wallet, signMessage: (args) => owner.signMessage(args) });
      const body = (await c.signIn()).json<{ address: string }>();
      expect(body.address).to.equal(getAddress(wallet));
      expect((await c.get("/api/auth/session")).json<{ address: string }>().address).to.equal(getAddress(wallet));
    });

    it("a wallet contract is refused when someone other than its owner signs", async () => {
      const owner = stack.contracts.account(13);
      const wallet = await stack.contracts.deployArtifact(13, "test/ERC1271WalletMock.sol", "ERC1271WalletMock", [
        owner.address,
      ]);
      const intruder = stack.contracts.account(14);
      const c = new GatewayClient(stack.url, { address: wallet, signMessage: (args) => intruder.signMessage(args) });
      const message = c.siweMessage(await c.nonce());
      expectError(await c.verify(message, await intruder.signMessage({ message })), 401, "invalid_signature");
      await expectSignedOut(c);
    });

    it("an account with no code and a signature by someone else is refused (no fallback to 'any signer')", async () => {
      const empty = hardhatAccount(15).address;
      const c = new GatewayClient(stack.url, { address: empty, signMessage: (args) => alice.signMessage(args) });
      const message = c.siweMessage(await c.nonce());
      expectError(await c.verify(message, await alice.signMessage({ message })), 401, "invalid_signature");
      await expectSignedOut(c);
    });
  });
});
