// A software WebAuthn authenticator for tests and benchmarks: a P-256 key (node:crypto) that answers
// navigator.credentials.get() as a platform authenticator would (flags UP|UV, clientDataJSON of type webauthn.get).
import { createHash, generateKeyPairSync } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import type { Hex } from "viem";
import {
  base64UrlEncode,
  P256_N,
  type PasskeyPublicKey,
  type WebAuthnAssertion,
} from "@/lib/passkey/webauthnSignature";

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

export interface SignOptions {
  /** Authenticator data flags; UP|UV by default. */
  flags?: number;
  /** The page's origin written into clientDataJSON. */
  origin?: string;
  /** Return the high-s twin of the signature (s' = n − s), as some authenticators do. */
  highS?: boolean;
}

export interface SoftPasskeyOptions {
  /** A fixed private key (32 bytes), for runs that must be byte-for-byte repeatable (the gas benchmark). */
  privateKey?: Hex;
  rpId?: string;
  origin?: string;
}

const toHex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString("hex")}`;

/**
 * The key is a node:crypto P-256 key (or a fixed one); signatures use RFC 6979 deterministic ECDSA (@noble/curves), so
 * the same key, challenge and options always give the same assertion and the same gas.
 */
export class SoftPasskey {
  readonly publicKey: PasskeyPublicKey;
  private readonly privateKey: Uint8Array;
  private readonly rpId: string;
  private readonly origin: string;
  private signCount = 0;

  constructor(options: SoftPasskeyOptions = {}) {
    this.rpId = options.rpId ?? "localhost";
    this.origin = options.origin ?? "http://localhost:3000";
    if (options.privateKey !== undefined) {
      this.privateKey = Buffer.from(options.privateKey.slice(2), "hex");
    } else {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      this.privateKey = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url");
    }
    const point = p256.getPublicKey(this.privateKey, false); // 0x04 ‖ x ‖ y
    this.publicKey = { x: toHex(point.slice(1, 33)), y: toHex(point.slice(33, 65)) };
  }

  /** An assertion over `challenge` (32 bytes): signs sha256(authenticatorData ‖ sha256(clientDataJSON)). */
  sign(challenge: Hex, options: SignOptions = {}): WebAuthnAssertion & { signature: { r: bigint; s: bigint } } {
    const rpIdHash = createHash("sha256").update(this.rpId).digest();
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(++this.signCount);
    const authenticatorData = Buffer.concat([rpIdHash, Buffer.from([options.flags ?? FLAG_UP | FLAG_UV]), counter]);
    const clientDataJSON = JSON.stringify({
      type: "webauthn.get",
      challenge: base64UrlEncode(Buffer.from(challenge.slice(2), "hex")),
      origin: options.origin ?? this.origin,
      crossOrigin: false,
    });
    const clientDataHash = createHash("sha256").update(clientDataJSON).digest();
    // prehash: the authenticator signs the SHA-256 of its data, as WebAuthn's ES256 does.
    const compact = p256.sign(Buffer.concat([authenticatorData, clientDataHash]), this.privateKey, {
      prehash: true,
      lowS: true,
    });
    const r = BigInt(toHex(compact.slice(0, 32)));
    const s = BigInt(toHex(compact.slice(32, 64)));
    return {
      authenticatorData: toHex(authenticatorData),
      clientDataJSON,
      signature: { r, s: options.highS ? P256_N - s : s },
    };
  }
}
