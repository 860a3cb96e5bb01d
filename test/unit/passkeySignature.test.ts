// lib/passkey/webauthnSignature.ts: encoding a browser's WebAuthn assertion (DER or raw signature, bytes or strings)
// into the account's signature bytes, and the challenges; what the contracts accept is in test/PatientAccount.test.ts.
import { expect } from "chai";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { decodeAbiParameters, toHex, type Hex } from "viem";
import {
  base64UrlEncode,
  challengeBytes,
  encodeCalls,
  encodeWebAuthnAuth,
  executeChallenge,
  normalizeS,
  P256_HALF_N,
  P256_N,
  parseDerSignature,
  passkeySigner,
} from "@/lib/passkey/webauthnSignature";

const AUTH_FIELDS = [
  { type: "bytes32" },
  { type: "bytes32" },
  { type: "uint256" },
  { type: "uint256" },
  { type: "bytes" },
  { type: "string" },
] as const;
const CLIENT_DATA = '{"type":"webauthn.get","challenge":"AAEC","origin":"https://portal.example","crossOrigin":false}';
const AUTH_DATA = `0x${"11".repeat(32)}0500000001` as Hex;

describe("passkey signatures (lib/passkey/webauthnSignature)", function () {
  it("reads r and s from a node:crypto (browser-style) DER signature", function () {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    for (let i = 0; i < 20; i++) {
      const der = sign("sha256", Buffer.from(`message ${i}`), { key: privateKey, dsaEncoding: "der" });
      const raw = sign("sha256", Buffer.from(`message ${i}`), { key: privateKey, dsaEncoding: "ieee-p1363" });
      const { r, s } = parseDerSignature(der);
      expect(r > 0n && r < P256_N && s > 0n && s < P256_N).to.equal(true);
      // Both encodings go through the encoder to 32-byte r and low s.
      const [encodedR, encodedS] = decodeAbiParameters(
        AUTH_FIELDS,
        encodeWebAuthnAuth({ authenticatorData: AUTH_DATA, clientDataJSON: CLIENT_DATA, signature: der }),
      );
      expect(BigInt(encodedR)).to.equal(r);
      expect(BigInt(encodedS)).to.equal(normalizeS(s));
      const fromRaw = decodeAbiParameters(
        AUTH_FIELDS,
        encodeWebAuthnAuth({ authenticatorData: AUTH_DATA, clientDataJSON: CLIENT_DATA, signature: toHex(raw) }),
      );
      expect(BigInt(fromRaw[0]) > 0n).to.equal(true);
    }
  });

  it("refuses what is not a DER signature", function () {
    expect(() => parseDerSignature(new Uint8Array([0x31, 0x02, 0x02, 0x00]))).to.throw(/DER/);
    expect(() => parseDerSignature(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x03, 0x01, 0x01]))).to.throw(/DER/);
    expect(() => parseDerSignature(new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x05, 0x01]))).to.throw(/DER/);
  });

  it("normalises s to the lower half of the group", function () {
    expect(normalizeS(P256_HALF_N)).to.equal(P256_HALF_N);
    expect(normalizeS(P256_HALF_N + 1n)).to.equal(P256_N - P256_HALF_N - 1n);
    expect(normalizeS(5n)).to.equal(5n);
  });

  it("encodes the assertion's fields in place, with the positions of challenge and type", function () {
    const encoded = encodeWebAuthnAuth({
      authenticatorData: Buffer.from(AUTH_DATA.slice(2), "hex"),
      clientDataJSON: new TextEncoder().encode(CLIENT_DATA),
      signature: { r: 1n, s: P256_N - 2n },
    });
    const [r, s, challengeIndex, typeIndex, authenticatorData, clientDataJSON] = decodeAbiParameters(
      AUTH_FIELDS,
      encoded,
    );
    expect(BigInt(r)).to.equal(1n);
    expect(BigInt(s)).to.equal(2n);
    expect(challengeIndex).to.equal(BigInt(CLIENT_DATA.indexOf('"challenge"')));
    expect(typeIndex).to.equal(1n);
    expect(authenticatorData).to.equal(AUTH_DATA);
    expect(clientDataJSON).to.equal(CLIENT_DATA);
    expect(() =>
      encodeWebAuthnAuth({
        authenticatorData: AUTH_DATA,
        clientDataJSON: '{"type":"webauthn.create"}',
        signature: { r: 1n, s: 1n },
      }),
    ).to.throw(/challenge/);
  });

  it("writes the challenge as WebAuthn does (base64url, no padding)", function () {
    const challenge = createHash("sha256").update("x").digest();
    expect(base64UrlEncode(challenge)).to.equal(challenge.toString("base64url"));
    expect(base64UrlEncode(new Uint8Array([0xfb, 0xff]))).to.equal("-_8");
    expect(challengeBytes(`0x${"ab".repeat(32)}`)).to.deep.equal(new Uint8Array(32).fill(0xab));
  });

  it("builds the signer and the execution challenge deterministically", function () {
    const verifier = "0x00000000000000000000000000000000000000aa";
    expect(passkeySigner(verifier, { x: "0x01", y: "0x02" })).to.equal(
      `${verifier}${"0".repeat(63)}1${"0".repeat(63)}2`,
    );
    const executionData = encodeCalls([{ target: verifier, value: 0n, data: "0x" }]);
    const a = executeChallenge({ chainId: 31337, account: verifier, executionData, nonce: 0n, deadline: 1n });
    expect(a).to.equal(executeChallenge({ chainId: 31337, account: verifier, executionData, nonce: 0n, deadline: 1n }));
    expect(a).to.not.equal(executeChallenge({ chainId: 1, account: verifier, executionData, nonce: 0n, deadline: 1n }));
  });
});
