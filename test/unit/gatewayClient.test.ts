import { expect } from "chai";
import type { Address } from "viem";
import {
  createGatewayClient,
  describeVaultFailure,
  gatewayPaths,
  GatewayError,
  parseGatewayError,
  withRetries,
} from "@/app/_lib/gatewayClient";
import { toBase64Url } from "@/lib/vault";

const PATIENT = "0x976EA74026E726554dB657fA54763abd0C3a0aa9" as Address;
const READER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" as Address;
const CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null });

describe("gatewayClient", function () {
  describe("parseGatewayError", function () {
    it("keeps the gateway's code, plain-words message and chain reason", function () {
      const body = JSON.stringify({
        error: "AccessNoConsent",
        message: "The patient has not given this provider consent (never granted, revoked, or ended by revoke-all).",
        reason: "AccessNoConsent",
      });
      const error = parseGatewayError(403, body, headers({ "x-request-id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427" }));
      expect(error).to.be.instanceOf(GatewayError);
      expect(error.status).to.equal(403);
      expect(error.code).to.equal("AccessNoConsent");
      expect(error.reason).to.equal("AccessNoConsent");
      expect(error.message).to.match(/^The patient has not given this provider consent/);
      expect(error.requestId).to.equal("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
      expect(error.needsSignIn).to.equal(false);
    });

    it("falls back to plain words by status when the body is not the gateway's JSON", function () {
      const signIn = parseGatewayError(401, "<html>Unauthorized</html>");
      expect(signIn.code).to.equal("not_signed_in");
      expect(signIn.message).to.equal("Sign in to the gateway first.");
      expect(signIn.needsSignIn).to.equal(true);
      expect(parseGatewayError(503, "").code).to.equal("chain_unavailable");
      expect(parseGatewayError(418, "").message).to.equal("The gateway answered with an unexpected status (418).");
      expect(parseGatewayError(502, "null").code).to.equal("server_error");
    });

    it("ignores empty or non-string fields and reads Retry-After", function () {
      const error = parseGatewayError(
        429,
        JSON.stringify({ error: 7, message: "  " }),
        headers({ "retry-after": "12" }),
      );
      expect(error.code).to.equal("rate_limited");
      expect(error.message).to.match(/^Too many requests/);
      expect(error.retryAfter).to.equal(12);
      expect(error.reason).to.equal(undefined);
    });

    it("describeVaultFailure speaks the gateway's words, and the wallet's calm ones", function () {
      expect(
        describeVaultFailure(
          parseGatewayError(404, JSON.stringify({ error: "key_not_found", message: "No key for you." })),
        ),
      ).to.equal("No key for you.");
      expect(describeVaultFailure(Object.assign(new Error("User rejected"), { code: 4001 }))).to.equal(
        "You cancelled in your wallet. Nothing was sent and nothing changed.",
      );
    });
  });

  describe("gatewayPaths", function () {
    it("builds every route from validated parts", function () {
      expect(gatewayPaths.blob(CID, { patient: PATIENT, category: 4 })).to.equal(
        `/api/blobs/${CID}?patient=${PATIENT}&category=4`,
      );
      expect(gatewayPaths.blob(CID, { patient: PATIENT, category: 0, purpose: "treatment" })).to.equal(
        `/api/blobs/${CID}?patient=${PATIENT}&category=0&purpose=treatment`,
      );
      expect(gatewayPaths.record(PATIENT, 3n)).to.equal(`/api/records/${PATIENT}/3`);
      expect(gatewayPaths.record(PATIENT, 3n, "public-health")).to.equal(
        `/api/records/${PATIENT}/3?purpose=public-health`,
      );
      expect(gatewayPaths.ownKeys(PATIENT)).to.equal(`/api/records/${PATIENT}/keys`);
      expect(gatewayPaths.recordKey(PATIENT, 12n, READER)).to.equal(`/api/records/${PATIENT}/12/keys/${READER}`);
      expect(gatewayPaths.disclosures(PATIENT)).to.equal(`/api/disclosures?patient=${PATIENT}`);
      expect(gatewayPaths.anchor()).to.equal("/api/disclosures/anchor");
      const credentialId = "AAECAwQFBgcICQoLDA0ODw";
      expect(gatewayPaths.keyCopy(PATIENT, credentialId)).to.equal(
        `/api/accounts/${PATIENT}/key-copies/${credentialId}`,
      );
    });

    it("refuses anything that could smuggle a path", function () {
      expect(() => gatewayPaths.blob("../etc/passwd", { patient: PATIENT, category: 1 })).to.throw(/CID/);
      expect(() => gatewayPaths.blob(CID, { patient: PATIENT, category: 64 })).to.throw(/0 to 63/);
      expect(() => gatewayPaths.record("0x1234/../../x" as Address, 1n)).to.throw(/address/);
      expect(() => gatewayPaths.record(PATIENT, 0n)).to.throw(/record id/);
      expect(() => gatewayPaths.recordKey(PATIENT, 1n, "nobody" as Address)).to.throw(/recipient/);
      expect(() => gatewayPaths.keyCopy(PATIENT, "../../records/AAAAAAAAAAAAAAAA")).to.throw(/credential id/);
    });
  });

  describe("createGatewayClient", function () {
    type Call = { url: string; init?: RequestInit };
    function fakeFetch(respond: (call: Call) => Response) {
      const calls: Call[] = [];
      const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        const call = { url: String(input), init };
        calls.push(call);
        return respond(call);
      };
      return { calls, fetch: fetch as typeof globalThis.fetch };
    }

    it("reads a served record's ciphertext and headers", async function () {
      const wrapped = new Uint8Array(105).fill(1);
      const { calls, fetch } = fakeFetch(
        () =>
          new Response(new Uint8Array([1, 2, 3]), {
            headers: {
              "x-wrapped-key": toBase64Url(wrapped),
              "x-content-hash": `0x${"ab".repeat(32)}`,
              "x-record-category": "4",
              "x-record-author": PATIENT,
              "x-disclosure-id": "17",
              "x-request-id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            },
          }),
      );
      const client = createGatewayClient({ baseUrl: "http://gateway.test", fetch });
      const served = await client.getRecord(PATIENT, 1n, "treatment");
      expect(calls[0].url).to.equal(`http://gateway.test/api/records/${PATIENT}/1?purpose=treatment`);
      expect(calls[0].init?.cache).to.equal("no-store");
      expect([...served.ciphertext]).to.deep.equal([1, 2, 3]);
      expect([...served.wrappedKey]).to.deep.equal([...wrapped]);
      expect(served.category).to.equal(4);
      expect(served.disclosureId).to.equal(17n);
    });

    it("turns a refusal into a GatewayError, a missing session into null, and sends wrapped keys as base64url", async function () {
      const { calls, fetch } = fakeFetch(({ url }) =>
        url.endsWith("/api/auth/session")
          ? new Response(JSON.stringify({ error: "not_signed_in", message: "Sign in." }), { status: 401 })
          : url.includes("/keys/")
            ? new Response(null, { status: 201 })
            : new Response(JSON.stringify({ error: "forbidden", message: "No.", reason: "AccessExpired" }), {
                status: 403,
              }),
      );
      const client = createGatewayClient({ fetch });
      expect(await client.session()).to.equal(null);
      await client.putWrappedKey(PATIENT, 2n, READER, new Uint8Array([251, 255]));
      expect(calls[1].init?.method).to.equal("PUT");
      expect(JSON.parse(String(calls[1].init?.body))).to.deep.equal({ wrappedKey: "-_8" });
      const refused = await client.disclosures(PATIENT).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(GatewayError);
      expect((refused as GatewayError).reason).to.equal("AccessExpired");
    });

    it("sends X-MedConsent-Client: 1 with every request, which a cross-site link or image cannot", async function () {
      const { calls, fetch } = fakeFetch(() => new Response(JSON.stringify({ entries: [] })));
      const client = createGatewayClient({ fetch });
      await client.disclosures(PATIENT);
      await client.getRecord(PATIENT, 1n, "treatment").catch(() => undefined);
      await client.putWrappedKey(PATIENT, 2n, READER, new Uint8Array([1]));
      expect(calls).to.have.length(3);
      for (const call of calls) {
        expect(new Headers(call.init?.headers).get("x-medconsent-client"), call.url).to.equal("1");
      }
      expect(new Headers(calls[2].init?.headers).get("content-type")).to.equal("application/json");
    });

    it("relays a signed change as JSON and answers its transaction hash; a refusal is a GatewayError", async function () {
      const hash = `0x${"12".repeat(32)}`;
      const { calls, fetch } = fakeFetch(({ init }) =>
        JSON.parse(String(init?.body)).args.patient === PATIENT
          ? new Response(JSON.stringify({ hash }))
          : new Response(JSON.stringify({ error: "not_your_signature", message: "Not yours." }), { status: 403 }),
      );
      const client = createGatewayClient({ fetch });
      const body = { function: "revokeConsentBySig", args: { patient: PATIENT } } as const;
      expect(await client.relay(body)).to.equal(hash);
      expect(calls[0].url).to.equal("/api/relay");
      expect(calls[0].init?.method).to.equal("POST");
      const refused = await client.relay({ ...body, args: { patient: READER } }).catch((e: unknown) => e);
      expect((refused as GatewayError).code).to.equal("not_your_signature");
    });

    it("says the gateway cannot be reached when the network fails", async function () {
      const client = createGatewayClient({
        fetch: (async () => {
          throw new TypeError("fetch failed");
        }) as typeof globalThis.fetch,
      });
      const error = await client.nonce().catch((e: unknown) => e);
      expect((error as GatewayError).code).to.equal("unreachable");
      expect((error as GatewayError).message).to.equal("The gateway cannot be reached.");
    });
  });
  describe("withRetries", function () {
    const failure = (status: number, retryAfter?: number) =>
      new GatewayError({ status, code: "x", message: "x", retryAfter });

    it("retries a busy, failing or lagging gateway after each planned delay, then succeeds", async function () {
      const slept: number[] = [];
      const errors = [failure(503), failure(429, 3), failure(404)];
      let calls = 0;
      const result = await withRetries(
        async () => {
          calls++;
          const error = errors.shift();
          if (error) throw error;
          return "linked";
        },
        [1_000, 2_000, 4_000],
        async (ms) => void slept.push(ms),
      );
      expect(result).to.equal("linked");
      expect(calls).to.equal(4);
      // The 429's Retry-After (3 s) outweighs the planned 2 s.
      expect(slept).to.deep.equal([1_000, 3_000, 4_000]);
    });

    it("gives up after the last delay with the last error, and never retries a refusal (403, 401)", async function () {
      let calls = 0;
      const always503 = () => {
        calls++;
        return Promise.reject(failure(503));
      };
      const error = await withRetries(always503, [1, 1], async () => undefined).catch((e: unknown) => e);
      expect(calls).to.equal(3);
      expect((error as GatewayError).status).to.equal(503);
      for (const status of [401, 403, 400]) {
        calls = 0;
        const refused = await withRetries(
          () => {
            calls++;
            return Promise.reject(failure(status));
          },
          [1, 1],
          async () => undefined,
        ).catch((e: unknown) => e);
        expect(calls, `status ${status}`).to.equal(1);
        expect((refused as GatewayError).status).to.equal(status);
      }
    });
  });
});
