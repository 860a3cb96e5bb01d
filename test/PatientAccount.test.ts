// PatientAccount and PatientAccountFactory: a patient without a wallet, whose passkeys (WebAuthn, P-256) sign consents
// through ERC-1271 (ERC-7739) and act as msg.sender through a relayed, signed execution.
import { impersonateAccount, loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import {
  createPublicClient,
  custom,
  encodeAbiParameters,
  hashMessage,
  numberToHex,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { hardhat } from "viem/chains";
import { Action, Purpose, DAY, HOUR, YEAR } from "@/harness/contracts/codes";
import { CLINIC_TERMS } from "@/harness/contracts/fixtures";
import {
  chainIdOf,
  passkeyAccountFixture,
  signExecution,
  signGrantWithPasskey,
  signMessageWithPasskey,
  signRevokeWithPasskey,
  type PasskeyContext,
} from "@/harness/contracts/passkeyFixtures";
import { latestTime } from "@/harness/contracts/time";
import { SoftPasskey } from "@/harness/softPasskey";
import { grantTypedData } from "@/lib/consentSignatures";
import {
  encodeCalls,
  executeChallenge,
  P256_N,
  passkeySigner,
  passkeyTypedDataSignature,
  typedDataChallenge,
  type AccountCall,
} from "@/lib/passkey/webauthnSignature";
import { PatientAccount__factory, type PatientAccount } from "@/typechain-types";

const ERC1271_MAGIC = "0x1626ba7e";
const ENTRY_POINT_V08 = "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108";
const BATCH_MODE = "0x0100000000000000000000000000000000000000000000000000000000000000";

const call = (target: string, data: string, value = 0n): AccountCall => ({
  target: target as Address,
  value,
  data: data as Hex,
});
const selfCall = (account: string, fn: string, args: unknown[]) =>
  call(account, PatientAccount__factory.createInterface().encodeFunctionData(fn as "addPasskey", args as [Hex, Hex]));

async function grantArgs(grantee: string) {
  const now = await latestTime();
  return {
    args: {
      grantee: grantee as Address,
      categories: CLINIC_TERMS.categories,
      actions: CLINIC_TERMS.actions,
      purposes: CLINIC_TERMS.purposes,
      expiresAt: now + YEAR,
    },
    deadline: BigInt(now + HOUR / 2),
  };
}

/** A second account, controlled by a second passkey, to which the first account's passkey is then added too. */
async function twoAccountsFixture() {
  const base = await passkeyAccountFixture();
  const otherPasskey = new SoftPasskey();
  const otherAddress = (await base.factory.predictAddress(
    otherPasskey.publicKey.x,
    otherPasskey.publicKey.y,
  )) as Address;
  await base.factory.createAccount(otherPasskey.publicKey.x, otherPasskey.publicKey.y);
  const other = PatientAccount__factory.connect(otherAddress, base.sponsor);
  const otherCtx: PasskeyContext = { passkey: otherPasskey, verifier: base.verifier, address: otherAddress };
  // The first passkey now controls both accounts.
  await other.executeBySig(
    ...(await signExecution(
      otherCtx,
      other,
      [selfCall(otherAddress, "addPasskey", [base.passkey.publicKey.x, base.passkey.publicKey.y])],
      BigInt((await latestTime()) + HOUR),
    )),
  );
  return { ...base, otherAccount: other, otherCtx };
}

async function runSigned(ctx: PasskeyContext, account: PatientAccount, calls: AccountCall[]) {
  const deadline = BigInt((await latestTime()) + HOUR);
  return account.executeBySig(...(await signExecution(ctx, account, calls, deadline)));
}

describe("PatientAccountFactory", function () {
  it("deploys the account at the address predicted from the passkey, with that passkey", async function () {
    const { factory } = await loadFixture(passkeyAccountFixture);
    const passkey = new SoftPasskey();
    const predicted = await factory.predictAddress(passkey.publicKey.x, passkey.publicKey.y);
    expect(await ethers.provider.getCode(predicted)).to.equal("0x");
    await expect(factory.createAccount(passkey.publicKey.x, passkey.publicKey.y))
      .to.emit(factory, "PatientAccountCreated")
      .withArgs(predicted, passkey.publicKey.x, passkey.publicKey.y);
    const account = PatientAccount__factory.connect(predicted, ethers.provider);
    expect(await account.isPasskey(passkey.publicKey.x, passkey.publicKey.y)).to.equal(true);
    expect(await account.getSignerCount()).to.equal(1n);
    expect(await account.threshold()).to.equal(1n);
    expect(await account.webAuthnVerifier()).to.equal(await factory.implementation());
  });

  it("returns the existing account on a second call, without reverting or emitting", async function () {
    const { factory, passkey, address, sponsor } = await loadFixture(passkeyAccountFixture);
    expect(await factory.createAccount.staticCall(passkey.publicKey.x, passkey.publicKey.y)).to.equal(address);
    await expect(factory.connect(sponsor).createAccount(passkey.publicKey.x, passkey.publicKey.y)).to.not.emit(
      factory,
      "PatientAccountCreated",
    );
  });

  it("gives different passkeys different addresses", async function () {
    const { factory, passkey } = await loadFixture(passkeyAccountFixture);
    const other = new SoftPasskey();
    expect(await factory.predictAddress(other.publicKey.x, other.publicKey.y)).to.not.equal(
      await factory.predictAddress(passkey.publicKey.x, passkey.publicKey.y),
    );
  });

  it("refuses a key that is not a P-256 point", async function () {
    const { factory } = await loadFixture(passkeyAccountFixture);
    const implementation = PatientAccount__factory.connect(await factory.implementation(), ethers.provider);
    await expect(factory.createAccount(ethers.ZeroHash, ethers.ZeroHash))
      .to.be.revertedWithCustomError(implementation, "PatientAccountInvalidPasskey")
      .withArgs(ethers.ZeroHash, ethers.ZeroHash);
  });

  it("leaves the implementation unusable: it cannot be initialized, and only the zero address is its signer", async function () {
    const { factory, passkey } = await loadFixture(passkeyAccountFixture);
    const implementation = PatientAccount__factory.connect(await factory.implementation(), ethers.provider);
    await expect(
      implementation.initialize.staticCall(passkey.publicKey.x, passkey.publicKey.y),
    ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
    expect(await implementation.getSigners(0, 10)).to.deep.equal([zeroAddress.toLowerCase()]);
    // Naming its placeholder signer, with any assertion, is refused.
    const hash = ethers.id("anything") as Hex;
    const assertion = passkey.sign(hash);
    const { encodeWebAuthnAuth } = await import("@/lib/passkey/webauthnSignature");
    const signature = encodeAbiParameters(
      [{ type: "bytes[]" }, { type: "bytes[]" }],
      [[zeroAddress], [encodeWebAuthnAuth(assertion)]],
    );
    const digest = await implementation.executeDigest("0x", 0n, 0n);
    expect(digest).to.not.equal(ethers.ZeroHash);
    await expect(implementation.executeBySig.staticCall("0x", 0n, 2n ** 40n, signature)).to.be.revertedWithCustomError(
      implementation,
      "PatientAccountInvalidSignature",
    );
  });

  it("initializes an account only once", async function () {
    const { account, passkey } = await loadFixture(passkeyAccountFixture);
    await expect(account.initialize(passkey.publicKey.x, passkey.publicKey.y)).to.be.revertedWithCustomError(
      account,
      "InvalidInitialization",
    );
  });
});

describe("PatientAccount", function () {
  describe("ERC-1271 signatures for the ConsentRegistry", function () {
    it("grants through grantConsentBySig with a passkey signature, the account as patient", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      const { args, deadline } = await grantArgs(f.clinic.address);
      const signature = await signGrantWithPasskey(f, registry, args, 0n, deadline);
      await expect(
        f.consentRegistry
          .connect(f.relayer)
          .grantConsentBySig(
            f.address,
            args.grantee,
            args.categories,
            args.actions,
            args.purposes,
            args.expiresAt,
            deadline,
            signature,
          ),
      )
        .to.emit(f.consentRegistry, "ConsentGranted")
        .withArgs(f.address, args.grantee, args.categories, args.actions, args.purposes, args.expiresAt, f.address);
      expect(
        await f.consentRegistry.hasAccess(f.address, args.grantee, args.categories, Action.Read, Purpose.Treatment),
      ).to.equal(true);
    });

    it("revokes through revokeConsentBySig with a passkey signature", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      const { args, deadline } = await grantArgs(f.clinic.address);
      const grant = await signGrantWithPasskey(f, registry, args, 0n, deadline);
      await f.consentRegistry.grantConsentBySig(
        f.address,
        args.grantee,
        args.categories,
        args.actions,
        args.purposes,
        args.expiresAt,
        deadline,
        grant,
      );
      const revoke = await signRevokeWithPasskey(f, registry, args.grantee, 1n, deadline);
      await expect(f.consentRegistry.connect(f.relayer).revokeConsentBySig(f.address, args.grantee, deadline, revoke))
        .to.emit(f.consentRegistry, "ConsentRevoked")
        .withArgs(f.address, args.grantee, f.address);
    });

    /** Sends a grant with `signature` for the fixture's account; returns the transaction promise. */
    async function relayGrant(
      f: Awaited<ReturnType<typeof passkeyAccountFixture>>,
      args: Awaited<ReturnType<typeof grantArgs>>["args"],
      signature: Hex,
      deadline: bigint,
    ) {
      return f.consentRegistry
        .connect(f.relayer)
        .grantConsentBySig(
          f.address,
          args.grantee,
          args.categories,
          args.actions,
          args.purposes,
          args.expiresAt,
          deadline,
          signature,
        );
    }

    async function expectRefused(
      f: Awaited<ReturnType<typeof passkeyAccountFixture>>,
      args: Awaited<ReturnType<typeof grantArgs>>["args"],
      signature: Hex,
      deadline: bigint,
    ) {
      await expect(relayGrant(f, args, signature, deadline))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.address);
    }

    it("refuses a passkey that is not the account's", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      const { args, deadline } = await grantArgs(f.clinic.address);
      const stranger = new SoftPasskey();
      // Presented as itself, and presented as the account's passkey.
      await expectRefused(
        f,
        args,
        await signGrantWithPasskey({ ...f, passkey: stranger }, registry, args, 0n, deadline),
        deadline,
      );
      const typedData = grantTypedData({
        chainId: await chainIdOf(),
        consentRegistry: registry,
        patient: f.address,
        args,
        nonce: 0n,
        deadline,
      });
      const assertion = stranger.sign(
        typedDataChallenge(typedData, { chainId: await chainIdOf(), address: f.address }),
      );
      const claimed = passkeyTypedDataSignature(
        typedData,
        { verifier: f.verifier, publicKey: f.passkey.publicKey },
        assertion,
      );
      await expectRefused(f, args, claimed, deadline);
    });

    it("refuses a signature over another challenge (another nonce)", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const { args, deadline } = await grantArgs(f.clinic.address);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      await expectRefused(f, args, await signGrantWithPasskey(f, registry, args, 5n, deadline), deadline);
    });

    it("refuses a signature made for another chain", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const { args, deadline } = await grantArgs(f.clinic.address);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      await expectRefused(
        f,
        args,
        await signGrantWithPasskey(f, registry, args, 0n, deadline, { chainId: 1 }),
        deadline,
      );
    });

    it("refuses a signature made for another registry", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const { args, deadline } = await grantArgs(f.clinic.address);
      await expectRefused(f, args, await signGrantWithPasskey(f, f.address, args, 0n, deadline), deadline);
    });

    it("refuses a signature bound (ERC-7739) to another account of the same passkey", async function () {
      const f = await loadFixture(twoAccountsFixture);
      const { args, deadline } = await grantArgs(f.clinic.address);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      const forOther = await signGrantWithPasskey(f, registry, args, 0n, deadline, {
        challengeAccount: f.otherCtx.address,
      });
      await expectRefused(f, args, forOther, deadline);
    });

    it("refuses the high-s twin of a valid signature; the library normalises s to low-s", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const { args, deadline } = await grantArgs(f.clinic.address);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      const chainId = await chainIdOf();
      const typedData = grantTypedData({
        chainId,
        consentRegistry: registry,
        patient: f.address,
        args,
        nonce: 0n,
        deadline,
      });
      const assertion = f.passkey.sign(typedDataChallenge(typedData, { chainId, address: f.address }), { highS: true });
      expect(assertion.signature.s > P256_N / 2n).to.equal(true);
      // Encoded by hand, keeping s high: the account (OpenZeppelin P256) refuses it.
      const highAuth = encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "bytes" },
          { type: "string" },
        ],
        [
          numberToHex(assertion.signature.r, { size: 32 }),
          numberToHex(assertion.signature.s, { size: 32 }),
          BigInt((assertion.clientDataJSON as string).indexOf('"challenge"')),
          BigInt((assertion.clientDataJSON as string).indexOf('"type"')),
          assertion.authenticatorData as Hex,
          assertion.clientDataJSON as string,
        ],
      );
      const raw = encodeAbiParameters(
        [{ type: "bytes[]" }, { type: "bytes[]" }],
        [[passkeySigner(f.verifier, f.passkey.publicKey)], [highAuth]],
      );
      const { wrapTypedDataSignature } = await import("viem/experimental/erc7739");
      await expectRefused(f, args, wrapTypedDataSignature({ ...typedData, signature: raw }), deadline);
      // Through the library, the same assertion is normalised and accepted.
      const normalised = passkeyTypedDataSignature(
        typedData,
        { verifier: f.verifier, publicKey: f.passkey.publicKey },
        assertion,
      );
      await expect(relayGrant(f, args, normalised, deadline)).to.emit(f.consentRegistry, "ConsentGranted");
    });

    it("refuses an assertion without user verification (UV)", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const { args, deadline } = await grantArgs(f.clinic.address);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      await expectRefused(
        f,
        args,
        await signGrantWithPasskey(f, registry, args, 0n, deadline, { flags: 0x01 }),
        deadline,
      );
    });

    it("validates a personal_sign (SIWE) message, through viem's verifyMessage and isValidSignature", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const message = `localhost:3000 wants you to sign in with your Ethereum account:\n${f.address}\n\nSign in to MedConsent.`;
      const signature = await signMessageWithPasskey(f, message);
      expect(await f.account.isValidSignature(hashMessage(message), signature)).to.equal(ERC1271_MAGIC);
      const client = createPublicClient({ chain: hardhat, transport: custom(hre.network.provider) });
      expect(await client.verifyMessage({ address: f.address, message, signature })).to.equal(true);
      expect(await client.verifyMessage({ address: f.address, message: `${message} (changed)`, signature })).to.equal(
        false,
      );
      expect(await f.account.isValidSignature(hashMessage("another"), signature)).to.equal("0xffffffff");
    });
  });

  describe("executeBySig", function () {
    it("runs a batch as the account: a relayer pays, the account is msg.sender", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const key = ethers.id("x25519 public key of the patient");
      const calls = [
        call(await f.keyDirectory.getAddress(), f.keyDirectory.interface.encodeFunctionData("setEncryptionKey", [key])),
        call(
          await f.consentRegistry.getAddress(),
          f.consentRegistry.interface.encodeFunctionData("setEmergencyAccess", [false]),
        ),
      ];
      const tx = runSigned(f, f.account.connect(f.relayer), calls);
      await expect(tx).to.emit(f.account, "PatientAccountExecuted").withArgs(0n, f.relayer.address);
      await expect(tx).to.emit(f.keyDirectory, "EncryptionKeySet").withArgs(f.address, key);
      expect(await f.keyDirectory.encryptionKeyOf(f.address)).to.equal(key);
      expect(await f.consentRegistry.emergencyAccessAllowed(f.address)).to.equal(false);
      expect(await f.account.nonces(f.address)).to.equal(1n);
    });

    it("signs the digest the library computes", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const executionData = encodeCalls([call(f.address, "0x")]);
      expect(await f.account.executeDigest(executionData, 3n, 99n)).to.equal(
        executeChallenge({ chainId: await chainIdOf(), account: f.address, executionData, nonce: 3n, deadline: 99n }),
      );
    });

    it("refuses a passed deadline", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const deadline = BigInt((await latestTime()) + 60);
      const args = await signExecution(f, f.account, [call(f.address, "0x")], deadline);
      await time.increaseTo(deadline + 1n);
      await expect(f.account.executeBySig(...args))
        .to.be.revertedWithCustomError(f.account, "PatientAccountExpiredSignature")
        .withArgs(deadline);
    });

    it("works once: a replay, or another nonce, is refused", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const deadline = BigInt((await latestTime()) + HOUR);
      const args = await signExecution(f, f.account, [call(f.address, "0x")], deadline);
      await f.account.executeBySig(...args);
      await expect(f.account.executeBySig(...args))
        .to.be.revertedWithCustomError(f.account, "InvalidAccountNonce")
        .withArgs(f.address, 1n);
      const skipped = await signExecution(f, f.account, [call(f.address, "0x")], deadline, { nonce: 2n });
      await expect(f.account.executeBySig(...skipped)).to.be.revertedWithCustomError(f.account, "InvalidAccountNonce");
    });

    it("refuses another passkey, another chain, and another account's signature", async function () {
      const f = await loadFixture(twoAccountsFixture);
      const deadline = BigInt((await latestTime()) + HOUR);
      const calls = [call(f.address, "0x")];
      const byStranger = await signExecution(f, f.account, calls, deadline, { signer: new SoftPasskey() });
      await expect(f.account.executeBySig(...byStranger)).to.be.revertedWithCustomError(
        f.account,
        "PatientAccountInvalidSignature",
      );
      const forChain1 = await signExecution(f, f.account, calls, deadline, { chainId: 1 });
      await expect(f.account.executeBySig(...forChain1)).to.be.revertedWithCustomError(
        f.account,
        "PatientAccountInvalidSignature",
      );
      // Signed by the passkey both accounts share, for the other account (same nonce 1 there): refused here.
      await f.account.executeBySig(...(await signExecution(f, f.account, calls, deadline)));
      const forOther = await signExecution({ ...f, address: f.otherCtx.address }, f.otherAccount, calls, deadline);
      await expect(f.account.executeBySig(...forOther)).to.be.revertedWithCustomError(
        f.account,
        "PatientAccountInvalidSignature",
      );
      await expect(f.otherAccount.executeBySig(...forOther)).to.emit(f.otherAccount, "PatientAccountExecuted");
    });

    it("refuses a signature naming two signers, or one signer with two signatures", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const deadline = BigInt((await latestTime()) + HOUR);
      const [executionData, nonce, , signature] = await signExecution(f, f.account, [call(f.address, "0x")], deadline);
      const [[signer], [auth]] = decodeMulti(signature);
      for (const forged of [
        encodeAbiParameters(
          [{ type: "bytes[]" }, { type: "bytes[]" }],
          [
            [signer, signer],
            [auth, auth],
          ],
        ),
        encodeAbiParameters([{ type: "bytes[]" }, { type: "bytes[]" }], [[signer], [auth, auth]]),
      ]) {
        await expect(f.account.executeBySig(executionData, nonce, deadline, forged)).to.be.revertedWithCustomError(
          f.account,
          "PatientAccountInvalidSignature",
        );
      }
    });

    it("bubbles up the revert of a call in the batch, and consumes nothing", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const calls = [
        call(
          await f.keyDirectory.getAddress(),
          f.keyDirectory.interface.encodeFunctionData("setEncryptionKey", [ethers.ZeroHash]),
        ),
      ];
      await expect(runSigned(f, f.account, calls)).to.be.revertedWithCustomError(
        f.keyDirectory,
        "KeyDirectoryInvalidKey",
      );
      expect(await f.account.nonces(f.address)).to.equal(0n);
    });
  });

  describe("ERC-7821 execute", function () {
    it("runs for the account itself and for the ERC-4337 EntryPoint, and no one else", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const key = ethers.id("key");
      const batch = encodeCalls([
        call(await f.keyDirectory.getAddress(), f.keyDirectory.interface.encodeFunctionData("setEncryptionKey", [key])),
      ]);
      await expect(f.account.connect(f.stranger).execute(BATCH_MODE, batch))
        .to.be.revertedWithCustomError(f.account, "AccountUnauthorized")
        .withArgs(f.stranger.address);
      // Itself, through a signed execution.
      await expect(
        runSigned(f, f.account, [
          call(f.address, f.account.interface.encodeFunctionData("execute", [BATCH_MODE, batch])),
        ]),
      ).to.emit(f.keyDirectory, "EncryptionKeySet");
      await impersonateAccount(ENTRY_POINT_V08);
      await setBalance(ENTRY_POINT_V08, ethers.parseEther("1"));
      const entryPoint = await ethers.getSigner(ENTRY_POINT_V08);
      await expect(f.account.connect(entryPoint).execute(BATCH_MODE, batch)).to.emit(
        f.keyDirectory,
        "EncryptionKeySet",
      );
    });
  });

  describe("passkeys", function () {
    it("adds a second device's passkey through a signed execution; it then signs alone", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const laptop = new SoftPasskey();
      const signer = passkeySigner(f.verifier, laptop.publicKey);
      await expect(
        runSigned(f, f.account, [selfCall(f.address, "addPasskey", [laptop.publicKey.x, laptop.publicKey.y])]),
      )
        .to.emit(f.account, "ERC7913SignerAdded")
        .withArgs(signer);
      expect(await f.account.isPasskey(laptop.publicKey.x, laptop.publicKey.y)).to.equal(true);
      const registry = (await f.consentRegistry.getAddress()) as Address;
      const { args, deadline } = await grantArgs(f.clinic.address);
      const signature = await signGrantWithPasskey({ ...f, passkey: laptop }, registry, args, 0n, deadline);
      await expect(
        f.consentRegistry.grantConsentBySig(
          f.address,
          args.grantee,
          args.categories,
          args.actions,
          args.purposes,
          args.expiresAt,
          deadline,
          signature,
        ),
      ).to.emit(f.consentRegistry, "ConsentGranted");
    });

    it("refuses an invalid point and a passkey already there", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      await expect(runSigned(f, f.account, [selfCall(f.address, "addPasskey", [ethers.ZeroHash, ethers.ZeroHash])]))
        .to.be.revertedWithCustomError(f.account, "PatientAccountInvalidPasskey")
        .withArgs(ethers.ZeroHash, ethers.ZeroHash);
      await expect(
        runSigned(f, f.account, [selfCall(f.address, "addPasskey", [f.passkey.publicKey.x, f.passkey.publicKey.y])]),
      ).to.be.revertedWithCustomError(f.account, "MultiSignerERC7913AlreadyExists");
    });

    it("removes a passkey, which then cannot sign; never the last one", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const laptop = new SoftPasskey();
      await runSigned(f, f.account, [selfCall(f.address, "addPasskey", [laptop.publicKey.x, laptop.publicKey.y])]);
      await expect(
        runSigned(f, f.account, [selfCall(f.address, "removePasskey", [f.passkey.publicKey.x, f.passkey.publicKey.y])]),
      )
        .to.emit(f.account, "ERC7913SignerRemoved")
        .withArgs(passkeySigner(f.verifier, f.passkey.publicKey));
      expect(await f.account.isPasskey(f.passkey.publicKey.x, f.passkey.publicKey.y)).to.equal(false);
      // The removed passkey is refused, by the registry and by executeBySig.
      const registry = (await f.consentRegistry.getAddress()) as Address;
      const { args, deadline } = await grantArgs(f.clinic.address);
      await expect(
        f.consentRegistry.grantConsentBySig(
          f.address,
          args.grantee,
          args.categories,
          args.actions,
          args.purposes,
          args.expiresAt,
          deadline,
          await signGrantWithPasskey(f, registry, args, 0n, deadline),
        ),
      ).to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature");
      await expect(runSigned(f, f.account, [call(f.address, "0x")])).to.be.revertedWithCustomError(
        f.account,
        "PatientAccountInvalidSignature",
      );
      const laptopCtx = { ...f, passkey: laptop };
      await expect(
        runSigned(laptopCtx, f.account, [
          selfCall(f.address, "removePasskey", [laptop.publicKey.x, laptop.publicKey.y]),
        ]),
      )
        .to.be.revertedWithCustomError(f.account, "MultiSignerERC7913UnreachableThreshold")
        .withArgs(0n, 1n);
      await expect(
        runSigned(laptopCtx, f.account, [
          selfCall(f.address, "removePasskey", [f.passkey.publicKey.x, f.passkey.publicKey.y]),
        ]),
      ).to.be.revertedWithCustomError(f.account, "MultiSignerERC7913NonexistentSigner");
    });

    it("is managed only by the account itself (or the EntryPoint)", async function () {
      const f = await loadFixture(passkeyAccountFixture);
      const { x, y } = new SoftPasskey().publicKey;
      for (const send of [
        () => f.account.connect(f.stranger).addPasskey(x, y),
        () => f.account.connect(f.stranger).removePasskey(f.passkey.publicKey.x, f.passkey.publicKey.y),
        () => f.account.connect(f.stranger).setRecoveryDelegate(f.stranger.address),
      ]) {
        await expect(send())
          .to.be.revertedWithCustomError(f.account, "AccountUnauthorized")
          .withArgs(f.stranger.address);
      }
    });
  });

  describe("recovery", function () {
    async function delegateFixture() {
      const f = await passkeyAccountFixture();
      await runSigned(f, f.account, [selfCall(f.address, "setRecoveryDelegate", [f.delegate.address])]);
      return f;
    }

    /** The delegate started a recovery for `phone`, a passkey the patient made on a new device. */
    async function pendingFixture() {
      const f = await delegateFixture();
      const phone = new SoftPasskey();
      await f.account.connect(f.delegate).startRecovery(phone.publicKey.x, phone.publicKey.y);
      const [, , readyAt] = await f.account.pendingRecovery();
      return { ...f, phone, readyAt: Number(readyAt) };
    }

    const expectNonePending = async (account: PatientAccount) =>
      expect(await account.pendingRecovery()).to.deep.equal([ethers.ZeroHash, ethers.ZeroHash, 0n]);

    it("waits two days", async function () {
      const { account } = await loadFixture(passkeyAccountFixture);
      expect(await account.RECOVERY_DELAY()).to.equal(BigInt(2 * DAY));
    });

    describe("setRecoveryDelegate", function () {
      it("is named and cleared by the account through a signed execution", async function () {
        const f = await loadFixture(passkeyAccountFixture);
        expect(await f.account.recoveryDelegate()).to.equal(ethers.ZeroAddress);
        await expect(runSigned(f, f.account, [selfCall(f.address, "setRecoveryDelegate", [f.delegate.address])]))
          .to.emit(f.account, "PatientAccountRecoveryDelegateSet")
          .withArgs(f.delegate.address)
          .and.not.to.emit(f.account, "PatientAccountRecoveryCancelled");
        expect(await f.account.recoveryDelegate()).to.equal(f.delegate.address);
        await expect(runSigned(f, f.account, [selfCall(f.address, "setRecoveryDelegate", [ethers.ZeroAddress])]))
          .to.emit(f.account, "PatientAccountRecoveryDelegateSet")
          .withArgs(ethers.ZeroAddress);
      });

      it("cancels a pending recovery, whether it names another delegate, the same one or none", async function () {
        for (const next of ["stranger", "delegate", "none"] as const) {
          const f = await loadFixture(pendingFixture);
          const named = next === "none" ? ethers.ZeroAddress : f[next].address;
          await expect(runSigned(f, f.account, [selfCall(f.address, "setRecoveryDelegate", [named])]))
            .to.emit(f.account, "PatientAccountRecoveryCancelled")
            .withArgs(f.delegate.address, f.phone.publicKey.x, f.phone.publicKey.y)
            .and.to.emit(f.account, "PatientAccountRecoveryDelegateSet")
            .withArgs(named);
          await expectNonePending(f.account);
          await time.increaseTo(f.readyAt);
          await expect(f.account.finishRecovery()).to.be.revertedWithCustomError(
            f.account,
            "PatientAccountNoPendingRecovery",
          );
          expect(await f.account.isPasskey(f.phone.publicKey.x, f.phone.publicKey.y)).to.equal(false);
        }
      });
    });

    describe("startRecovery", function () {
      describe("Validations", function () {
        it("is refused to anyone but the delegate, and to everyone when none is named", async function () {
          const f = await loadFixture(delegateFixture);
          const { x, y } = new SoftPasskey().publicKey;
          await expect(f.account.connect(f.stranger).startRecovery(x, y))
            .to.be.revertedWithCustomError(f.account, "PatientAccountUnauthorizedRecovery")
            .withArgs(f.stranger.address);
          const fresh = await loadFixture(passkeyAccountFixture);
          await expect(fresh.account.connect(fresh.delegate).startRecovery(x, y))
            .to.be.revertedWithCustomError(fresh.account, "PatientAccountUnauthorizedRecovery")
            .withArgs(fresh.delegate.address);
        });

        it("is refused while a recovery is pending", async function () {
          const f = await loadFixture(pendingFixture);
          const { x, y } = new SoftPasskey().publicKey;
          await expect(f.account.connect(f.delegate).startRecovery(x, y))
            .to.be.revertedWithCustomError(f.account, "PatientAccountRecoveryPending")
            .withArgs(f.readyAt);
          // Still refused once the delay has passed: the pending one is finished or cancelled first.
          await time.increaseTo(f.readyAt);
          await expect(f.account.connect(f.delegate).startRecovery(x, y)).to.be.revertedWithCustomError(
            f.account,
            "PatientAccountRecoveryPending",
          );
        });

        it("refuses a key that is not a P-256 point, or is already one of the account's passkeys", async function () {
          const f = await loadFixture(delegateFixture);
          await expect(f.account.connect(f.delegate).startRecovery(ethers.ZeroHash, ethers.ZeroHash))
            .to.be.revertedWithCustomError(f.account, "PatientAccountInvalidPasskey")
            .withArgs(ethers.ZeroHash, ethers.ZeroHash);
          await expect(f.account.connect(f.delegate).startRecovery(f.passkey.publicKey.x, f.passkey.publicKey.y))
            .to.be.revertedWithCustomError(f.account, "MultiSignerERC7913AlreadyExists")
            .withArgs(passkeySigner(f.verifier, f.passkey.publicKey).toLowerCase());
          await expectNonePending(f.account);
        });
      });

      describe("Events", function () {
        it("emits PatientAccountRecoveryStarted with the second it can be finished from", async function () {
          const f = await loadFixture(delegateFixture);
          const { x, y } = new SoftPasskey().publicKey;
          const startedAt = (await time.latest()) + 60;
          await time.setNextBlockTimestamp(startedAt);
          await expect(f.account.connect(f.delegate).startRecovery(x, y))
            .to.emit(f.account, "PatientAccountRecoveryStarted")
            .withArgs(f.delegate.address, x, y, startedAt + 2 * DAY);
        });
      });

      describe("Effects", function () {
        it("records the key and the time, and adds nothing yet", async function () {
          const f = await loadFixture(pendingFixture);
          expect(await f.account.pendingRecovery()).to.deep.equal([
            f.phone.publicKey.x,
            f.phone.publicKey.y,
            BigInt((await time.latest()) + 2 * DAY),
          ]);
          expect(await f.account.isPasskey(f.phone.publicKey.x, f.phone.publicKey.y)).to.equal(false);
          expect(await f.account.getSignerCount()).to.equal(1n);
          await expect(
            runSigned({ ...f, passkey: f.phone }, f.account, [call(f.address, "0x")]),
          ).to.be.revertedWithCustomError(f.account, "PatientAccountInvalidSignature");
        });

        it("gives the delegate nothing else: it cannot remove passkeys, execute calls or name a delegate", async function () {
          const f = await loadFixture(pendingFixture);
          for (const send of [
            () => f.account.connect(f.delegate).removePasskey(f.passkey.publicKey.x, f.passkey.publicKey.y),
            () => f.account.connect(f.delegate).execute(BATCH_MODE, encodeCalls([call(f.address, "0x")])),
            () => f.account.connect(f.delegate).setRecoveryDelegate(f.stranger.address),
            () => f.account.connect(f.delegate).cancelRecovery(),
          ]) {
            await expect(send())
              .to.be.revertedWithCustomError(f.account, "AccountUnauthorized")
              .withArgs(f.delegate.address);
          }
        });
      });
    });

    describe("finishRecovery", function () {
      describe("Validations", function () {
        it("is refused when no recovery is pending", async function () {
          const f = await loadFixture(delegateFixture);
          await expect(f.account.finishRecovery()).to.be.revertedWithCustomError(
            f.account,
            "PatientAccountNoPendingRecovery",
          );
        });

        it("is refused before the delay has passed, naming when it can be finished", async function () {
          const f = await loadFixture(pendingFixture);
          await expect(f.account.connect(f.delegate).finishRecovery())
            .to.be.revertedWithCustomError(f.account, "PatientAccountRecoveryNotReady")
            .withArgs(f.readyAt);
          await time.setNextBlockTimestamp(f.readyAt - 1);
          await expect(f.account.connect(f.delegate).finishRecovery())
            .to.be.revertedWithCustomError(f.account, "PatientAccountRecoveryNotReady")
            .withArgs(f.readyAt);
        });

        it("is refused when a passkey added the same key meanwhile, which can then cancel it", async function () {
          const f = await loadFixture(pendingFixture);
          await runSigned(f, f.account, [
            selfCall(f.address, "addPasskey", [f.phone.publicKey.x, f.phone.publicKey.y]),
          ]);
          await time.increaseTo(f.readyAt);
          await expect(f.account.finishRecovery()).to.be.revertedWithCustomError(
            f.account,
            "MultiSignerERC7913AlreadyExists",
          );
          await expect(runSigned(f, f.account, [selfCall(f.address, "cancelRecovery", [])])).to.emit(
            f.account,
            "PatientAccountRecoveryCancelled",
          );
        });
      });

      describe("Events", function () {
        it("emits PatientAccountRecoveryFinished, from the second the delay ends, whoever sends it", async function () {
          const f = await loadFixture(pendingFixture);
          await time.setNextBlockTimestamp(f.readyAt);
          await expect(f.account.connect(f.stranger).finishRecovery())
            .to.emit(f.account, "PatientAccountRecoveryFinished")
            .withArgs(f.delegate.address, f.phone.publicKey.x, f.phone.publicKey.y)
            .and.to.emit(f.account, "ERC7913SignerAdded")
            .withArgs(passkeySigner(f.verifier, f.phone.publicKey));
        });
      });

      describe("Effects", function () {
        it("adds the passkey, which then controls the account, and spends the delegate's one recovery", async function () {
          const f = await loadFixture(pendingFixture);
          await time.increaseTo(f.readyAt);
          await f.account.connect(f.delegate).finishRecovery();
          expect(await f.account.isPasskey(f.phone.publicKey.x, f.phone.publicKey.y)).to.equal(true);
          expect(await f.account.recoveryDelegate()).to.equal(ethers.ZeroAddress);
          await expectNonePending(f.account);
          // The new passkey removes the lost one.
          await expect(
            runSigned({ ...f, passkey: f.phone }, f.account, [
              selfCall(f.address, "removePasskey", [f.passkey.publicKey.x, f.passkey.publicKey.y]),
            ]),
          ).to.emit(f.account, "ERC7913SignerRemoved");
          // Once only: the delegate cannot start another recovery, nor finish this one again.
          const another = new SoftPasskey();
          await expect(f.account.connect(f.delegate).startRecovery(another.publicKey.x, another.publicKey.y))
            .to.be.revertedWithCustomError(f.account, "PatientAccountUnauthorizedRecovery")
            .withArgs(f.delegate.address);
          await expect(f.account.finishRecovery()).to.be.revertedWithCustomError(
            f.account,
            "PatientAccountNoPendingRecovery",
          );
        });
      });
    });

    describe("cancelRecovery", function () {
      describe("Validations", function () {
        it("is refused to anyone but the account itself", async function () {
          const f = await loadFixture(pendingFixture);
          await expect(f.account.connect(f.stranger).cancelRecovery())
            .to.be.revertedWithCustomError(f.account, "AccountUnauthorized")
            .withArgs(f.stranger.address);
        });

        it("is refused when no recovery is pending", async function () {
          const f = await loadFixture(delegateFixture);
          await expect(
            runSigned(f, f.account, [selfCall(f.address, "cancelRecovery", [])]),
          ).to.be.revertedWithCustomError(f.account, "PatientAccountNoPendingRecovery");
        });
      });

      describe("Events", function () {
        it("emits PatientAccountRecoveryCancelled when any passkey cancels through a signed execution", async function () {
          const f = await loadFixture(pendingFixture);
          const laptop = new SoftPasskey();
          await runSigned(f, f.account, [selfCall(f.address, "addPasskey", [laptop.publicKey.x, laptop.publicKey.y])]);
          await expect(runSigned({ ...f, passkey: laptop }, f.account, [selfCall(f.address, "cancelRecovery", [])]))
            .to.emit(f.account, "PatientAccountRecoveryCancelled")
            .withArgs(f.delegate.address, f.phone.publicKey.x, f.phone.publicKey.y);
        });
      });

      describe("Effects", function () {
        it("ends the recovery for good; the delegate stays named and may start another", async function () {
          const f = await loadFixture(pendingFixture);
          await runSigned(f, f.account, [selfCall(f.address, "cancelRecovery", [])]);
          await expectNonePending(f.account);
          expect(await f.account.recoveryDelegate()).to.equal(f.delegate.address);
          await time.increaseTo(f.readyAt);
          await expect(f.account.finishRecovery()).to.be.revertedWithCustomError(
            f.account,
            "PatientAccountNoPendingRecovery",
          );
          expect(await f.account.isPasskey(f.phone.publicKey.x, f.phone.publicKey.y)).to.equal(false);
          await expect(f.account.connect(f.delegate).startRecovery(f.phone.publicKey.x, f.phone.publicKey.y)).to.emit(
            f.account,
            "PatientAccountRecoveryStarted",
          );
        });
      });
    });
  });
});

function decodeMulti(signature: Hex): [Hex[], Hex[]] {
  const [signers, signatures] = ethers.AbiCoder.defaultAbiCoder().decode(["bytes[]", "bytes[]"], signature);
  return [[...signers] as Hex[], [...signatures] as Hex[]];
}
