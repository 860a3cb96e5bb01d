// Passkey accounts against a real gateway and chain: Sign-In with Ethereum as the account before its deployment
// (ERC-6492) and after (ERC-1271), the sponsored deployment (once per passkey, within the relay's quotas), the lookup
// by credential id, relayed passkey-signed grants, and relayed signed executions to MedConsent's contracts only.
// Every refusal is checked to have sent nothing: the relayer's nonce and balance do not move.
import { expect } from "chai";
import {
  encodeFunctionData,
  serializeErc6492Signature,
  toHex,
  type Abi,
  type Address,
  type Hash,
  type Hex,
} from "viem";
import { READ, TREATMENT } from "@/lib/consentCodes";
import { grantRelayBody, grantTypedData, type GrantArgs } from "@/lib/consentSignatures";
import { executeRelayBody } from "@/lib/passkey/executeRelay";
import {
  encodeCalls,
  executeChallenge,
  messageChallenge,
  passkeyExecuteSignature,
  passkeyMessageSignature,
  passkeyTypedDataSignature,
  typedDataChallenge,
  type AccountCall,
} from "@/lib/passkey/webauthnSignature";
import { SoftPasskey } from "@/harness/softPasskey";
import { hardhatAccount, rpc } from "@/harness/localNode";
import { GatewayClient, type SiweSigner } from "@/harness/gatewayHttpClient";
import { startGatewayStack, type GatewayServer, type GatewayStack } from "@/harness/gatewayStack";
import { expectError } from "./expectations";

/** Hardhat account #9: the relayer on the local chain. */
const RELAYER = hardhatAccount(9).address;
const CHAIN_ID = 31337;
const PROVIDER = 14;
const DAY = 86_400;
/** Category bit 1. */
const ALLERGIES = 1n << 1n;
const PER_ACCOUNT = 4;

