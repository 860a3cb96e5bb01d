// The portal's passkey pieces that need no browser: the public key of a new passkey, the PRF salt, refusals and
// approvals in plain words, the stored passkeys, and finding a passkey's key from its signature.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { bytesToHex, encodeFunctionData, type Address, type Hex } from "viem";
import { describeCall, describeMessage, describeTypedData, granteeOf } from "@/app/_lib/passkeyApprovalWords";
import { parseStoredPasskeys, withoutPasskey, withPasskey, type StoredPasskey } from "@/app/_lib/passkeyStore";
import { describeFailure } from "@/app/_lib/txErrors";
import { abis } from "@/lib/contracts/deployedContracts";
import type { MedConsentAddresses } from "@/lib/consentClient";
import { describeCeremonyError, PRF_SALT_HEX, publicKeyFromSpki } from "@/lib/passkey/ceremony";
import { NoPrfError, PasskeyError } from "@/lib/passkey/errors";
import { recoverPublicKeys } from "@/lib/passkey/recoverPublicKey";
import { toBase64Url } from "@/lib/vault/encoding";
import { PRF_SALT } from "@/lib/vault/encryptionKey";

const ADDRESSES: MedConsentAddresses = {
  providerRegistry: "0x1000000000000000000000000000000000000001",
  consentRegistry: "0x1000000000000000000000000000000000000002",
  recordRegistry: "0x1000000000000000000000000000000000000003",
  keyDirectory: "0x1000000000000000000000000000000000000004",
  disclosureLog: "0x1000000000000000000000000000000000000005",
};
const PROVIDER: Address = "0x2000000000000000000000000000000000000002";
const SECRET = p256.utils.randomSecretKey();
const PUBLIC = p256.getPublicKey(SECRET, false);
const X = bytesToHex(PUBLIC.slice(1, 33));
const Y = bytesToHex(PUBLIC.slice(33));

