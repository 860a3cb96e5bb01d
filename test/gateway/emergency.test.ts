// Emergency access that opens records, through the running gateway: the patient's escrow copies of routine record
// keys, the break-glass read that re-wraps one in memory for the hospital (which decrypts it), and every way that read
// or an escrow copy must be refused, each asserting that nothing was served and nothing logged.
import { expect } from "chai";
import { keccak256, toHex, type Address, type Hex } from "viem";
import {
  decryptRecord,
  fromBase64Url,
  publicKeyFromHex,
  publicKeyToHex,
  toBase64Url,
  unwrapRecordKey,
  wrapRecordKey,
} from "@/lib/vault";
import { EMERGENCY } from "@/lib/consentCodes";
import { hardhatAccount } from "@/harness/localNode";
import { GatewayClient, type GatewayResponse } from "@/harness/gatewayHttpClient";
import { expectError, expectRefusal } from "./expectations";
import { startGatewayStack, GATEWAY_ACCOUNT_INDEX, type GatewayStack } from "@/harness/gatewayStack";
import { ADMIN_ACCOUNT_INDEX } from "@/harness/medConsentChain";
import { newKeyPair, recordPath, storeRecord, type KeyPair, type StoredRecord } from "@/harness/storedRecords";

const ALLERGIES = 1;
const MEDICATIONS = 2;
const MENTAL_HEALTH = 32;
const DAY = 24 * 3600;
const REASON = keccak256(toHex("EMERGENCY:UNCONSCIOUS_PATIENT"));

// Hardhat accounts: who is who in this file.
const PATIENT = 10;
const HOSPITAL = 11; // emergency-capable, encryption key published
const CLINIC = 12; // a registered provider that is not emergency-capable
const NO_KEY_HOSPITAL = 13; // emergency-capable, never published an encryption key
const OTHER_PATIENT = 14;
const UNFLAGGED_HOSPITAL = 15; // breaks the glass, then the registrar withdraws its emergency flag
const GATEWAY = GATEWAY_ACCOUNT_INDEX; // the operator's account: the escrow key is published under it

