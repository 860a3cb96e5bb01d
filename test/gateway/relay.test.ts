// The gas-free relay (POST /api/relay) against a real gateway and chain: it goes through the gateway's pipeline
// (session, body cap, client address, JSON errors), sends only the signed-in patient's own signature, and keeps daily
// quotas and a gas budget in the database. Every refusal is checked to have sent nothing: the relayer's nonce and
// balance do not move.
import { expect } from "chai";
import type { Address, Hash, Hex } from "viem";
import { READ, TREATMENT } from "@/lib/consentCodes";
import { grantRelayBody, grantTypedData, type GrantArgs } from "@/lib/consentSignatures";
import { hardhatAccount, rpc } from "@/harness/localNode";
import { GatewayClient, type GatewayResponse } from "@/harness/gatewayHttpClient";
import { expectError } from "./expectations";
import { startGatewayStack, type GatewayServer, type GatewayStack } from "@/harness/gatewayStack";

/** Hardhat account #9: the relayer on the local chain. */
const RELAYER = hardhatAccount(9).address;
const PROVIDER = 14;
const PATIENTS = { alice: 10, bob: 11, carol: 12, dave: 13, erin: 15, frank: 16 } as const;
const PER_ACCOUNT = 5;
const DAY = 86_400;
/** Category bit 1. */
const ALLERGIES = 1;