describe("portal passkeys", function () {
  describe("ceremony", function () {
    it("reads x and y from a P-256 SubjectPublicKeyInfo (getPublicKey) and refuses anything else", function () {
      const spki = Uint8Array.from([
        ...Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"),
        ...PUBLIC,
      ]);
      expect(publicKeyFromSpki(spki)).to.deep.equal({ x: X, y: Y });
      expect(() => publicKeyFromSpki(spki.slice(1))).to.throw(PasskeyError);
      const ed25519 = Uint8Array.from([...Buffer.from("302a300506032b6570032100", "hex"), ...new Uint8Array(32)]);
      expect(() => publicKeyFromSpki(ed25519)).to.throw(PasskeyError, "P-256");
    });

    it('evaluates PRF with the vault\'s salt, sha256("MedConsent encryption key v1")', function () {
      expect(PRF_SALT_HEX).to.equal(bytesToHex(PRF_SALT));
      expect(PRF_SALT_HEX).to.equal(`0x${createHash("sha256").update("MedConsent encryption key v1").digest("hex")}`);
    });

    it("says a cancelled prompt calmly (code 4001) and other refusals in plain words", function () {
      const cancelled = describeCeremonyError(Object.assign(new Error("x"), { name: "NotAllowedError" }), "sign");
      expect(cancelled.code).to.equal(4001);
      expect(cancelled.message).to.include("Nothing was signed");
      expect(describeCeremonyError({ name: "InvalidStateError" }, "create").message).to.include("already holds");
      expect(describeCeremonyError({ name: "SecurityError" }, "create").message).to.include("secure address");
      expect(describeFailure(cancelled)).to.deep.equal({ kind: "rejected", message: cancelled.message });
      // Wrapped by viem as a provider error, it still speaks for itself.
      const wrapped = Object.assign(new Error("An unknown RPC error occurred."), { cause: new NoPrfError() });
      expect(describeFailure(wrapped).message).to.include("cannot upload or open encrypted records on this device");
    });
  });

  describe("finding the passkey of an assertion", function () {
    it("recovers the signer's public key among two candidates, only for the expected challenge", function () {
      const challenge = bytesToHex(Uint8Array.from(createHash("sha256").update("challenge").digest()));
      const clientDataJSON = JSON.stringify({
        type: "webauthn.get",
        challenge: toBase64Url(Buffer.from(challenge.slice(2), "hex")),
        origin: "http://localhost:3000",
      });
      const authenticatorData = `0x${"49".repeat(32)}0500000001` as Hex;
      const digest = createHash("sha256")
        .update(Buffer.from(authenticatorData.slice(2), "hex"))
        .update(createHash("sha256").update(clientDataJSON).digest())
        .digest();
      const signature = bytesToHex(p256.sign(digest, SECRET, { prehash: false, format: "der" }));
      const assertion = { authenticatorData, clientDataJSON, signature };
      const candidates = recoverPublicKeys(assertion, challenge);
      expect(candidates).to.deep.include({ x: X, y: Y });
      expect(recoverPublicKeys(assertion, `0x${"00".repeat(32)}`)).to.deep.equal([]);
    });
  });

  describe("stored passkeys", function () {
    const passkey: StoredPasskey = {
      credentialId: "AAAAAAAAAAAAAAAAAAAAAA",
      x: X,
      y: Y,
      account: "0x3000000000000000000000000000000000000003",
      prf: true,
    };

    it("forgets a removed passkey and keeps the others in order", function () {
      const other = { ...passkey, credentialId: "BBBBBBBBBBBBBBBBBBBBBB" };
      const third = { ...passkey, credentialId: "CCCCCCCCCCCCCCCCCCCCCC" };
      const list = [passkey, other, third];
      expect(withoutPasskey(list, other.credentialId)).to.deep.equal([passkey, third]);
      expect(withoutPasskey(list, "DDDDDDDDDDDDDDDDDDDDDD")).to.deep.equal(list);
    });

    it("round-trips, keeps the newest last, and drops malformed entries", function () {
      const other = { ...passkey, credentialId: "BBBBBBBBBBBBBBBBBBBBBB", prf: false };
      const list = withPasskey(withPasskey(withPasskey([], passkey), other), passkey);
      expect(list.map((p) => p.credentialId)).to.deep.equal([other.credentialId, passkey.credentialId]);
      expect(parseStoredPasskeys(JSON.stringify(list))).to.deep.equal(list);
      expect(parseStoredPasskeys("not json")).to.deep.equal([]);
      expect(
        parseStoredPasskeys(
          JSON.stringify([
            { ...passkey, x: "0x12" },
            { ...passkey, account: "nope" },
          ]),
        ),
      ).to.deep.equal([]);
    });
  });

  describe("what a passkey prompt approves, in plain words", function () {
    const names = (address: Address) =>
      address.toLowerCase() === PROVIDER.toLowerCase() ? "Northside Family Practice" : undefined;

    it("decodes a grant, a revocation, revoke-all, a delegate, the emergency setting and a key publication", function () {
      const call = (contract: "ConsentRegistry" | "KeyDirectory", data: Hex) => ({
        to: contract === "ConsentRegistry" ? ADDRESSES.consentRegistry : ADDRESSES.keyDirectory,
        data,
      });
      const registry = abis.ConsentRegistry;
      const grant = describeCall(
        call(
          "ConsentRegistry",
          encodeFunctionData({
            abi: registry,
            functionName: "grantConsent",
            args: [PROVIDER, 0b11n, 1, 1, 1798070400],
          }),
        ),
        ADDRESSES,
        names,
      );
      expect(grant.title).to.equal("Give a provider access");
      expect(grant.details[0]).to.match(
        /^Northside Family Practice may read your .+ for treatment until \d+ \w+ \d{4}\.$/,
      );
      expect(grant.details.at(-1)).to.include("You pay no fee");

      const revoke = describeCall(
        call("ConsentRegistry", encodeFunctionData({ abi: registry, functionName: "revokeConsent", args: [PROVIDER] })),
        ADDRESSES,
        names,
      );
      expect(revoke.title).to.equal("Revoke Northside Family Practice's access");
      expect(
        describeCall(
          call("ConsentRegistry", encodeFunctionData({ abi: registry, functionName: "revokeAllConsents" })),
          ADDRESSES,
        ).title,
      ).to.equal("Revoke every consent");
      expect(
        describeCall(
          call(
            "ConsentRegistry",
            encodeFunctionData({ abi: registry, functionName: "setDelegate", args: [PROVIDER, true] }),
          ),
          ADDRESSES,
        ).title,
      ).to.match(/^Let 0x2000…0002 act for you$/);
      expect(
        describeCall(
          call(
            "ConsentRegistry",
            encodeFunctionData({ abi: registry, functionName: "setEmergencyAccess", args: [false] }),
          ),
          ADDRESSES,
        ).title,
      ).to.equal("Turn emergency access off");
      expect(
        describeCall(
          call(
            "KeyDirectory",
            encodeFunctionData({
              abi: abis.KeyDirectory,
              functionName: "setEncryptionKey",
              args: [`0x${"11".repeat(32)}`],
            }),
          ),
          ADDRESSES,
        ).title,
      ).to.equal("Publish your encryption key");
    });

    it("finds the provider a grant or revocation is about, so its name can be read first", function () {
      const revoke = encodeFunctionData({ abi: abis.ConsentRegistry, functionName: "revokeConsent", args: [PROVIDER] });
      expect(granteeOf({ call: { to: ADDRESSES.consentRegistry, data: revoke } }, ADDRESSES)).to.equal(PROVIDER);
      expect(granteeOf({ call: { to: ADDRESSES.keyDirectory, data: revoke } }, ADDRESSES)).to.equal(undefined);
      expect(granteeOf({ typedData: { message: { grantee: PROVIDER } } }, ADDRESSES)).to.equal(PROVIDER);
      expect(
        granteeOf(
          {
            call: {
              to: ADDRESSES.consentRegistry,
              data: encodeFunctionData({ abi: abis.ConsentRegistry, functionName: "revokeAllConsents" }),
            },
          },
          ADDRESSES,
        ),
      ).to.equal(undefined);
    });

    it("names passkey management, a call the account makes to itself", function () {
      const account: Address = "0x3000000000000000000000000000000000000003";
      const add = encodeFunctionData({
        abi: abis.PatientAccount,
        functionName: "addPasskey",
        args: [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`],
      });
      expect(describeCall({ to: account, data: add }, ADDRESSES, undefined, account).title).to.equal(
        "Add a passkey to your account",
      );
      const recovery = encodeFunctionData({
        abi: abis.PatientAccount,
        functionName: "setRecoveryDelegate",
        args: [PROVIDER],
      });
      expect(describeCall({ to: account, data: recovery }, ADDRESSES, undefined, account).title).to.equal(
        "Name 0x2000…0002 as your recovery delegate",
      );
      const cancel = describeCall(
        { to: account, data: encodeFunctionData({ abi: abis.PatientAccount, functionName: "cancelRecovery" }) },
        ADDRESSES,
        undefined,
        account,
      );
      expect(cancel.title).to.equal("Cancel the recovery your delegate asked for");
      expect(cancel.details[0]).to.match(/will not be added/);
      // The same call to another address is not passkey management of this account.
      expect(describeCall({ to: PROVIDER, data: add }, ADDRESSES, undefined, account).title).to.match(/^Send a call/);
    });

    it("warns about a call to anything that is not MedConsent's", function () {
      const words = describeCall({ to: PROVIDER, data: "0x12345678" }, ADDRESSES);
      expect(words.title).to.match(/^Send a call to/);
      expect(words.details[0]).to.include("not one of MedConsent's contracts");
    });

    it("names typed data and sign-in messages", function () {
      const grant = describeTypedData(
        {
          primaryType: "GrantConsent",
          message: { grantee: PROVIDER, categories: "2", actions: 1, purposes: 8, expiresAt: "1798070400" },
        },
        names,
      );
      expect(grant.title).to.equal("Give a provider access, without a fee");
      expect(grant.details[0]).to.match(/^Northside Family Practice may read your [a-z ]+ for research until/);
      expect(
        describeMessage(
          "localhost:3000 wants you to sign in with your Ethereum account:\n0x3000000000000000000000000000000000000003",
        ).title,
      ).to.equal("Sign in to the MedConsent gateway");
    });
  });
});
