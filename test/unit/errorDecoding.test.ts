import { expect } from "chai";
import {
  BaseError,
  ContractFunctionRevertedError,
  RpcRequestError,
  UserRejectedRequestError,
  encodeErrorResult,
  type Abi,
} from "viem";
import { abis } from "@/lib/contracts/deployedContracts";
import { explainError } from "@/lib/accessErrors";
import { parseCategories } from "@/lib/consentCodes";
import { decodeRevert } from "@/lib/decodeRevert";
import { describeFailure } from "@/app/_lib/txErrors";

const PATIENT = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const CLINIC = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
/** A sample argument of each non-numeric ABI type the contracts' errors use (addresses: PATIENT). */
const SAMPLE_BY_TYPE: Record<string, unknown> = {
  bytes1: "0xab",
  bytes32: `0x${"ab".repeat(32)}`,
  bytes: "0xabcdef",
  string: "sample",
};

describe("error decoding", function () {
  it("explains every custom error of the contracts in words, not as a generic fallback", function () {
    const registryErrors = [
      ...abis.ConsentRegistry,
      ...abis.ProviderRegistry,
      ...abis.RecordRegistry,
      ...abis.KeyDirectory,
      ...abis.DisclosureLog,
    ].flatMap((item) =>
      item.type === "error" && /^(Access|Consent|Provider|Record|KeyDirectory|DisclosureLog)/.test(item.name)
        ? [item]
        : [],
    );
    // Every error a passkey account or its factory can raise, OpenZeppelin's included, is shown to patients too.
    const accountErrors = [...abis.PatientAccount, ...abis.PatientAccountFactory].flatMap((item) =>
      item.type === "error" ? [item] : [],
    );
    const errors = [...registryErrors, ...accountErrors];
    expect(errors.length).to.be.greaterThan(55);
    for (const error of errors) {
      const args =
        error.type === "error"
          ? error.inputs.map((input) =>
              input.type.startsWith("uint") ? 1n : input.type === "bytes32" ? `0x${"ab".repeat(32)}` : PATIENT,
            )
          : [];
      expect(explainError(error.name, args), error.name).to.not.match(/refused the request/);
    }
  });

  it("explains the refusals of issue 10's rules with their arguments", function () {
    const at = Date.UTC(2026, 0, 15, 10, 30) / 1000;
    expect(explainError("ConsentSignatureDeadlineTooFar", [BigInt(at + 60), BigInt(at)])).to.equal(
      "A signature may be used at most one hour before its deadline: this one's is later than " +
        "Thu, 15 Jan 2026 10:30:00 GMT. Sign again with a deadline within the hour (check that your computer's clock " +
        "is right).",
    );
    expect(explainError("ConsentEmergencyAccessAlreadyOpen", [PATIENT, CLINIC, BigInt(at)])).to.equal(
      "Your emergency access to this patient is still open until Thu, 15 Jan 2026 10:30:00 GMT: it cannot be " +
        "renewed before it ends.",
    );
    expect(explainError("DisclosureLogBatchTooLarge", [4n, 2n ** 64n - 1n, 2n ** 20n])).to.equal(
      "A disclosure batch may cover at most 1048576 entries: 4 to 18446744073709551615 is more. Anchor it in " +
        "smaller batches.",
    );
    expect(explainError("DisclosureLogSequenceExhausted", [2n ** 64n - 1n])).to.equal(
      "A disclosure batch cannot end at 18446744073709551615, the last sequence number there is: no batch could " +
        "follow it.",
    );
    expect(explainError("ConsentUnauthorizedDelegate", [PATIENT, CLINIC])).to.match(/revoking everything removes/);
  });

  it("names the missing categories of AccessCategoryNotGranted", function () {
    expect(explainError("AccessCategoryNotGranted", [parseCategories("imaging,lab-results")])).to.equal(
      "The consent does not cover lab results and imaging.",
    );
  });

  it("decodes a revert into the contract's error in plain words", function () {
    const data = encodeErrorResult({ abi: abis.ConsentRegistry, errorName: "ConsentNotLive", args: [PATIENT, CLINIC] });
    const reverted = new ContractFunctionRevertedError({
      abi: abis.ConsentRegistry,
      data,
      functionName: "revokeConsent",
    });
    const failure = describeFailure(new BaseError("wrapped", { cause: reverted }));
    expect(failure).to.deep.equal({
      kind: "reverted",
      errorName: "ConsentNotLive",
      message: "There is no active consent to revoke (never given, already revoked, or expired).",
    });
  });

  it("treats a user's rejection as a calm notice, whether viem's error or a raw EIP-1193 code 4001", function () {
    expect(describeFailure(new UserRejectedRequestError(new Error("no"))).kind).to.equal("rejected");
    expect(describeFailure(Object.assign(new Error("User rejected"), { code: 4001 })).kind).to.equal("rejected");
    expect(describeFailure(new Error("network down"))).to.deep.equal({ kind: "failed", message: "network down" });
  });

  describe("decodeRevert", function () {
    const notLive = encodeErrorResult({
      abi: abis.ConsentRegistry,
      errorName: "ConsentNotLive",
      args: [PATIENT, CLINIC],
    });

    it("decodes every custom error of the contracts, by name and with its arguments", function () {
      for (const [contract, abi] of Object.entries(abis)) {
        for (const item of abi as Abi) {
          if (item.type !== "error") continue;
          const args = item.inputs.map((input) =>
            input.type.startsWith("uint") ? 7n : (SAMPLE_BY_TYPE[input.type] ?? PATIENT),
          );
          const data = encodeErrorResult({ abi: [item], errorName: item.name, args });
          expect(decodeRevert({ data }), `${contract}.${item.name}`).to.deep.equal({ errorName: item.name, args });
        }
      }
    });

    it("finds the revert data anywhere in a viem error's cause chain", function () {
      const reverted = new ContractFunctionRevertedError({
        abi: abis.ConsentRegistry,
        data: notLive,
        functionName: "revokeConsent",
      });
      const expected = { errorName: "ConsentNotLive", args: [PATIENT, CLINIC] };
      expect(
        decodeRevert(new BaseError("outer", { cause: new BaseError("middle", { cause: reverted }) })),
      ).to.deep.equal(expected);
      // A node's JSON-RPC error, as eth_call and eth_estimateGas report a revert: the data on the RPC error.
      const rpc = new RpcRequestError({
        body: {},
        url: "http://127.0.0.1:8545",
        error: { code: 3, message: "reverted", data: notLive },
      });
      expect(decodeRevert(new BaseError("call failed", { cause: rpc }))).to.deep.equal(expected);
      // An EIP-1193 provider's plain error, the data directly or nested under `data`.
      expect(decodeRevert({ code: 3, data: notLive })).to.deep.equal(expected);
      expect(decodeRevert({ code: -32603, data: { data: notLive } })).to.deep.equal(expected);
    });

    it("decodes a revert of a contract other than the one called (a DisclosureLog error)", function () {
      const data = encodeErrorResult({
        abi: abis.DisclosureLog,
        errorName: "DisclosureLogSequenceExhausted",
        args: [2n ** 64n - 1n],
      });
      expect(
        decodeRevert(
          new BaseError("x", { cause: new ContractFunctionRevertedError({ abi: [], data, functionName: "anchor" }) }),
        ),
      ).to.deep.equal({
        errorName: "DisclosureLogSequenceExhausted",
        args: [2n ** 64n - 1n],
      });
    });

    it("is undefined without revert data, for an empty revert, and for an error none of the contracts has", function () {
      expect(decodeRevert(new Error("network down"))).to.equal(undefined);
      expect(decodeRevert(new BaseError("timeout"))).to.equal(undefined);
      expect(decodeRevert(undefined)).to.equal(undefined);
      expect(decodeRevert({ data: "0x" })).to.equal(undefined);
      expect(decodeRevert({ data: "0xdeadbeef" })).to.equal(undefined);
    });

    it("gives describeFailure a revert found outside a ContractFunctionRevertedError", function () {
      const failure = describeFailure(
        new BaseError("estimate failed", {
          cause: new RpcRequestError({
            body: {},
            url: "http://127.0.0.1:8545",
            error: { code: 3, message: "reverted", data: notLive },
          }),
        }),
      );
      expect(failure).to.deep.equal({
        kind: "reverted",
        errorName: "ConsentNotLive",
        message: "There is no active consent to revoke (never given, already revoked, or expired).",
      });
    });
  });
});