describe("Gateway: the gas-free relay", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  let provider: Address;

  before(async () => {
    stack = await startGatewayStack({ serverEnv: { RELAY_DAILY_PER_ACCOUNT: String(PER_ACCOUNT) } });
    provider = await stack.contracts.registerProvider(PROVIDER, "Relay test clinic");
  });

  after(async () => {
    await stack?.stop();
  });

  /** The relayer's account nonce and balance: a refusal must leave both as they were. */
  async function relayerState() {
    const [nonce, balance] = await Promise.all([
      rpc<Hex>(stack.chain.url, "eth_getTransactionCount", [RELAYER, "pending"]),
      rpc<Hex>(stack.chain.url, "eth_getBalance", [RELAYER, "pending"]),
    ]);
    return { nonce: BigInt(nonce), balance: BigInt(balance) };
  }

  const registry = () => ({
    address: stack.contracts.addresses.ConsentRegistry,
    abi: stack.contracts.abis.ConsentRegistry,
  });

  /** A grant signed by `patientIndex` with its current nonce, as the body the portal posts. */
  async function signedGrant(patientIndex: number, categories = 1n << BigInt(ALLERGIES)) {
    const patient = hardhatAccount(patientIndex).address;
    const { address, abi } = registry();
    const nonce = await stack.contracts.read<bigint>(address, abi, "nonces", [patient]);
    const now = await stack.contracts.now();
    const args: GrantArgs = {
      grantee: provider,
      categories,
      actions: READ,
      purposes: TREATMENT,
      expiresAt: now + 30 * DAY,
    };
    const deadline = BigInt(now + 1800);
    const typed = grantTypedData({ chainId: 31337, consentRegistry: address, patient, args, nonce, deadline });
    const signature = await stack.contracts.account(patientIndex).signTypedData(typed);
    return grantRelayBody({ patient, args, deadline, signature });
  }

  async function signedIn(patientIndex: number, url = stack.url): Promise<GatewayClient> {
    const client = new GatewayClient(url, stack.contracts.account(patientIndex));
    await client.signIn();
    return client;
  }

  /** Waits for a relayed transaction's receipt; it must have succeeded. */
  async function landed(response: GatewayResponse): Promise<void> {
    expect(response.status, response.describe()).to.equal(200);
    const { hash } = response.json<{ hash: Hash }>();
    const receipt = await stack.contracts.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(RELAYER.toLowerCase());
  }

  const hasAccess = (patientIndex: number, categories = 1n << BigInt(ALLERGIES)) =>
    stack.contracts.read<boolean>(registry().address, registry().abi, "hasAccess", [
      hardhatAccount(patientIndex).address,
      provider,
      categories,
      READ,
      TREATMENT,
    ]);

  function expectQuotaRefusal(response: GatewayResponse, words: RegExp) {
    const body = expectError(response, 429, "relay_quota_exceeded");
    expect(body.message).to.match(words);
    const retryAfter = Number(response.headers.get("retry-after"));
    const untilMidnight = DAY - (Math.floor(Date.now() / 1000) % DAY);
    expect(retryAfter, "Retry-After: until the UTC day rolls over").to.be.within(untilMidnight - 60, untilMidnight + 1);
  }

  describe("a valid relay", () => {
    it("lands: the consent exists on chain after the receipt, sent and paid by the relayer", async () => {
      const patientBalance = await rpc<Hex>(stack.chain.url, "eth_getBalance", [hardhatAccount(PATIENTS.erin).address]);
      expect(await hasAccess(PATIENTS.erin)).to.equal(false);
      const client = await signedIn(PATIENTS.erin);
      const before = await relayerState();
      await landed(await client.postJson("/api/relay", await signedGrant(PATIENTS.erin)));
      expect(await hasAccess(PATIENTS.erin)).to.equal(true);
      expect((await relayerState()).nonce).to.equal(before.nonce + 1n);
      expect(await rpc<Hex>(stack.chain.url, "eth_getBalance", [hardhatAccount(PATIENTS.erin).address])).to.equal(
        patientBalance,
      );
    });
  });

  describe("fifteen relays from spoofed X-Forwarded-For addresses", () => {
    const spoofed = (i: number) => ({ "x-forwarded-for": `198.51.100.${i + 1}` });

    it("without a session: 401 every time, nothing sent", async () => {
      const body = await signedGrant(PATIENTS.alice);
      const anonymous = new GatewayClient(stack.url);
      const before = await relayerState();
      for (let i = 0; i < 15; i++) {
        expectError(await anonymous.postJson("/api/relay", body, spoofed(i)), 401, "not_signed_in");
      }
      expect(await relayerState()).to.deep.equal(before);
      expect(await hasAccess(PATIENTS.alice)).to.equal(false);
    });

    it("with the attacker's own session and the victim's signature: 403 every time, nothing sent", async () => {
      const body = await signedGrant(PATIENTS.alice);
      const attacker = await signedIn(PATIENTS.bob);
      const before = await relayerState();
      for (let i = 0; i < 15; i++) {
        const refused = expectError(await attacker.postJson("/api/relay", body, spoofed(i)), 403, "not_your_signature");
        expect(refused.message).to.include(hardhatAccount(PATIENTS.alice).address);
      }
      expect(await relayerState()).to.deep.equal(before);
      expect(await hasAccess(PATIENTS.alice)).to.equal(false);
    });

    it(`by the patient: the first ${PER_ACCOUNT} land, then 429 with Retry-After until the UTC day ends, nothing sent`, async () => {
      const alice = await signedIn(PATIENTS.alice);
      for (let i = 0; i < PER_ACCOUNT; i++) {
        // Each grant names another category, so each is a real change on chain.
        await landed(
          await alice.postJson("/api/relay", await signedGrant(PATIENTS.alice, 1n << BigInt(i)), spoofed(i)),
        );
      }
      const before = await relayerState();
      const next = await signedGrant(PATIENTS.alice, 1n << 7n);
      for (let i = PER_ACCOUNT; i < 15; i++) {
        expectQuotaRefusal(
          await alice.postJson("/api/relay", next, spoofed(i)),
          /^You have used today's 5 gas-free changes\. You can still send it from your own wallet/,
        );
      }
      expect(await relayerState()).to.deep.equal(before);
      expect(await hasAccess(PATIENTS.alice, 1n << 7n)).to.equal(false);
      // Another patient is not held back by Alice's quota.
      const dave = await signedIn(PATIENTS.dave);
      await landed(await dave.postJson("/api/relay", await signedGrant(PATIENTS.dave)));
    });
  });

  describe("requests refused before the chain is asked", () => {
    it("a 10 MB body is refused with 413 by its Content-Length, before it is read, nothing sent", async () => {
      const carol = await signedIn(PATIENTS.carol);
      const before = await relayerState();
      const tenMegabytes = 10 * 1024 * 1024;
      const refused = await carol.request("POST", "/api/relay", {
        body: `{"function":"grantConsentBySig","args":{"patient":"${"x".repeat(tenMegabytes)}"}}`,
        headers: { "content-type": "application/json" },
      });
      expectError(refused, 413, "too_large");
      expect(await relayerState()).to.deep.equal(before);
    });

    it("a malformed body is 400 and a function other than the two signed changes 400 not_relayable", async () => {
      const carol = await signedIn(PATIENTS.carol);
      expectError(
        await carol.request("POST", "/api/relay", {
          body: "{not json",
          headers: { "content-type": "application/json" },
        }),
        400,
        "bad_request",
      );
      expectError(await carol.postJson("/api/relay", { function: "grantConsent", args: {} }), 400, "not_relayable");
    });

    it("a signature the contract refuses is 422 with the contract's error in plain words, nothing sent", async () => {
      const carol = await signedIn(PATIENTS.carol);
      const body = await signedGrant(PATIENTS.carol);
      const tampered = { ...body, args: { ...body.args, expiresAt: String(Number(body.args.expiresAt) + 1) } };
      const before = await relayerState();
      const refused = expectError(await carol.postJson("/api/relay", tampered), 422, "ConsentInvalidSignature");
      expect(refused.message).to.match(/does not match this request/);
      expect(await relayerState()).to.deep.equal(before);
    });

    it("a relay from a foreign Origin is 403 cross_origin", async () => {
      const carol = await signedIn(PATIENTS.carol);
      expectError(
        await carol.postJson("/api/relay", await signedGrant(PATIENTS.carol), { origin: "http://evil.example" }),
        403,
        "cross_origin",
      );
    });
  });

  describe("quotas for everyone (servers started with tiny limits)", () => {
    async function withServer(env: Record<string, string>, test: (server: GatewayServer) => Promise<void>) {
      const server = await stack.startServer(env);
      try {
        await test(server);
      } finally {
        await server.stop();
      }
    }

    it("the global daily quota (RELAY_DAILY_TOTAL=2) refuses the third patient with 429, nothing sent", async () => {
      await withServer({ RELAY_DAILY_TOTAL: "2" }, async (server) => {
        for (const index of [PATIENTS.bob, PATIENTS.carol]) {
          const client = await signedIn(index, server.url);
          await landed(await client.postJson("/api/relay", await signedGrant(index, 1n << 9n)));
        }
        const frank = await signedIn(PATIENTS.frank, server.url);
        const before = await relayerState();
        expectQuotaRefusal(
          await frank.postJson("/api/relay", await signedGrant(PATIENTS.frank)),
          /^The gas-free relay has sent today's 2 changes for everyone\./,
        );
        expect(await relayerState()).to.deep.equal(before);
        expect(await hasAccess(PATIENTS.frank)).to.equal(false);
      });
    });

    it("the daily gas budget counts each relay's estimate and refuses the one that would go over, nothing sent", async () => {
      // A first grant measures about 90,000 gas and any change more than 10,000: room for one, not two.
      await withServer({ RELAY_DAILY_GAS_BUDGET: "100000" }, async (server) => {
        const frank = await signedIn(PATIENTS.frank, server.url);
        await landed(await frank.postJson("/api/relay", await signedGrant(PATIENTS.frank, 1n << 10n)));
        const before = await relayerState();
        expectQuotaRefusal(
          await frank.postJson("/api/relay", await signedGrant(PATIENTS.frank, 1n << 11n)),
          /^The gas-free relay has spent today's gas budget\./,
        );
        expect(await relayerState()).to.deep.equal(before);
      });
      await withServer({ RELAY_DAILY_GAS_BUDGET: "50000" }, async (server) => {
        const frank = await signedIn(PATIENTS.frank, server.url);
        const before = await relayerState();
        expectQuotaRefusal(
          await frank.postJson("/api/relay", await signedGrant(PATIENTS.frank, 1n << 11n)),
          /gas budget/,
        );
        expect(await relayerState()).to.deep.equal(before);
      });
    });

    it("two gateway processes on one PostgreSQL share the quotas (postgres backends)", async function () {
      const first = await stack.startServer({ RELAY_DAILY_PER_ACCOUNT: "2" });
      try {
        if (first.databaseUrl === undefined) return this.skip(); // PGlite belongs to one process
        const second = await stack.startServer({ RELAY_DAILY_PER_ACCOUNT: "2", DATABASE_URL: first.databaseUrl });
        try {
          const onFirst = await signedIn(PATIENTS.bob, first.url);
          const onSecond = await signedIn(PATIENTS.bob, second.url);
          await landed(await onFirst.postJson("/api/relay", await signedGrant(PATIENTS.bob, 1n << 5n)));
          await landed(await onSecond.postJson("/api/relay", await signedGrant(PATIENTS.bob, 1n << 6n)));
          const before = await relayerState();
          const next = await signedGrant(PATIENTS.bob, 1n << 8n);
          expectQuotaRefusal(await onFirst.postJson("/api/relay", next), /today's 2 gas-free changes/);
          expectQuotaRefusal(await onSecond.postJson("/api/relay", next), /today's 2 gas-free changes/);
          expect(await relayerState()).to.deep.equal(before);
        } finally {
          await second.stop();
        }
      } finally {
        await first.stop();
      }
    });
  });
});
