// The passkey accounts' pure parts: the key and credential-id checks of POST /api/accounts, the signed-execution
// body, and the allow-list of calls the sponsor pays for.
import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import { encodeFunctionData, toHex, type Address, type Hex } from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { GatewayError } from "@/server/gateway/http/errors";
import {
  isOnP256,
  MAX_CALLS,
  parseAccountRegistration,
  parseSignedExecution,
} from "@/server/gateway/accounts/accountRequest";
import { callProblem } from "@/server/gateway/accounts/patientAccounts";

const ADDRESSES = {
  providerRegistry: "0x26aB476Ea4221d172F363b3EeCAE9FDb4dE7d1e9",
  consentRegistry: "0x13B1C7374262bD4834C1c10269e68B531F9f2950",
  recordRegistry: "0x2754f3dDE27e671Bb972Df4b7E4511641f77ad57",
  keyDirectory: "0x3e2621F4092EA8029986EC868144C9cfA2974dB3",
  disclosureLog: "0x695163CC5C14E8492fA93393Bc8eF17f043dc43F",
} as const satisfies Record<string, Address>;
const ACCOUNT: Address = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const CREDENTIAL_ID = "AAECAwQFBgcICQoLDA0ODw";

function passkeyKey(): { x: Hex; y: Hex } {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  const hex = (b64: string | undefined) => toHex(Buffer.from(b64!, "base64url"));
  return { x: hex(jwk.x), y: hex(jwk.y) };
}

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error("expected a refusal");
}

describe("passkey accounts", function () {
  describe("parseAccountRegistration", function () {
    it("accepts a P-256 public key and a base64url credential id, the key in lower case", function () {
      const key = passkeyKey();
      const upper = { x: key.x.toUpperCase().replace("0X", "0x"), y: key.y, credentialId: CREDENTIAL_ID };
      expect(parseAccountRegistration(upper)).to.deep.equal({ ...key, credentialId: CREDENTIAL_ID });
    });

    it("refuses a point off the curve, and the zero point, with 400 invalid_passkey", function () {
      const { x, y } = passkeyKey();
      const offCurve = toHex(BigInt(y) ^ 1n, { size: 32 });
      const zero = toHex(0n, { size: 32 });
      for (const body of [
        { x, y: offCurve },
        { x: zero, y: zero },
      ]) {
        const error = refusal(() => parseAccountRegistration({ ...body, credentialId: CREDENTIAL_ID }));
        expect([error.status, error.code]).to.deep.equal([400, "invalid_passkey"]);
      }
      expect(isOnP256(x, offCurve)).to.equal(false);
      expect(isOnP256(x, y)).to.equal(true);
    });

    it("refuses malformed coordinates and credential ids with 400 bad_request", function () {
      const { x, y } = passkeyKey();
      for (const body of [
        null,
        [],
        { x, credentialId: CREDENTIAL_ID },
        { x, y: "0x1234", credentialId: CREDENTIAL_ID },
        { x, y },
        { x, y, credentialId: "short" },
        { x, y, credentialId: "not base64url!!!!!!!" },
        { x, y, credentialId: "A".repeat(1365) },
      ]) {
        const error = refusal(() => parseAccountRegistration(body));
        expect([error.status, error.code], JSON.stringify(body)).to.deep.equal([400, "bad_request"]);
      }
    });
  });

  describe("parseSignedExecution", function () {
    const call = { target: ADDRESSES.keyDirectory, value: "0", data: "0x1234" };
    const body = { calls: [call], nonce: "0", deadline: "1795870000", signature: "0xabcd" };

    it("converts the calls and numbers, value 0 when left out", function () {
      expect(parseSignedExecution({ ...body, calls: [{ target: call.target, data: call.data }] })).to.deep.equal({
        calls: [{ target: ADDRESSES.keyDirectory, value: 0n, data: "0x1234" }],
        nonce: 0n,
        deadline: 1_795_870_000n,
        signature: "0xabcd",
      });
    });

    it(`refuses an empty batch, more than ${MAX_CALLS} calls, and malformed fields with 400`, function () {
      for (const bad of [
        { ...body, calls: [] },
        { ...body, calls: Array(MAX_CALLS + 1).fill(call) },
        { ...body, calls: [{ ...call, target: "0x12" }] },
        { ...body, calls: [{ ...call, data: "0x123" }] },
        { ...body, calls: [{ ...call, value: 1 }] },
        { ...body, nonce: 1 },
        { ...body, deadline: "-1" },
        { ...body, signature: "0x" },
      ]) {
        const error = refusal(() => parseSignedExecution(bad));
        expect([error.status, error.code], JSON.stringify(bad)).to.deep.equal([400, "bad_request"]);
      }
    });
  });

  describe("callProblem: what the sponsor pays for", function () {
    const accountCall = (functionName: string, args: readonly unknown[]) => ({
      target: ACCOUNT,
      value: 0n,
      data: encodeFunctionData({ abi: abis.PatientAccount, functionName: functionName as never, args: args as never }),
    });

    it("allows MedConsent's ConsentRegistry, RecordRegistry and KeyDirectory", function () {
      for (const target of [ADDRESSES.consentRegistry, ADDRESSES.recordRegistry, ADDRESSES.keyDirectory]) {
        expect(callProblem(ADDRESSES, ACCOUNT, { target, value: 0n, data: "0x" }, 0)).to.equal(undefined);
      }
    });

    it("allows the account's own passkey management, and nothing else of it", function () {
      const key = passkeyKey();
      expect(callProblem(ADDRESSES, ACCOUNT, accountCall("addPasskey", [key.x, key.y]), 0)).to.equal(undefined);
      expect(callProblem(ADDRESSES, ACCOUNT, accountCall("removePasskey", [key.x, key.y]), 0)).to.equal(undefined);
      expect(callProblem(ADDRESSES, ACCOUNT, accountCall("setRecoveryDelegate", [ACCOUNT]), 0)).to.equal(undefined);
      expect(callProblem(ADDRESSES, ACCOUNT, accountCall("cancelRecovery", []), 0)).to.equal(undefined);
      const nested = accountCall("executeBySig", ["0x", 0n, 0n, "0x"]);
      expect(callProblem(ADDRESSES, ACCOUNT, nested, 0)).to.match(/other than passkey management/);
      // The delegate's (or anyone's) recovery calls are never the account's own.
      for (const call of [accountCall("startRecovery", [key.x, key.y]), accountCall("finishRecovery", [])]) {
        expect(callProblem(ADDRESSES, ACCOUNT, call, 0)).to.match(/other than passkey management/);
      }
      expect(callProblem(ADDRESSES, ACCOUNT, { ...nested, data: "0x" }, 0)).to.match(/other than passkey management/);
    });

    it("refuses any other contract (the DisclosureLog, a stranger), and value to any", function () {
      expect(callProblem(ADDRESSES, ACCOUNT, { target: ADDRESSES.disclosureLog, value: 0n, data: "0x" }, 0)).to.match(
        /^Call 1 \(to 0x695163CC5C14E8492fA93393Bc8eF17f043dc43F\) is not to one of MedConsent's contracts/,
      );
      expect(
        callProblem(ADDRESSES, ACCOUNT, { target: ADDRESSES.providerRegistry, value: 0n, data: "0x" }, 1),
      ).to.match(/^Call 2/);
      expect(callProblem(ADDRESSES, ACCOUNT, { target: ADDRESSES.keyDirectory, value: 1n, data: "0x" }, 0)).to.match(
        /sends value/,
      );
    });
  });
});