describe("Gateway: emergency access that opens records", function () {
  this.timeout(900_000);
  let stack: GatewayStack;
  const clients = new Map<number, GatewayClient>();
  const keys = new Map<number, KeyPair>();
  let patient: Address;
  let escrow: { address: Address; publicKey: Hex };
  let allergies: StoredRecord;
  let medications: StoredRecord;
  let mentalHealth: StoredRecord;
  let allergiesCopy: Uint8Array;

  const as = (index: number) => clients.get(index)!;
  const address = (index: number) => hardhatAccount(index).address;
  const keyOf = (index: number) => keys.get(index)!;
  const escrowPath = (recordId?: bigint) =>
    `/api/emergency/escrow/${patient}${recordId === undefined ? "" : `/${recordId}`}`;

  const chain = () => stack.contracts;
  const write = (
    index: number,
    contract: "ConsentRegistry" | "KeyDirectory" | "ProviderRegistry",
    fn: string,
    args: readonly unknown[],
  ) => chain().write(index, chain().addresses[contract], chain().abis[contract], fn, args);
  const breakGlass = (index: number) => write(index, "ConsentRegistry", "breakGlass", [patient, REASON]);
  const setEmergencyAccess = (allowed: boolean) => write(PATIENT, "ConsentRegistry", "setEmergencyAccess", [allowed]);
  const publishKey = (index: number, publicKey: Uint8Array) =>
    write(index, "KeyDirectory", "setEncryptionKey", [publicKeyToHex(publicKey)]);

  /** The record key wrapped for the announced escrow key, as the patient's portal makes it. */
  const escrowCopyOf = (record: StoredRecord) =>
    wrapRecordKey(record.recordKey, publicKeyFromHex(escrow.publicKey), record.contentHash);
  const putEscrowCopy = (record: StoredRecord, copy: Uint8Array = escrowCopyOf(record), index = PATIENT) =>
    as(index).putJson(escrowPath(record.recordId), { wrappedKey: toBase64Url(copy) });

  async function escrowIds(): Promise<string[]> {
    const response = await as(PATIENT).get(escrowPath());
    expect(response.status, response.describe()).to.equal(200);
    return response.json<{ recordIds: string[] }>().recordIds;
  }

  async function disclosures(): Promise<{ id: number; reader: string; recordId: string; purpose: number }[]> {
    const response = await as(PATIENT).get(`/api/disclosures?patient=${patient}`);
    expect(response.status, response.describe()).to.equal(200);
    return response.json<{ entries: { id: number; reader: string; recordId: string; purpose: number }[] }>().entries;
  }

  /** Runs `refused` and checks that the disclosure log did not grow. */
  async function expectNothingLogged(refused: () => Promise<void>) {
    const before = (await disclosures()).length;
    await refused();
    expect((await disclosures()).length, "disclosures logged by a refusal").to.equal(before);
  }

  const emergencyRead = (index: number, record: StoredRecord) =>
    as(index).get(recordPath(patient, record.recordId, "emergency"));

  /** The hospital's emergency read, decrypted with the hospital's own secret key. */
  async function expectEmergencyReadable(index: number, record: StoredRecord): Promise<GatewayResponse> {
    const response = await emergencyRead(index, record);
    expect(response.status, response.describe()).to.equal(200);
    const wrapped = fromBase64Url(response.headers.get("x-wrapped-key") ?? "");
    const recordKey = unwrapRecordKey(wrapped, keyOf(index).secretKey, record.contentHash);
    const file = await decryptRecord(response.bytes, recordKey);
    expect(Buffer.from(file.bytes).equals(Buffer.from(record.plaintext))).to.equal(true);
    expect(file.name).to.equal(record.name);
    return response;
  }

  before(async () => {
    stack = await startGatewayStack();
    patient = address(PATIENT);
    for (const index of [PATIENT, HOSPITAL, CLINIC, NO_KEY_HOSPITAL, OTHER_PATIENT, UNFLAGGED_HOSPITAL, GATEWAY]) {
      clients.set(index, new GatewayClient(stack.url, chain().account(index)));
      keys.set(index, newKeyPair());
    }
    for (const index of [HOSPITAL, CLINIC, NO_KEY_HOSPITAL, UNFLAGGED_HOSPITAL]) {
      await chain().registerProvider(index, `Provider ${index}`, 1);
    }
    for (const index of [HOSPITAL, NO_KEY_HOSPITAL, UNFLAGGED_HOSPITAL]) {
      await write(ADMIN_ACCOUNT_INDEX, "ProviderRegistry", "setEmergencyCapable", [address(index), true]);
    }
    for (const index of [HOSPITAL, CLINIC, UNFLAGGED_HOSPITAL]) await publishKey(index, keyOf(index).publicKey);
    for (const client of clients.values()) await client.signIn();

    const announced = await new GatewayClient(stack.url).get("/api/emergency/escrow");
    expect(announced.status, announced.describe()).to.equal(200);
    escrow = announced.json<{ address: Address; publicKey: Hex }>();
    // The operator publishes the escrow's public key under the gateway's account, as the seed does on the local chain.
    await publishKey(GATEWAY, publicKeyFromHex(escrow.publicKey));

    const store = (category: number, label: string) =>
      storeRecord({
        chain: chain(),
        uploader: as(PATIENT),
        authorIndex: PATIENT,
        patient,
        patientKey: keyOf(PATIENT),
        category,
        label,
      });
    allergies = await store(ALLERGIES, "allergies: penicillin, anaphylaxis");
    medications = await store(MEDICATIONS, "medications: warfarin 5 mg");
    mentalHealth = await store(MENTAL_HEALTH, "therapy notes");
    allergiesCopy = escrowCopyOf(allergies);
  });

  after(async () => {
    await stack?.stop();
  });

  describe("the escrow key and its copies", () => {
    it("announces the escrow recipient to anyone: the gateway's account and the key published on chain for it", async () => {
      expect(escrow.address).to.equal(address(GATEWAY));
      const published = await chain().read<Hex>(
        chain().addresses.KeyDirectory,
        chain().abis.KeyDirectory,
        "encryptionKeyOf",
        [escrow.address],
      );
      expect(published.toLowerCase()).to.equal(escrow.publicKey.toLowerCase());
    });

    it("stores the patient's escrow copy of a routine record (201, then 200) and lists its id to the patient only", async () => {
      let response = await putEscrowCopy(allergies, allergiesCopy);
      expect(response.status, response.describe()).to.equal(201);
      response = await putEscrowCopy(allergies, allergiesCopy);
      expect(response.status, response.describe()).to.equal(200);
      expect(await escrowIds()).to.deep.equal([String(allergies.recordId)]);
      expectError(await as(HOSPITAL).get(escrowPath()), 403, "forbidden");
      expectError(await as(GATEWAY).get(escrowPath()), 403, "forbidden");
      expectError(await new GatewayClient(stack.url).get(escrowPath()), 401, "not_signed_in");
    });

    it("refuses escrow copies from anyone but the patient, of a sensitive record, or that the escrow key cannot open", async () => {
      expectError(await putEscrowCopy(medications, escrowCopyOf(medications), OTHER_PATIENT), 403, "forbidden");
      expectError(await putEscrowCopy(medications, escrowCopyOf(medications), HOSPITAL), 403, "forbidden");
      expectError(await putEscrowCopy(mentalHealth), 403, "sensitive_category");
      // Wrapped for the patient's own key, and the allergy record's copy offered for another record.
      const wrongKey = wrapRecordKey(medications.recordKey, keyOf(PATIENT).publicKey, medications.contentHash);
      expectError(await putEscrowCopy(medications, wrongKey), 400, "bad_request");
      expectError(await putEscrowCopy(medications, allergiesCopy), 400, "bad_request");
      expectError(await as(PATIENT).putJson(escrowPath(999n), { wrappedKey: toBase64Url(allergiesCopy) }), 404);
      expectError(
        await new GatewayClient(stack.url).putJson(escrowPath(medications.recordId), {
          wrappedKey: toBase64Url(escrowCopyOf(medications)),
        }),
        401,
        "not_signed_in",
      );
      expect(await escrowIds()).to.deep.equal([String(allergies.recordId)]);
    });
  });

  describe("GET /api/records/{patient}/{recordId}?purpose=emergency", () => {
    it("refuses the hospital before it breaks the glass (the chain's AccessNoConsent); nothing logged", async () => {
      await expectNothingLogged(async () => {
        expectRefusal(await emergencyRead(HOSPITAL, allergies), "AccessNoConsent");
      });
    });

    it("serves the hospital that broke the glass: it decrypts the allergy record; logged as an emergency read", async () => {
      await breakGlass(HOSPITAL);
      const response = await expectEmergencyReadable(HOSPITAL, allergies);
      expect(response.headers.get("x-content-hash")).to.equal(allergies.contentHash);
      const served = fromBase64Url(response.headers.get("x-wrapped-key")!);
      expect(Buffer.from(served).equals(Buffer.from(allergiesCopy)), "the escrow copy served as is").to.equal(false);
      const [latest] = await disclosures();
      expect(latest).to.include({
        id: Number(response.headers.get("x-disclosure-id")),
        reader: address(HOSPITAL),
        recordId: String(allergies.recordId),
        purpose: EMERGENCY,
      });
    });

    it("refuses a sensitive record of the same patient with the chain's reason; nothing logged", async () => {
      await expectNothingLogged(async () => {
        expectRefusal(await emergencyRead(HOSPITAL, mentalHealth), "AccessNoConsent");
      });
    });

    it("answers 404 escrow_key_not_found for a routine record the patient has not prepared; nothing logged", async () => {
      await expectNothingLogged(async () => {
        expectError(await emergencyRead(HOSPITAL, medications), 404, "escrow_key_not_found");
      });
    });

    it("refuses a provider that is not emergency-capable: it cannot break the glass and reads nothing", async () => {
      await expectNothingLogged(async () => {
        let reverted = "";
        try {
          await chain().publicClient.simulateContract({
            address: chain().addresses.ConsentRegistry,
            abi: chain().abis.ConsentRegistry,
            functionName: "breakGlass",
            args: [patient, REASON],
            account: chain().account(CLINIC),
          });
        } catch (error) {
          reverted = String(error);
        }
        expect(reverted).to.include("ConsentNotEmergencyProvider");
        expectRefusal(await emergencyRead(CLINIC, allergies), "AccessNoConsent");
      });
    });

    it("refuses a provider whose emergency flag was withdrawn after it broke the glass (403 not_emergency_provider)", async () => {
      await breakGlass(UNFLAGGED_HOSPITAL);
      await write(ADMIN_ACCOUNT_INDEX, "ProviderRegistry", "setEmergencyCapable", [address(UNFLAGGED_HOSPITAL), false]);
      await expectNothingLogged(async () => {
        expectError(await emergencyRead(UNFLAGGED_HOSPITAL, allergies), 403, "not_emergency_provider");
      });
    });

    it("tells an emergency-capable provider without a published encryption key to publish one (409); nothing logged", async () => {
      await breakGlass(NO_KEY_HOSPITAL);
      await expectNothingLogged(async () => {
        expectError(await emergencyRead(NO_KEY_HOSPITAL, allergies), 409, "no_encryption_key");
      });
    });

    it("never serves an escrow copy as is: not to the gateway's own account, not in the patient's key listing", async () => {
      await expectNothingLogged(async () => {
        expectRefusal(
          await as(GATEWAY).get(recordPath(patient, allergies.recordId, "emergency")),
          "AccessProviderInactive",
        );
        expectError(await as(GATEWAY).get(`/api/records/${patient}/keys`), 403, "forbidden");
        expectError(await as(GATEWAY).get(escrowPath()), 403, "forbidden");
      });
      const listing = await as(PATIENT).get(`/api/records/${patient}/keys`);
      expect(listing.status, listing.describe()).to.equal(200);
      const listed = listing.json<{ keys: { recordId: string; wrappedKey: string }[] }>().keys;
      expect(listed.map((k) => String(k.recordId))).to.deep.equal(
        [allergies, medications, mentalHealth].map((r) => String(r.recordId)),
      );
      for (const key of listed) {
        expect(key.wrappedKey, `listed key of record ${key.recordId}`).not.to.equal(toBase64Url(allergiesCopy));
        // Each listed key is the patient's own.
        const record = [allergies, medications, mentalHealth].find((r) => String(r.recordId) === String(key.recordId))!;
        unwrapRecordKey(fromBase64Url(key.wrappedKey), keyOf(PATIENT).secretKey, record.contentHash);
      }
      // The patient reading with purpose emergency gets their own key, not the escrow copy.
      const own = await emergencyRead(PATIENT, allergies);
      expect(own.status, own.describe()).to.equal(200);
      unwrapRecordKey(
        fromBase64Url(own.headers.get("x-wrapped-key")!),
        keyOf(PATIENT).secretKey,
        allergies.contentHash,
      );
    });

    it("refuses the hospital once its 24-hour window has ended; nothing logged", async () => {
      await chain().increaseTime(DAY + 1);
      await expectNothingLogged(async () => {
        expectRefusal(await emergencyRead(HOSPITAL, allergies), "AccessNoConsent");
      });
    });

    it("after the patient turns emergency access off: refused, and every escrow copy is gone from the database", async () => {
      await breakGlass(HOSPITAL);
      await expectEmergencyReadable(HOSPITAL, allergies);
      // Only the chain is told: the next emergency read finds emergency access off and deletes the copies.
      await setEmergencyAccess(false);
      await expectNothingLogged(async () => {
        expectRefusal(await emergencyRead(HOSPITAL, allergies), "AccessNoConsent");
      });
      expect(await escrowIds()).to.deep.equal([]);
      if (stack.server.query) {
        const rows = await stack.server.query<{ n: number }>("SELECT count(*)::int AS n FROM escrow_keys");
        expect(rows[0].n, "escrow_keys rows in PostgreSQL").to.equal(0);
      }
      // While it is off, the gateway takes no new copy.
      expectError(await putEscrowCopy(allergies, allergiesCopy), 409, "emergency_access_off");
      expect(await escrowIds()).to.deep.equal([]);
    });

    it("deletes every escrow copy when the patient says so (DELETE), as the portal does right after turning it off", async () => {
      await setEmergencyAccess(true);
      expect((await putEscrowCopy(allergies, allergiesCopy)).status).to.equal(201);
      expect(await escrowIds()).to.deep.equal([String(allergies.recordId)]);
      expectError(await as(HOSPITAL).request("DELETE", escrowPath()), 403, "forbidden");
      expect(await escrowIds()).to.deep.equal([String(allergies.recordId)]);
      await setEmergencyAccess(false);
      const response = await as(PATIENT).request("DELETE", escrowPath());
      expect(response.status, response.describe()).to.equal(200);
      expect(response.json()).to.deep.equal({ deleted: 1 });
      expect(await escrowIds()).to.deep.equal([]);
    });

    it("deletes the escrow copies in the background sweep when nobody tells it emergency access went off", async () => {
      // A server of its own with the timer on (the main one runs without, to keep the suite deterministic).
      const server = await stack.startServer({ ANCHOR_INTERVAL_SECONDS: "1" });
      try {
        const own = new GatewayClient(server.url, chain().account(PATIENT));
        await own.signIn();
        await setEmergencyAccess(true);
        const stored = await own.putJson(escrowPath(allergies.recordId), { wrappedKey: toBase64Url(allergiesCopy) });
        expect(stored.status, stored.describe()).to.equal(201);
        await setEmergencyAccess(false);
        const listed = async () => (await own.get(escrowPath())).json<{ recordIds: string[] }>().recordIds;
        // Bounded polling of the server's own timer (one pass a second); no read or DELETE reaches it meanwhile.
        let remaining = await listed();
        for (let tries = 0; remaining.length > 0 && tries < 60; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          remaining = await listed();
        }
        expect(remaining, server.output().slice(-2000)).to.deep.equal([]);
      } finally {
        await server.stop();
      }
    });
  });
});
