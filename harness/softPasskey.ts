// A software WebAuthn authenticator for tests and benchmarks: a node:crypto P-256 key that answers
// navigator.credentials.get() as a platform authenticator would (flags UP|UV, clientDataJSON of type webauthn.get).
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { Hex } from "viem";
import {
  base64UrlEncode,
  P256_N,
  parseDerSignature,
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

const toHex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString("hex")}`;

export class SoftPasskey {
  readonly publicKey: PasskeyPublicKey;
  private readonly privateKey: KeyObject;
  private signCount = 0;

  constructor(
    private readonly rpId = "localhost",
    private readonly origin = "http://localhost:3000",
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: "jwk" });
    this.publicKey = {
      x: toHex(Buffer.from(jwk.x!, "base64url")),
      y: toHex(Buffer.from(jwk.y!, "base64url")),
    };
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
    const der = sign("sha256", Buffer.concat([authenticatorData, clientDataHash]), {
      key: this.privateKey,
      dsaEncoding: "der",
    });
    const { r, s } = parseDerSignature(der);
    const low = s > P256_N / 2n ? P256_N - s : s;
    return {
      authenticatorData: toHex(authenticatorData),
      clientDataJSON,
      signature: { r, s: options.highS ? P256_N - low : low },
    };
  }
}
