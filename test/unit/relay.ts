import { expect } from "chai";
import {
  RATE_LIMIT,
  RateLimiter,
  parseRelayRequest,
  relay,
  relayerAccount,
  type RelayResponse,
} from "../../app/_server/relay";

const ALICE = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const NORTHSIDE = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const SIGNATURE = `0x${"1b".repeat(65)}`;
/** Hardhat test account #9. */
const ACCOUNT_9 = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
const ACCOUNT_9_KEY = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
/** Hardhat test account #0. */
const ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ACCOUNT_0_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const grantArgs = {
  patient: ALICE,
  grantee: NORTHSIDE,
  categories: "20",
  actions: "1",
  purposes: "1",
  expiresAt: "1798156799",
  deadline: "1768471200",
  signature: SIGNATURE,
};
const revokeArgs = { patient: ALICE, grantee: NORTHSIDE, deadline: "1768471200", signature: SIGNATURE };

const grantWith = (overrides: Record<string, unknown>) => ({
  function: "grantConsentBySig",
  args: { ...grantArgs, ...overrides },
});

/** The refusal parseRelayRequest returned (fails the test if it accepted the body). */
function refusal(body: unknown): { status: number; error: string; message: string } {
  const result = parseRelayRequest(body);
  if (!("status" in result)) expect.fail(`accepted ${JSON.stringify(body)}`);
  const response = result as RelayResponse;
  if (!("error" in response.body)) expect.fail("a refusal without an error");
  return { status: response.status, ...(response.body as { error: string; message: string }) };
}

