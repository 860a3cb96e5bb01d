// The gas-free relay's pure parts: the request parser, the daily quotas' arithmetic, and the relayer's account.
import { expect } from "chai";
import { readAccount, readGatewayConfig, RELAY_DEFAULTS, type RelayQuota } from "@/server/gateway/config";
import { GatewayError } from "@/server/gateway/http/errors";
import {
  clientDeploymentProblem,
  DAY_MS,
  deploymentClientOf,
  quotaProblem,
  secondsUntilNextUtcDay,
  utcDayOf,
} from "@/server/gateway/relay/relayQuota";
import { parseRelayRequest } from "@/server/gateway/relay/relayRequest";

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

/** The refusal parseRelayRequest threw (fails the test if it accepted the body). */
function refusal(body: unknown): { status: number; error: string; message: string } {
  try {
    parseRelayRequest(body);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { status: error.status, error: error.code, message: error.message };
  }
  return expect.fail(`accepted ${JSON.stringify(body)}`);
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
    });
  });

  describe("the relayer's account (RELAYER_PRIVATE_KEY)", function () {
    const relayer = (env: Record<string, string | undefined>, isLocalChain: boolean) =>
      readAccount(env, "RELAYER_PRIVATE_KEY", ACCOUNT_9_KEY, isLocalChain)?.address;

    it("is Hardhat account #9 on the local chain when no key is set, and in the gateway's configuration", function () {
      for (const env of [{}, { RELAYER_PRIVATE_KEY: "" }, { RELAYER_PRIVATE_KEY: "  " }]) {
        expect(relayer(env, true), JSON.stringify(env)).to.equal(ACCOUNT_9);
      }
      expect(readGatewayConfig({}).relayerAccount?.address).to.equal(ACCOUNT_9);
    });

    it("is not configured off the local chain without a key (the relay answers 503 relayer_not_configured)", function () {
      for (const env of [{}, { RELAYER_PRIVATE_KEY: "" }, { RELAYER_PRIVATE_KEY: "  " }]) {
        expect(relayer(env, false), JSON.stringify(env)).to.equal(undefined);
      }
    });

    it("uses RELAYER_PRIVATE_KEY when set, with or without 0x and surrounding spaces, on any chain", function () {
      for (const key of [ACCOUNT_0_KEY, `0x${ACCOUNT_0_KEY}`, ` 0x${ACCOUNT_0_KEY}\n`]) {
        for (const isLocalChain of [true, false]) {
          expect(
            relayer({ RELAYER_PRIVATE_KEY: key }, isLocalChain),
            `${JSON.stringify(key)} ${isLocalChain}`,
          ).to.equal(ACCOUNT_0);
        }
      }
    });

    it("refuses a malformed key, naming the variable, rather than falling back to the local account", function () {
      const malformed = [
        "0x1234",
        `0x${ACCOUNT_0_KEY}00`,
        `0x${ACCOUNT_0_KEY.slice(0, 63)}g`,
        "correct horse battery staple",
        `0X${ACCOUNT_0_KEY}`,
      ];
      for (const key of malformed) {
        for (const isLocalChain of [true, false]) {
          expect(() => relayer({ RELAYER_PRIVATE_KEY: key }, isLocalChain), key).to.throw(
            "MedConsent gateway configuration: RELAYER_PRIVATE_KEY is not a 32-byte hex key.",
          );
        }
      }
    });
  });

  describe("daily quotas", function () {
    const quota: RelayQuota = { perAccount: 2, total: 5, gasBudget: 300_000, deployments: 3, deploymentsPerIp: 2 };
    const fresh = { accountRelays: 0, totalRelays: 0, totalGas: 0, deployments: 0, clientDeployments: 0 };

    it("defaults to 20 a patient, 2,000 for everyone and gas for those at ~100,000 each, all configurable", function () {
      expect(RELAY_DEFAULTS).to.deep.equal({
        perAccount: 20,
        total: 2_000,
        gasBudget: 200_000_000,
        deployments: 200,
        deploymentsPerIp: 3,
      });
      expect(readGatewayConfig({}).relayQuota).to.deep.equal(RELAY_DEFAULTS);
      expect(
        readGatewayConfig({ RELAY_DAILY_PER_ACCOUNT: "3", RELAY_DAILY_TOTAL: "40", RELAY_DAILY_GAS_BUDGET: "900000" })
          .relayQuota,
      ).to.deep.equal({ perAccount: 3, total: 40, gasBudget: 900_000, deployments: 200, deploymentsPerIp: 3 });
      expect(readGatewayConfig({ RELAY_DAILY_DEPLOYMENTS: "7" }).relayQuota.deployments).to.equal(7);
      expect(readGatewayConfig({ RELAY_DAILY_DEPLOYMENTS_PER_IP: "5" }).relayQuota.deploymentsPerIp).to.equal(5);
      expect(readGatewayConfig({ RELAY_DAILY_DEPLOYMENTS_PER_IP: "0" }).relayQuota.deploymentsPerIp).to.equal(0);
      for (const name of [
        "RELAY_DAILY_PER_ACCOUNT",
        "RELAY_DAILY_TOTAL",
        "RELAY_DAILY_GAS_BUDGET",
        "RELAY_DAILY_DEPLOYMENTS",
        "RELAY_DAILY_DEPLOYMENTS_PER_IP",
      ]) {
        expect(() => readGatewayConfig({ [name]: "-1" })).to.throw(name);
        expect(() => readGatewayConfig({ [name]: "lots" })).to.throw(name);
      }
    });

    it("refuses a sponsored deployment once the day's deployments are spent, but not a relayed change", function () {
      expect(quotaProblem(quota, { ...fresh, deployments: 2 }, 100_000, "deployment")).to.equal(undefined);
      expect(quotaProblem(quota, { ...fresh, deployments: 3 }, 100_000, "deployment")).to.match(
        /^The gateway has set up today's 3 new passkey accounts\./,
      );
      expect(quotaProblem(quota, { ...fresh, deployments: 3 }, 100_000)).to.equal(undefined);
    });

    it("refuses a client address's deployment once it has asked for its own share today; 0 refuses every one", function () {
      expect(clientDeploymentProblem(quota, { ...fresh, clientDeployments: 1 })).to.equal(undefined);
      expect(clientDeploymentProblem(quota, { ...fresh, clientDeployments: 2 })).to.match(
        /^Today's 2 new passkey accounts from your network address have been set up\. Try again after midnight UTC/,
      );
      expect(clientDeploymentProblem({ ...quota, deploymentsPerIp: 0 }, fresh)).to.not.equal(undefined);
    });

    it("keys a client address's deployments by an HMAC under the relayer's key, never the address itself", function () {
      const config = readGatewayConfig({});
      const key = config.deploymentClientKey!;
      const row = deploymentClientOf(key, "203.0.113.7");
      expect(row).to.match(/^\*deployments-ip:[A-Za-z0-9_-]{43}$/);
      expect(row).to.not.include("203.0.113.7");
      expect(deploymentClientOf(key, "203.0.113.7")).to.equal(row);
      expect(deploymentClientOf(key, "203.0.113.8")).to.not.equal(row);
      const otherRelayer = readGatewayConfig({ RELAYER_PRIVATE_KEY: ACCOUNT_0_KEY }).deploymentClientKey!;
      expect(deploymentClientOf(otherRelayer, "203.0.113.7")).to.not.equal(row);
      // Derived from the relayer's key, not the key itself.
      expect(Buffer.from(key).toString("hex")).to.not.equal(ACCOUNT_9_KEY.slice(2));
    });

    it("allows a relay while every quota has room for it", function () {
      expect(quotaProblem(quota, fresh, 100_000)).to.equal(undefined);
      expect(quotaProblem(quota, { ...fresh, accountRelays: 1, totalRelays: 4, totalGas: 200_000 }, 100_000)).to.equal(
        undefined,
      );
    });

    it("refuses the account's next relay once it has used its own quota, and says what to do instead", function () {
      expect(quotaProblem(quota, { ...fresh, accountRelays: 2, totalRelays: 2 })).to.equal(
        "You have used today's 2 gas-free changes. You can still send it from your own wallet (you pay the network " +
          "fee), or use the gas-free way again after midnight UTC.",
      );
    });

    it("refuses everyone once the day's total is used", function () {
      expect(quotaProblem(quota, { ...fresh, totalRelays: 5 })).to.match(
        /^The gas-free relay has sent today's 5 changes for everyone\./,
      );
    });

    it("refuses a relay whose gas would go over the day's budget, counting its own estimate", function () {
      expect(quotaProblem(quota, { ...fresh, totalRelays: 1, totalGas: 200_000 }, 100_000)).to.equal(undefined);
      expect(quotaProblem(quota, { ...fresh, totalRelays: 1, totalGas: 200_001 }, 100_000)).to.match(
        /^The gas-free relay has spent today's gas budget\./,
      );
      expect(quotaProblem({ ...quota, gasBudget: 0 }, fresh, 1)).to.not.equal(undefined);
    });

    it("counts per UTC day and says in whole seconds, at least 1, when the next day starts", function () {
      const midnight = Date.UTC(2026, 0, 15);
      expect(utcDayOf(midnight)).to.equal(utcDayOf(midnight + DAY_MS - 1));
      expect(utcDayOf(midnight + DAY_MS)).to.equal(utcDayOf(midnight) + 1);
      expect(secondsUntilNextUtcDay(midnight)).to.equal(86_400);
      expect(secondsUntilNextUtcDay(midnight + DAY_MS - 30_000)).to.equal(30);
      expect(secondsUntilNextUtcDay(midnight + DAY_MS - 1)).to.equal(1);
      expect(secondsUntilNextUtcDay(midnight + 1)).to.equal(86_400);
    });
  });
});