describe("Gateway: passkey accounts", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  let provider: Address;
  let factory: Address;
  let verifier: Address;
  let factoryAbi: Abi;
  let accountAbi: Abi;

  before(async () => {
    stack = await startGatewayStack({ serverEnv: { RELAY_DAILY_PER_ACCOUNT: String(PER_ACCOUNT) } });
    provider = await stack.contracts.registerProvider(PROVIDER, "Passkey test clinic");
    const bindings = await import("@/lib/contracts/deployedContracts");
    factory = bindings.default[CHAIN_ID].PatientAccountFactory.address;
    factoryAbi = bindings.abis.PatientAccountFactory;
    accountAbi = bindings.abis.PatientAccount;
    const implementation = await stack.contracts.read<Address>(factory, factoryAbi, "implementation");
    verifier = await stack.contracts.read<Address>(implementation, accountAbi, "webAuthnVerifier");
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

  const isDeployed = async (account: Address) =>
    (await rpc<Hex>(stack.chain.url, "eth_getCode", [account, "latest"])) !== "0x";

  /** A patient with a passkey and no wallet: its key, a credential id, and its account's (counterfactual) address. */
  interface PasskeyPatient {
    passkey: SoftPasskey;
    credentialId: string;
    account: Address;
  }

  let patients = 0;
  async function newPatient(): Promise<PasskeyPatient> {
    const passkey = new SoftPasskey({ rpId: new URL(stack.url).hostname, origin: stack.url });
    const { x, y } = passkey.publicKey;
    const account = await stack.contracts.read<Address>(factory, factoryAbi, "predictAddress", [x, y]);
    const credentialId = Buffer.from(`credential of passkey patient ${++patients} ${x}`).toString("base64url");
    return { passkey, credentialId, account };
  }

  /**
   * Signs SIWE messages as the patient's account: the passkey's ERC-1271 signature (ERC-7739 PersonalSign), wrapped in
   * ERC-6492 with the factory's createAccount call while the account is not deployed (`wrap`).
   */
  function passkeySigner(patient: PasskeyPatient, wrap: boolean): SiweSigner {
    return {
      address: patient.account,
      async signMessage({ message }) {
        const challenge = messageChallenge(message, { chainId: CHAIN_ID, address: patient.account });
        const signature = passkeyMessageSignature(
          { verifier, publicKey: patient.passkey.publicKey },
          patient.passkey.sign(challenge),
        );
        if (!wrap) return signature;
        const { x, y } = patient.passkey.publicKey;
        const data = encodeFunctionData({ abi: factoryAbi, functionName: "createAccount", args: [x, y] });
        return serializeErc6492Signature({ address: factory, data, signature });
      },
    };
  }

  async function signedIn(patient: PasskeyPatient, url = stack.url): Promise<GatewayClient> {
    const client = new GatewayClient(url, passkeySigner(patient, !(await isDeployed(patient.account))));
    await client.signIn();
    return client;
  }

  const registration = (patient: PasskeyPatient) => ({
    ...patient.passkey.publicKey,
    credentialId: patient.credentialId,
  });

  /** A patient signed in before deployment, whose account the gateway then deployed (201). */
  async function deployedPatient(): Promise<{ patient: PasskeyPatient; client: GatewayClient }> {
    const patient = await newPatient();
    const client = await signedIn(patient);
    const response = await client.postJson("/api/accounts", registration(patient));
    expect(response.status, response.describe()).to.equal(201);
    return { patient, client };
  }

  /** A grant to the provider signed by the patient's passkey (ERC-7739 typed data), as the relay's body. */
  async function passkeyGrant(patient: PasskeyPatient, categories = ALLERGIES) {
    const { address, abi } = {
      address: stack.contracts.addresses.ConsentRegistry,
      abi: stack.contracts.abis.ConsentRegistry,
    };
    const nonce = await stack.contracts.read<bigint>(address, abi, "nonces", [patient.account]);
    const now = await stack.contracts.now();
    const args: GrantArgs = {
      grantee: provider,
      categories,
      actions: READ,
      purposes: TREATMENT,
      expiresAt: now + 30 * DAY,
    };
    const deadline = BigInt(now + 1800);
    const typedData = grantTypedData({
      chainId: CHAIN_ID,
      consentRegistry: address,
      patient: patient.account,
      args,
      nonce,
      deadline,
    });
    const assertion = patient.passkey.sign(
      typedDataChallenge(typedData, { chainId: CHAIN_ID, address: patient.account }),
    );
    const signature = passkeyTypedDataSignature(
      typedData,
      { verifier, publicKey: patient.passkey.publicKey },
      assertion,
    );
    return grantRelayBody({ patient: patient.account, args, deadline, signature });
  }

  /** The body of POST /api/accounts/{account}/execute for `calls`, signed by `signer` (the patient's passkey). */
  async function signedExecution(patient: PasskeyPatient, calls: AccountCall[], signer = patient.passkey) {
    const nonce = await stack.contracts.read<bigint>(patient.account, accountAbi, "nonces", [patient.account]);
    const deadline = BigInt((await stack.contracts.now()) + 1800);
    const executionData = encodeCalls(calls);
    const assertion = signer.sign(
      executeChallenge({ chainId: CHAIN_ID, account: patient.account, executionData, nonce, deadline }),
    );
    const signature = passkeyExecuteSignature({ verifier, publicKey: signer.publicKey }, assertion);
    return executeRelayBody({ calls, nonce, deadline, signature });
  }

  const hasAccess = (patient: Address, categories = ALLERGIES) =>
    stack.contracts.read<boolean>(
      stack.contracts.addresses.ConsentRegistry,
      stack.contracts.abis.ConsentRegistry,
      "hasAccess",
      [patient, provider, categories, READ, TREATMENT],
    );

  async function mined(hash: Hash): Promise<void> {
    const receipt = await stack.contracts.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(RELAYER.toLowerCase());
  }

  describe("Sign-In with Ethereum as a passkey account", () => {
    it("before deployment, with an ERC-6492 signature: a session of the counterfactual address, nothing deployed", async () => {
      const patient = await newPatient();
      const client = new GatewayClient(stack.url, passkeySigner(patient, true));
      const response = await client.signIn();
      expect(response.json<{ address: string }>().address).to.equal(patient.account);
      const session = await client.get("/api/auth/session");
      expect(session.json<{ address: string }>().address).to.equal(patient.account);
      expect(await isDeployed(patient.account), "sign-in must not deploy").to.equal(false);
    });

    it("before deployment, without the ERC-6492 wrapper: 401 invalid_signature (no code to ask)", async () => {
      const patient = await newPatient();
      const client = new GatewayClient(stack.url, passkeySigner(patient, false));
      const message = client.siweMessage(await client.nonce());
      expectError(
        await client.verify(message, await client.signer!.signMessage({ message })),
        401,
        "invalid_signature",
      );
    });

    it("after deployment, with the account's ERC-1271 signature", async () => {
      const { patient } = await deployedPatient();
      const client = new GatewayClient(stack.url, passkeySigner(patient, false));
      const response = await client.signIn();
      expect(response.json<{ address: string }>().address).to.equal(patient.account);
    });

    it("refuses another passkey's signature for the account: 401 invalid_signature", async () => {
      const { patient } = await deployedPatient();
      const impostor = {
        ...patient,
        passkey: new SoftPasskey({ rpId: new URL(stack.url).hostname, origin: stack.url }),
      };
      const client = new GatewayClient(stack.url, passkeySigner(impostor, false));
      const message = client.siweMessage(await client.nonce());
      expectError(
        await client.verify(message, await client.signer!.signMessage({ message })),
        401,
        "invalid_signature",
      );
      expectError(await client.get("/api/auth/session"), 401, "not_signed_in");
    });
  });

  describe("POST /api/accounts: the sponsored deployment", () => {
    it("deploys the signed-in account once (201, paid by the relayer), then answers 200 and spends nothing", async () => {
      const patient = await newPatient();
      const client = await signedIn(patient);
      const before = await relayerState();
      const first = await client.postJson("/api/accounts", registration(patient));
      expect(first.status, first.describe()).to.equal(201);
      const created = first.json<{ account: Address; transactionHash: Hash; deployed: boolean }>();
      expect(created.account).to.equal(patient.account);
      expect(created.deployed).to.equal(true);
      await mined(created.transactionHash);
      expect(await isDeployed(patient.account)).to.equal(true);
      expect((await relayerState()).nonce).to.equal(before.nonce + 1n);

      const spent = await relayerState();
      const again = await client.postJson("/api/accounts", registration(patient));
      expect(again.status, again.describe()).to.equal(200);
      expect(again.json()).to.deep.equal({ account: patient.account, deployed: true });
      expect(await relayerState()).to.deep.equal(spent);
    });

    it("asked three times at once, sends one deployment: one 201, the others 409 deployment_in_progress or 200/202", async () => {
      const patient = await newPatient();
      const client = await signedIn(patient);
      const before = await relayerState();
      const answers = await Promise.all([1, 2, 3].map(() => client.postJson("/api/accounts", registration(patient))));
      const statuses = answers.map((answer) => answer.status).sort();
      expect(
        statuses.filter((status) => status === 201),
        answers.map((a) => a.describe()).join("\n"),
      ).to.have.length(1);
      for (const status of statuses.filter((s) => s !== 201)) expect([200, 202, 409]).to.include(status);
      expect(await isDeployed(patient.account)).to.equal(true);
      expect((await relayerState()).nonce, "exactly one transaction").to.equal(before.nonce + 1n);
    });

    it("refuses a session of another address: 403 not_your_account, nothing sent", async () => {
      const patient = await newPatient();
      const other = await newPatient();
      const client = await signedIn(other);
      const before = await relayerState();
      const refused = expectError(
        await client.postJson("/api/accounts", registration(patient)),
        403,
        "not_your_account",
      );
      expect(refused.message).to.include(patient.account);
      // A wallet's session is refused just the same.
      const wallet = new GatewayClient(stack.url, stack.contracts.account(10));
      await wallet.signIn();
      expectError(await wallet.postJson("/api/accounts", registration(patient)), 403, "not_your_account");
      expect(await relayerState()).to.deep.equal(before);
      expect(await isDeployed(patient.account)).to.equal(false);
    });

    it("without a session: 401, nothing sent", async () => {
      const patient = await newPatient();
      const before = await relayerState();
      expectError(
        await new GatewayClient(stack.url).postJson("/api/accounts", registration(patient)),
        401,
        "not_signed_in",
      );
      expect(await relayerState()).to.deep.equal(before);
    });

    it("refuses a key that is not on the P-256 curve with 400 invalid_passkey, and malformed bodies with 400", async () => {
      const patient = await newPatient();
      const client = await signedIn(patient);
      const { x, y } = patient.passkey.publicKey;
      const offCurve = toHex(BigInt(y) ^ 1n, { size: 32 });
      expectError(
        await client.postJson("/api/accounts", { x, y: offCurve, credentialId: patient.credentialId }),
        400,
        "invalid_passkey",
      );
      expectError(
        await client.postJson("/api/accounts", { x, y: toHex(0n, { size: 32 }), credentialId: patient.credentialId }),
        400,
        "invalid_passkey",
      );
      expectError(
        await client.postJson("/api/accounts", { x, y: "0x1234", credentialId: patient.credentialId }),
        400,
        "bad_request",
      );
      expectError(await client.postJson("/api/accounts", { x, y, credentialId: "not base64url!" }), 400, "bad_request");
    });

    it("counts against the relay's quotas: the day's deployments spent is 429, nothing sent", async () => {
      const server = await stack.startServer({ RELAY_DAILY_DEPLOYMENTS: "1" });
      try {
        const first = await newPatient();
        const created = await (await signedIn(first, server.url)).postJson("/api/accounts", registration(first));
        expect(created.status, created.describe()).to.equal(201);
        const second = await newPatient();
        const client = await signedIn(second, server.url);
        const before = await relayerState();
        const refused = await client.postJson("/api/accounts", registration(second));
        const body = expectError(refused, 429, "relay_quota_exceeded");
        expect(body.message).to.match(/^The gateway has set up today's 1 new passkey accounts\./);
        expect(Number(refused.headers.get("retry-after"))).to.be.greaterThan(0);
        expect(await relayerState()).to.deep.equal(before);
        expect(await isDeployed(second.account)).to.equal(false);
      } finally {
        await server.stop();
      }
    });

    describe("per client address (RELAY_DAILY_DEPLOYMENTS_PER_IP=1, behind one trusted proxy)", () => {
      const env = { RELAY_DAILY_DEPLOYMENTS_PER_IP: "1", GATEWAY_TRUSTED_PROXY_HOPS: "1" };
      /** What the client claims, then the address the trusted proxy appended: the one the rate limiter counts. */
      const from = (claimed: string, appended: string) => ({ "x-forwarded-for": `${claimed}, ${appended}` });

      it("refuses an address's second deployment with 429, nothing sent; another address's, and re-asking for a deployed account, count apart", async () => {
        await withServer(env, async (server) => {
          const first = await newPatient();
          const firstClient = await signedIn(first, server.url);
          const created = await firstClient.postJson(
            "/api/accounts",
            registration(first),
            from("203.0.113.1", "192.0.2.20"),
          );
          expect(created.status, created.describe()).to.equal(201);
          await mined(created.json<{ transactionHash: Hash }>().transactionHash);
          // Asking again for a deployed account sends nothing, so it counts against no address's cap.
          const settled = await relayerState();
          for (const appended of ["192.0.2.20", "192.0.2.21"]) {
            const again = await firstClient.postJson(
              "/api/accounts",
              registration(first),
              from("203.0.113.1", appended),
            );
            expect(again.status, again.describe()).to.equal(200);
          }
          expect(await relayerState()).to.deep.equal(settled);

          const second = await newPatient();
          const client = await signedIn(second, server.url);
          // A different claimed address changes nothing: the proxy's entry is the client's address.
          const refused = await client.postJson(
            "/api/accounts",
            registration(second),
            from("203.0.113.2", "192.0.2.20"),
          );
          const body = expectError(refused, 429, "deployment_ip_quota_exceeded");
          expect(body.message).to.match(/^Today's 1 new passkey accounts from your network address have been set up\./);
          expect(Number(refused.headers.get("retry-after"))).to.be.greaterThan(0);
          expect(await relayerState()).to.deep.equal(settled);
          expect(await isDeployed(second.account)).to.equal(false);

          // Nothing was claimed or counted for the refusal: from another address, the same account is deployed.
          const elsewhere = await client.postJson(
            "/api/accounts",
            registration(second),
            from("203.0.113.2", "192.0.2.21"),
          );
          expect(elsewhere.status, elsewhere.describe()).to.equal(201);
          expect(await isDeployed(second.account)).to.equal(true);
        });
      });

      it("stores no client address: the day's count is under a keyed hash", async function () {
        await withServer(env, async (server) => {
          if (server.query === undefined) return this.skip(); // PGlite's folder belongs to the running server
          const patient = await newPatient();
          const created = await (
            await signedIn(patient, server.url)
          ).postJson("/api/accounts", registration(patient), from("203.0.113.3", "192.0.2.30"));
          expect(created.status, created.describe()).to.equal(201);
          const rows = await server.query<{ account: string }>("SELECT account FROM relay_usage");
          expect(rows.map((row) => row.account).join(" ")).to.not.include("192.0.2.30");
          expect(rows.filter((row) => row.account.startsWith("*deployments-ip:"))).to.have.length(1);
        });
      });

      it("two gateway processes on one PostgreSQL share an address's count (postgres backends)", async function () {
        await withServer(env, async (first) => {
          if (first.databaseUrl === undefined) return this.skip(); // PGlite belongs to one process
          await withServer({ ...env, DATABASE_URL: first.databaseUrl }, async (second) => {
            const patient = await newPatient();
            const created = await (
              await signedIn(patient, first.url)
            ).postJson("/api/accounts", registration(patient), from("203.0.113.4", "192.0.2.40"));
            expect(created.status, created.describe()).to.equal(201);
            const next = await newPatient();
            const before = await relayerState();
            expectError(
              await (
                await signedIn(next, second.url)
              ).postJson("/api/accounts", registration(next), from("203.0.113.4", "192.0.2.40")),
              429,
              "deployment_ip_quota_exceeded",
            );
            expect(await relayerState()).to.deep.equal(before);
          });
        });
      });
    });

    it("counts against the relay's gas budget too: a budget too small for a deployment is 429, nothing sent", async () => {
      await withServer({ RELAY_DAILY_GAS_BUDGET: "50000" }, async (server) => {
        const patient = await newPatient();
        const client = await signedIn(patient, server.url);
        const before = await relayerState();
        const body = expectError(
          await client.postJson("/api/accounts", registration(patient)),
          429,
          "relay_quota_exceeded",
        );
        expect(body.message).to.match(/gas budget/);
        expect(await relayerState()).to.deep.equal(before);
      });
    });
  });

  async function withServer(env: Record<string, string>, test: (server: GatewayServer) => Promise<void>) {
    const server = await stack.startServer(env);
    try {
      await test(server);
    } finally {
      await server.stop();
    }
  }

  describe("GET /api/accounts?credentialId=", () => {
    it("finds the account and key a credential id was registered with; 404 for an unknown one", async () => {
      const { patient } = await deployedPatient();
      const anonymous = new GatewayClient(stack.url);
      const found = await anonymous.get(`/api/accounts?credentialId=${patient.credentialId}`);
      expect(found.status, found.describe()).to.equal(200);
      expect(found.json()).to.deep.equal({
        account: patient.account,
        x: patient.passkey.publicKey.x.toLowerCase(),
        y: patient.passkey.publicKey.y.toLowerCase(),
      });
      const unknown = Buffer.from("a credential nobody registered").toString("base64url");
      expectError(await anonymous.get(`/api/accounts?credentialId=${unknown}`), 404, "account_not_found");
      expectError(await anonymous.get("/api/accounts"), 400, "bad_request");
    });

    it("refuses to register a credential id already registered for another key: 409 credential_id_taken", async () => {
      const { patient } = await deployedPatient();
      const squatter = await newPatient();
      const client = await signedIn(squatter);
      const before = await relayerState();
      expectError(
        await client.postJson("/api/accounts", { ...squatter.passkey.publicKey, credentialId: patient.credentialId }),
        409,
        "credential_id_taken",
      );
      expect(await relayerState()).to.deep.equal(before);
    });
  });

  describe("PUT/GET /api/accounts/{account}/key-copies/{credentialId}", () => {
    // What the browser stores: a 12-byte IV and a 48-byte sealed key, opaque to the gateway.
    const sealedCopy = (seed: number) => ({
      iv: Buffer.alloc(12, seed).toString("base64url"),
      ciphertext: Buffer.alloc(48, seed + 1).toString("base64url"),
    });
    const addedCredential = Buffer.from("an added passkey's credential id").toString("base64url");
    const copyPath = (account: Address, credentialId = addedCredential) =>
      `/api/accounts/${account}/key-copies/${credentialId}`;

    it("stores the account's sealed copy and serves it back to the account; a second PUT replaces it", async () => {
      const patient = await newPatient();
      const client = await signedIn(patient);
      const stored = await client.putJson(copyPath(patient.account), sealedCopy(1));
      expect(stored.status, stored.describe()).to.equal(200);
      expect(stored.json()).to.deep.equal({ stored: true });
      const served = await client.get(copyPath(patient.account));
      expect(served.status, served.describe()).to.equal(200);
      expect(served.json()).to.deep.equal(sealedCopy(1));
      expect((await client.putJson(copyPath(patient.account), sealedCopy(7))).status).to.equal(200);
      expect((await client.get(copyPath(patient.account))).json()).to.deep.equal(sealedCopy(7));
    });

    it("404 key_copy_not_found for a passkey added without a copy", async () => {
      const patient = await newPatient();
      const client = await signedIn(patient);
      const refused = expectError(await client.get(copyPath(patient.account)), 404, "key_copy_not_found");
      expect(refused.message).to.include("open your records on the device where you first set up your account");
    });

    it("refuses another account's session with 403 not_your_account, reading or writing", async () => {
      const patient = await newPatient();
      const owner = await signedIn(patient);
      expect((await owner.putJson(copyPath(patient.account), sealedCopy(1))).status).to.equal(200);
      const stranger = await signedIn(await newPatient());
      expectError(await stranger.get(copyPath(patient.account)), 403, "not_your_account");
      expectError(await stranger.putJson(copyPath(patient.account), sealedCopy(2)), 403, "not_your_account");
      const wallet = new GatewayClient(stack.url, stack.contracts.account(10));
      await wallet.signIn();
      expectError(await wallet.get(copyPath(patient.account)), 403, "not_your_account");
      // The owner's copy is untouched.
      expect((await owner.get(copyPath(patient.account))).json()).to.deep.equal(sealedCopy(1));
    });

    it("without a session: 401, reading or writing", async () => {
      const patient = await newPatient();
      const anonymous = new GatewayClient(stack.url);
      expectError(await anonymous.get(copyPath(patient.account)), 401, "not_signed_in");
      expectError(await anonymous.putJson(copyPath(patient.account), sealedCopy(1)), 401, "not_signed_in");
    });

    it("refuses an oversized body with 413, and malformed copies, accounts or credential ids with 400", async () => {
      const patient = await newPatient();
      const client = await signedIn(patient);
      const { iv } = sealedCopy(1);
      expectError(
        await client.putJson(copyPath(patient.account), { iv, ciphertext: "A".repeat(1_000) }),
        413,
        "too_large",
      );
      for (const body of [
        { iv },
        { iv: iv.slice(1), ciphertext: sealedCopy(1).ciphertext },
        { iv, ciphertext: sealedCopy(1).ciphertext.slice(4) },
        { iv: `${iv.slice(1)}=`, ciphertext: sealedCopy(1).ciphertext },
        [],
      ]) {
        expectError(await client.putJson(copyPath(patient.account), body), 400, "bad_request");
      }
      expectError(await client.get(copyPath(patient.account, "short")), 400, "bad_request");
      expectError(await client.get("/api/accounts/0x1234/key-copies/" + addedCredential), 400, "bad_request");
    });
  });

  describe("relayed passkey signatures", () => {
    it("a passkey-signed grantConsentBySig through POST /api/relay: hasAccess is true on chain", async () => {
      const { patient, client } = await deployedPatient();
      expect(await hasAccess(patient.account)).to.equal(false);
      const response = await client.postJson("/api/relay", await passkeyGrant(patient));
      expect(response.status, response.describe()).to.equal(200);
      await mined(response.json<{ hash: Hash }>().hash);
      expect(await hasAccess(patient.account)).to.equal(true);
    });

    it("a signed execution publishing the account's encryption key on the KeyDirectory lands", async () => {
      const { patient, client } = await deployedPatient();
      const { KeyDirectory } = stack.contracts.addresses;
      const publicKey = patient.passkey.publicKey.x; // any 32 bytes stand for an X25519 key here
      const data = encodeFunctionData({
        abi: stack.contracts.abis.KeyDirectory,
        functionName: "setEncryptionKey",
        args: [publicKey],
      });
      const body = await signedExecution(patient, [{ target: KeyDirectory, value: 0n, data }]);
      const response = await client.postJson(`/api/accounts/${patient.account}/execute`, body);
      expect(response.status, response.describe()).to.equal(200);
      await mined(response.json<{ transactionHash: Hash }>().transactionHash);
      const published = await stack.contracts.read<Hex>(
        KeyDirectory,
        stack.contracts.abis.KeyDirectory,
        "encryptionKeyOf",
        [patient.account],
      );
      expect(published).to.equal(publicKey);
    });

    it("a signed revokeAllConsents lands, and the grant it ends no longer gives access", async () => {
      const { patient, client } = await deployedPatient();
      const grant = await client.postJson("/api/relay", await passkeyGrant(patient));
      await mined(grant.json<{ hash: Hash }>().hash);
      expect(await hasAccess(patient.account)).to.equal(true);
      const data = encodeFunctionData({ abi: stack.contracts.abis.ConsentRegistry, functionName: "revokeAllConsents" });
      const body = await signedExecution(patient, [
        { target: stack.contracts.addresses.ConsentRegistry, value: 0n, data },
      ]);
      const response = await client.postJson(`/api/accounts/${patient.account}/execute`, body);
      expect(response.status, response.describe()).to.equal(200);
      await mined(response.json<{ transactionHash: Hash }>().transactionHash);
      expect(await hasAccess(patient.account)).to.equal(false);
    });

    it("refuses a call to a foreign contract with 403 call_not_allowed, nothing sent", async () => {
      const { patient, client } = await deployedPatient();
      const foreign = stack.contracts.addresses.DisclosureLog;
      const body = await signedExecution(patient, [{ target: foreign, value: 0n, data: "0x" }]);
      const before = await relayerState();
      const refused = expectError(
        await client.postJson(`/api/accounts/${patient.account}/execute`, body),
        403,
        "call_not_allowed",
      );
      expect(refused.message).to.include(foreign);
      // Nor a self-call that would run calls of its own (ERC-7821 execute), nor value.
      const nested = await signedExecution(patient, [
        {
          target: patient.account,
          value: 0n,
          data: encodeFunctionData({ abi: accountAbi, functionName: "executeBySig", args: ["0x", 0n, 0n, "0x"] }),
        },
      ]);
      expectError(await client.postJson(`/api/accounts/${patient.account}/execute`, nested), 403, "call_not_allowed");
      const withValue = await signedExecution(patient, [
        { target: stack.contracts.addresses.KeyDirectory, value: 1n, data: "0x" },
      ]);
      expectError(
        await client.postJson(`/api/accounts/${patient.account}/execute`, withValue),
        403,
        "call_not_allowed",
      );
      expect(await relayerState()).to.deep.equal(before);
    });

    it("refuses a signature by another passkey with 422 PatientAccountInvalidSignature in plain words, nothing sent", async () => {
      const { patient, client } = await deployedPatient();
      const data = encodeFunctionData({ abi: stack.contracts.abis.ConsentRegistry, functionName: "revokeAllConsents" });
      const stranger = new SoftPasskey({ rpId: new URL(stack.url).hostname, origin: stack.url });
      const body = await signedExecution(
        patient,
        [{ target: stack.contracts.addresses.ConsentRegistry, value: 0n, data }],
        stranger,
      );
      const before = await relayerState();
      const refused = expectError(
        await client.postJson(`/api/accounts/${patient.account}/execute`, body),
        422,
        "PatientAccountInvalidSignature",
      );
      expect(refused.message).to.not.match(/^The contract refused the request/);
      expect(await relayerState()).to.deep.equal(before);
    });

    it("relays only for the signed-in account: another account's session is 403, an undeployed account 409", async () => {
      const { patient } = await deployedPatient();
      const { client: other } = await deployedPatient();
      const data = encodeFunctionData({ abi: stack.contracts.abis.ConsentRegistry, functionName: "revokeAllConsents" });
      const body = await signedExecution(patient, [
        { target: stack.contracts.addresses.ConsentRegistry, value: 0n, data },
      ]);
      const before = await relayerState();
      expectError(await other.postJson(`/api/accounts/${patient.account}/execute`, body), 403, "not_your_account");
      const undeployed = await newPatient();
      const undeployedClient = await signedIn(undeployed);
      expectError(
        await undeployedClient.postJson(`/api/accounts/${undeployed.account}/execute`, { ...body }),
        409,
        "account_not_registered",
        "account_not_deployed",
      );
      expect(await relayerState()).to.deep.equal(before);
    });

    it(`counts executions against the account's daily quota (${PER_ACCOUNT} with its deployment), then 429`, async () => {
      const { patient, client } = await deployedPatient();
      const { KeyDirectory } = stack.contracts.addresses;
      for (let i = 1; i < PER_ACCOUNT; i++) {
        const data = encodeFunctionData({
          abi: stack.contracts.abis.KeyDirectory,
          functionName: "setEncryptionKey",
          args: [toHex(i, { size: 32 })],
        });
        const response = await client.postJson(
          `/api/accounts/${patient.account}/execute`,
          await signedExecution(patient, [{ target: KeyDirectory, value: 0n, data }]),
        );
        expect(response.status, response.describe()).to.equal(200);
        await mined(response.json<{ transactionHash: Hash }>().transactionHash);
      }
      const data = encodeFunctionData({
        abi: stack.contracts.abis.KeyDirectory,
        functionName: "setEncryptionKey",
        args: [toHex(99, { size: 32 })],
      });
      const before = await relayerState();
      expectError(
        await client.postJson(
          `/api/accounts/${patient.account}/execute`,
          await signedExecution(patient, [{ target: KeyDirectory, value: 0n, data }]),
        ),
        429,
        "relay_quota_exceeded",
      );
      expect(await relayerState()).to.deep.equal(before);
    });
  });
});