describe("relay (the gas-free relay's pure parts)", function () {
  describe("parseRelayRequest", function () {
    describe("Validations", function () {
      it("refuses a body that is not a JSON object", function () {
        for (const body of [undefined, null, "grantConsentBySig", 42, true, [grantArgs]]) {
          expect(refusal(body), JSON.stringify(body)).to.deep.equal({
            status: 400,
            error: "bad_request",
            message: 'The body must be a JSON object: { "function": "...", "args": { ... } }.',
          });
        }
      });

      it("asks which function to relay when it is missing, empty or not a string", function () {
        for (const body of [
          { args: revokeArgs },
          { function: "", args: revokeArgs },
          { function: 7, args: revokeArgs },
        ]) {
          expect(refusal(body), JSON.stringify(body)).to.deep.equal({
            status: 400,
            error: "bad_request",
            message: 'Say which function to relay in "function" (a string).',
          });
        }
      });

      it("relays nothing but the two signed consent changes, and says so", function () {
        for (const functionName of [
          "grantConsent",
          "revokeConsent",
          "setDelegate",
          "breakGlass",
          "useNonce",
          "addRecord",
        ]) {
          const { status, error, message } = refusal({ function: functionName, args: {} });
          expect(status).to.equal(400);
          expect(error).to.equal("not_relayable");
          expect(message).to.equal(
            "This relay only submits patients' signed consent changes (grantConsentBySig and revokeConsentBySig of " +
              `the ConsentRegistry), so the patient pays no gas. It does not relay "${functionName}": send that ` +
              "transaction from your own wallet.",
          );
        }
      });

      it("wants the arguments as an object", function () {
        for (const args of [undefined, null, "patient", [ALICE, NORTHSIDE]]) {
          expect(refusal({ function: "revokeConsentBySig", args }), JSON.stringify(args)).to.deep.equal({
            status: 400,
            error: "bad_request",
            message: '"args" must be an object of named arguments, each a string.',
          });
        }
      });

      it("lists the function's arguments with the missing and the unknown ones", function () {
        const { signature: _omitted, ...withoutSignature } = revokeArgs;
        expect(refusal({ function: "revokeConsentBySig", args: withoutSignature })).to.deep.equal({
          status: 400,
          error: "bad_request",
          message: "revokeConsentBySig takes the arguments patient, grantee, deadline, signature (missing signature).",
        });
        expect(refusal({ function: "revokeConsentBySig", args: { ...revokeArgs, nonce: "0" } }).message).to.equal(
          "revokeConsentBySig takes the arguments patient, grantee, deadline, signature (unknown nonce).",
        );
        expect(refusal({ function: "grantConsentBySig", args: revokeArgs }).message).to.equal(
          "grantConsentBySig takes the arguments patient, grantee, categories, actions, purposes, expiresAt, " +
            "deadline, signature (missing categories, actions, purposes, expiresAt).",
        );
        expect(
          refusal({ function: "revokeConsentBySig", args: { patient: ALICE, grantee: NORTHSIDE, to: ALICE } }).message,
        ).to.equal(
          "revokeConsentBySig takes the arguments patient, grantee, deadline, signature " +
            "(missing deadline, signature; unknown to).",
        );
      });

      it("wants every argument as a string", function () {
        expect(refusal(grantWith({ actions: 1 }))).to.deep.equal({
          status: 400,
          error: "bad_request",
          message: '"actions" must be a string.',
        });
        expect(refusal(grantWith({ categories: 20 })).message).to.equal('"categories" must be a string.');
        expect(refusal(grantWith({ signature: null })).message).to.equal('"signature" must be a string.');
      });

      it("refuses a malformed address or a mixed-case address with a bad checksum", function () {
        const message = '"grantee" must be a 0x-prefixed address (with a valid checksum if mixed-case).';
        for (const grantee of ["", "0x1234", NORTHSIDE.slice(2), `${NORTHSIDE}00`, NORTHSIDE.replace("C44", "c44")]) {
          expect(refusal(grantWith({ grantee })), grantee).to.deep.equal({
            status: 400,
            error: "bad_request",
            message,
          });
        }
        expect(refusal(grantWith({ patient: "alice.eth" })).message).to.equal(
          '"patient" must be a 0x-prefixed address (with a valid checksum if mixed-case).',
        );
      });

      it("refuses a signature that is not whole 0x-prefixed bytes", function () {
        for (const signature of ["", "0x", "0xabc", "1b".repeat(65), `0x${"zz".repeat(65)}`]) {
          expect(refusal(grantWith({ signature })), signature).to.deep.equal({
            status: 400,
            error: "bad_request",
            message: '"signature" must be 0x-prefixed hex bytes.',
          });
        }
      });

      it("wants whole numbers in decimal", function () {
        for (const deadline of ["", "-1", "1.5", "1e9", "0x10", " 10", "ten"]) {
          expect(refusal(grantWith({ deadline })), JSON.stringify(deadline)).to.deep.equal({
            status: 400,
            error: "bad_request",
            message: '"deadline" must be a whole number written in decimal.',
          });
        }
        expect(refusal(grantWith({ deadline: "1".repeat(79) })).message).to.equal(
          '"deadline" must be a whole number written in decimal.',
        );
      });

      it("refuses a number too large for its ABI type", function () {
        expect(refusal(grantWith({ actions: "256" }))).to.deep.equal({
          status: 400,
          error: "bad_request",
          message: '"actions" is too large for a uint8.',
        });
        expect(refusal(grantWith({ expiresAt: String(2n ** 40n) })).message).to.equal(
          '"expiresAt" is too large for a uint40.',
        );
        expect(refusal(grantWith({ categories: String(2n ** 64n) })).message).to.equal(
          '"categories" is too large for a uint64.',
        );
        expect(refusal(grantWith({ deadline: String(2n ** 256n) })).message).to.equal(
          '"deadline" is too large for a uint256.',
        );
      });
    });

    describe("Effects", function () {
      it("converts a grant's named strings to the function's ABI types, in the ABI's order", function () {
        const body = { function: "grantConsentBySig", args: { ...grantArgs, patient: ALICE.toLowerCase() } };
        expect(parseRelayRequest(body)).to.deep.equal({
          functionName: "grantConsentBySig",
          args: [ALICE, NORTHSIDE, 20n, 1, 1, 1798156799, 1768471200n, SIGNATURE],
          patient: ALICE,
        });
      });

      it("accepts the largest value of each type and a revoke in any key order", function () {
        const largest = parseRelayRequest(
          grantWith({
            categories: String(2n ** 64n - 1n),
            actions: "255",
            expiresAt: String(2n ** 40n - 1n),
            deadline: String(2n ** 256n - 1n),
          }),
        );
        expect("args" in largest && largest.args.slice(2, 7)).to.deep.equal([
          2n ** 64n - 1n,
          255,
          1,
          2 ** 40 - 1,
          2n ** 256n - 1n,
        ]);
        const revoke = {
          function: "revokeConsentBySig",
          args: { signature: SIGNATURE, deadline: "0", grantee: NORTHSIDE.toLowerCase(), patient: ALICE },
        };
        expect(parseRelayRequest(revoke)).to.deep.equal({
          functionName: "revokeConsentBySig",
          args: [ALICE, NORTHSIDE, 0n, SIGNATURE],
          patient: ALICE,
        });
      });

      it("answers a bad body without reaching for the chain", async function () {
        expect(await relay(undefined, "203.0.113.7")).to.deep.equal({
          status: 400,
          body: {
            error: "bad_request",
            message: 'The body must be a JSON object: { "function": "...", "args": { ... } }.',
          },
          headers: undefined,
        });
        expect((await relay({ function: "grantConsent", args: {} }, "203.0.113.7")).body).to.have.property(
          "error",
          "not_relayable",
        );
      });
    });
  });

  describe("RateLimiter", function () {
    const T0 = 1_768_469_400_000;
    const newLimiter = () => new RateLimiter(RATE_LIMIT.requests, RATE_LIMIT.windowMs);

    it("allows 10 requests a minute per key", function () {
      expect(RATE_LIMIT).to.deep.equal({ requests: 10, windowMs: 60_000 });
      const limiter = newLimiter();
      for (let i = 0; i < 10; i++)
        expect(limiter.take(["ip:a"], T0 + i * 100), `request ${i + 1}`).to.deep.equal({ allowed: true });
      expect(limiter.take(["ip:a"], T0 + 1000)).to.deep.equal({ allowed: false, retryAfter: 59 });
    });

    it("says in whole seconds, at least 1, when the oldest request leaves the window", function () {
      const limiter = newLimiter();
      for (let i = 0; i < 10; i++) limiter.take(["ip:a"], T0);
      expect(limiter.take(["ip:a"], T0)).to.deep.equal({ allowed: false, retryAfter: 60 });
      expect(limiter.take(["ip:a"], T0 + 500)).to.deep.equal({ allowed: false, retryAfter: 60 });
      expect(limiter.take(["ip:a"], T0 + 30_000)).to.deep.equal({ allowed: false, retryAfter: 30 });
      expect(limiter.take(["ip:a"], T0 + 59_999)).to.deep.equal({ allowed: false, retryAfter: 1 });
      expect(limiter.take(["ip:a"], T0 + 60_000)).to.deep.equal({ allowed: true });
    });

    it("frees one slot at a time as the window slides", function () {
      const limiter = newLimiter();
      for (let i = 0; i < 10; i++) limiter.take(["ip:a"], T0 + i * 1000);
      expect(limiter.take(["ip:a"], T0 + 60_000)).to.deep.equal({ allowed: true });
      expect(limiter.take(["ip:a"], T0 + 60_000)).to.deep.equal({ allowed: false, retryAfter: 1 });
      expect(limiter.take(["ip:a"], T0 + 61_000)).to.deep.equal({ allowed: true });
    });

    it("starts afresh after a quiet minute", function () {
      const limiter = newLimiter();
      for (let i = 0; i < 10; i++) limiter.take(["ip:a"], T0);
      for (let i = 0; i < 10; i++) expect(limiter.take(["ip:a"], T0 + 120_000 + i)).to.deep.equal({ allowed: true });
      expect(limiter.take(["ip:a"], T0 + 120_010).allowed).to.equal(false);
    });

    it("counts each key on its own, and limits a patient across network addresses", function () {
      const limiter = newLimiter();
      for (let i = 0; i < 10; i++) limiter.take([`ip:${i}`, "patient:alice"], T0);
      expect(limiter.take(["ip:fresh", "patient:bob"], T0)).to.deep.equal({ allowed: true });
      expect(limiter.take(["ip:fresh", "patient:alice"], T0 + 10_000)).to.deep.equal({
        allowed: false,
        retryAfter: 50,
      });
    });

    it("does not charge a refused request to the keys that were still under the limit", function () {
      const limiter = newLimiter();
      for (let i = 0; i < 10; i++) limiter.take(["patient:alice"], T0);
      for (let i = 0; i < 5; i++) expect(limiter.take(["ip:a", "patient:alice"], T0).allowed).to.equal(false);
      for (let i = 0; i < 10; i++) expect(limiter.take(["ip:a", "patient:bob"], T0).allowed).to.equal(true);
      expect(limiter.take(["ip:a", "patient:carol"], T0).allowed).to.equal(false);
    });
  });

  describe("relayerAccount", function () {
    it("uses Hardhat account #9 on the local chain when no key is set", function () {
      for (const env of [{}, { RELAYER_PRIVATE_KEY: "" }, { RELAYER_PRIVATE_KEY: "  " }]) {
        const account = relayerAccount(env, true);
        expect("address" in account && account.address, JSON.stringify(env)).to.equal(ACCOUNT_9);
      }
    });

    it("is not configured off the local chain without a key, and says how to set it up", function () {
      for (const env of [{}, { RELAYER_PRIVATE_KEY: "" }, { RELAYER_PRIVATE_KEY: "  " }]) {
        expect(relayerAccount(env, false), JSON.stringify(env)).to.deep.equal({
          problem:
            "The gas-free relay is not set up on this server: set RELAYER_PRIVATE_KEY to the private key of a " +
            "funded account. You can still send the transaction from your own wallet.",
        });
      }
    });

    it("uses RELAYER_PRIVATE_KEY when set, with or without 0x and surrounding spaces, on any chain", function () {
      for (const key of [ACCOUNT_0_KEY, `0x${ACCOUNT_0_KEY}`, ` 0x${ACCOUNT_0_KEY}\n`]) {
        for (const isLocalChain of [true, false]) {
          const account = relayerAccount({ RELAYER_PRIVATE_KEY: key }, isLocalChain);
          expect("address" in account && account.address, `${JSON.stringify(key)} ${isLocalChain}`).to.equal(ACCOUNT_0);
        }
      }
      const account = relayerAccount({ RELAYER_PRIVATE_KEY: ACCOUNT_9_KEY }, false);
      expect("address" in account && account.address).to.equal(ACCOUNT_9);
    });

    it("refuses a malformed key rather than falling back to the local account", function () {
      const malformed = [
        "0x1234",
        `0x${ACCOUNT_0_KEY}00`,
        `0x${ACCOUNT_0_KEY.slice(0, 63)}g`,
        "correct horse battery staple",
        `0X${ACCOUNT_0_KEY}`,
      ];
      for (const key of malformed) {
        for (const isLocalChain of [true, false]) {
          expect(relayerAccount({ RELAYER_PRIVATE_KEY: key }, isLocalChain), key).to.deep.equal({
            problem: "RELAYER_PRIVATE_KEY is not a 32-byte hex private key, so the gas-free relay is off.",
          });
        }
      }
    });
  });
});
