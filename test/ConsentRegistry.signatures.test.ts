// ConsentRegistry's EIP-712 paths: every grant and revoke case run through the direct and the signed path, then what
// only signatures can get wrong (nonces, deadlines, domains, tampering, encodings, ERC-1271 wallets, relaying).
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { TypedDataDomain } from "ethers";
import { ethers } from "hardhat";
import type { IConsentRegistry } from "@/typechain-types/contracts/ConsentRegistry";
import {
  Action,
  Category,
  DAY,
  HOUR,
  MAX_CONSENT_DURATION,
  Purpose,
  ROUTINE_CATEGORIES,
  categories,
} from "@/harness/contracts/codes";
import {
  CONSENT_PATHS,
  relayGrant,
  relayRevoke,
  signGrantRequest,
  signRevokeRequest,
  type GrantTerms,
  type SignOptions,
} from "./helpers/consentPaths";
import { CLINIC_TERMS, consentFixture } from "@/harness/contracts/fixtures";
import {
  GRANT_TYPES,
  consentDomain,
  malleableTwin,
  signGrant,
  signRevoke,
  type GrantRequest,
  type RevokeRequest,
} from "@/harness/contracts/signatures";

const ECRECOVER_PRECOMPILE = "0x0000000000000000000000000000000000000001";

/**
 * consentFixture (providersFixture plus the patient's live consents to the clinic and the lab) with what the signed
 * paths need besides: an ERC-1271 wallet owned by `walletOwner`, a wallet that refuses every signature, and a second
 * ConsentRegistry on the same provider registry (another verifying contract).
 */
async function relayFixture() {
  const base = await consentFixture();
  const { providerRegistry, consentRegistry, other: walletOwner } = base;
  const wallet = await ethers.deployContract("ERC1271WalletMock", [walletOwner.address]);
  const refusingWallet = await ethers.deployContract("ERC1271RefusingWalletMock");
  const otherRegistry = await ethers.deployContract("ConsentRegistry", [await providerRegistry.getAddress()]);
  return {
    ...base,
    walletOwner,
    wallet,
    walletAddress: await wallet.getAddress(),
    refusingWallet,
    refusingWalletAddress: await refusingWallet.getAddress(),
    otherRegistry,
    domain: await consentDomain(consentRegistry),
  };
}

type RelayFixture = Awaited<ReturnType<typeof relayFixture>>;

/** A fresh consent to the hospital, which the patient has not consented to yet. */
function hospitalTerms(f: RelayFixture, now: number): GrantTerms {
  return {
    grantee: f.hospital.address,
    categories: categories(Category.Imaging),
    actions: Action.Read,
    purposes: Purpose.Treatment,
    expiresAt: now + 30 * DAY,
  };
}

/** `signer` (default: the patient) signs the hospital grant, valid for an hour, with the given overrides. */
async function signHospitalGrant(
  f: RelayFixture,
  options: SignOptions & { signer?: RelayFixture["patient"]; deadline?: number | bigint } = {},
) {
  const now = await time.latest();
  const fields = { ...hospitalTerms(f, now), deadline: options.deadline ?? now + HOUR };
  return signGrantRequest(f.consentRegistry, options.signer ?? f.patient, fields, options);
}

/** `signer` (default: the patient) signs the revoke of the clinic's consent, valid for an hour. */
async function signClinicRevoke(
  f: RelayFixture,
  options: SignOptions & { signer?: RelayFixture["patient"]; deadline?: number | bigint } = {},
) {
  const deadline = options.deadline ?? (await time.latest()) + HOUR;
  return signRevokeRequest(
    f.consentRegistry,
    options.signer ?? f.patient,
    { grantee: f.clinic.address, deadline },
    options,
  );
}

/** A stored consent as a plain object, for deep equality. */
function stored(consent: IConsentRegistry.ConsentStructOutput) {
  const { categories, actions, purposes, grantedAt, expiresAt, epoch } = consent;
  return { categories, actions, purposes, grantedAt, expiresAt, epoch };
}

// ---- The cases both paths share ----

interface GrantValidationCase {
  name: string;
  setup?: (f: RelayFixture) => Promise<unknown>;
  terms: (f: RelayFixture, at: number) => GrantTerms;
  error: string;
  args: (f: RelayFixture, at: number) => unknown[];
}

const GRANT_VALIDATIONS: GrantValidationCase[] = [
  {
    name: "the zero address as grantee",
    terms: (f, at) => ({ ...hospitalTerms(f, at), grantee: ethers.ZeroAddress }),
    error: "ConsentInvalidGrantee",
    args: () => [ethers.ZeroAddress],
  },
  {
    name: "the patient as their own grantee",
    terms: (f, at) => ({ ...hospitalTerms(f, at), grantee: f.patient.address }),
    error: "ConsentSelfGrant",
    args: (f) => [f.patient.address],
  },
  {
    name: "a grantee that is not a registered provider",
    terms: (f, at) => ({ ...hospitalTerms(f, at), grantee: f.stranger.address }),
    error: "ConsentGranteeNotActive",
    args: (f) => [f.stranger.address],
  },
  {
    name: "a suspended provider",
    setup: (f) => f.providerRegistry.connect(f.registrar).suspendProvider(f.hospital.address),
    terms: hospitalTerms,
    error: "ConsentGranteeNotActive",
    args: (f) => [f.hospital.address],
  },
  {
    name: "no categories",
    terms: (f, at) => ({ ...hospitalTerms(f, at), categories: 0n }),
    error: "ConsentNoCategories",
    args: () => [],
  },
  {
    name: "an undefined category just past the routine ones (bit 13)",
    terms: (f, at) => ({ ...hospitalTerms(f, at), categories: ROUTINE_CATEGORIES | (1n << 13n) }),
    error: "ConsentUndefinedCategories",
    args: () => [ROUTINE_CATEGORIES | (1n << 13n)],
  },
  {
    name: "an undefined category at the top (bit 63)",
    terms: (f, at) => ({ ...hospitalTerms(f, at), categories: 1n << 63n }),
    error: "ConsentUndefinedCategories",
    args: () => [1n << 63n],
  },
  {
    name: "no actions",
    terms: (f, at) => ({ ...hospitalTerms(f, at), actions: 0 }),
    error: "ConsentInvalidActions",
    args: () => [0],
  },
  {
    name: "an undefined action bit",
    terms: (f, at) => ({ ...hospitalTerms(f, at), actions: Action.Read | 4 }),
    error: "ConsentInvalidActions",
    args: () => [Action.Read | 4],
  },
  {
    name: "no purposes",
    terms: (f, at) => ({ ...hospitalTerms(f, at), purposes: 0 }),
    error: "ConsentInvalidPurposes",
    args: () => [0],
  },
  {
    name: "an undefined purpose bit",
    terms: (f, at) => ({ ...hospitalTerms(f, at), purposes: Purpose.Treatment | 64 }),
    error: "ConsentInvalidPurposes",
    args: () => [Purpose.Treatment | 64],
  },
  {
    name: "an expiry in the past",
    terms: (f, at) => ({ ...hospitalTerms(f, at), expiresAt: at - 1 }),
    error: "ConsentInvalidExpiry",
    args: (_f, at) => [at - 1, at + MAX_CONSENT_DURATION],
  },
  {
    name: "an expiry at the granting block's time (expired on arrival)",
    terms: (f, at) => ({ ...hospitalTerms(f, at), expiresAt: at }),
    error: "ConsentInvalidExpiry",
    args: (_f, at) => [at, at + MAX_CONSENT_DURATION],
  },
  {
    name: "an expiry one second more than 10 years ahead",
    terms: (f, at) => ({ ...hospitalTerms(f, at), expiresAt: at + MAX_CONSENT_DURATION + 1 }),
    error: "ConsentInvalidExpiry",
    args: (_f, at) => [at + MAX_CONSENT_DURATION + 1, at + MAX_CONSENT_DURATION],
  },
];

interface RevokeValidationCase {
  name: string;
  setup?: (f: RelayFixture) => Promise<unknown>;
  grantee: (f: RelayFixture) => string;
  at?: (f: RelayFixture) => number;
}

const REVOKE_VALIDATIONS: RevokeValidationCase[] = [
  { name: "a grantee the patient never consented to", grantee: (f) => f.hospital.address },
  { name: "the zero address", grantee: () => ethers.ZeroAddress },
  {
    name: "a consent already revoked",
    setup: (f) => f.consentRegistry.connect(f.patient).revokeConsent(f.clinic.address),
    grantee: (f) => f.clinic.address,
  },
  {
    name: "a consent revoked by revoke-all",
    setup: (f) => f.consentRegistry.connect(f.patient).revokeAllConsents(),
    grantee: (f) => f.clinic.address,
  },
  { name: "a consent at its expiry", grantee: (f) => f.clinic.address, at: (f) => f.expiresAt },
];

describe("ConsentRegistry signatures", function () {
  for (const path of CONSENT_PATHS) {
    describe(`grant and revoke, ${path.name} path`, function () {
      describe("grant", function () {
        describe("Validations", function () {
          for (const c of GRANT_VALIDATIONS) {
            it(`reverts with ${c.error} for ${c.name}`, async function () {
              const f = await loadFixture(relayFixture);
              await c.setup?.(f);
              const at = (await time.latest()) + 10;
              await expect(path.grant(f, c.terms(f, at), at))
                .to.be.revertedWithCustomError(f.consentRegistry, c.error)
                .withArgs(...c.args(f, at));
            });
          }
        });

        describe("Events", function () {
          it("emits ConsentGranted with the patient as `by`", async function () {
            const f = await loadFixture(relayFixture);
            const terms = hospitalTerms(f, await time.latest());
            await expect(path.grant(f, terms))
              .to.emit(f.consentRegistry, "ConsentGranted")
              .withArgs(
                f.patient.address,
                terms.grantee,
                terms.categories,
                terms.actions,
                terms.purposes,
                terms.expiresAt,
                f.patient.address,
              );
          });
        });

        describe("Effects", function () {
          it("creates a consent stamped with the block time and the current epoch", async function () {
            const f = await loadFixture(relayFixture);
            const { consentRegistry, patient, hospital } = f;
            const at = (await time.latest()) + 10;
            const terms = {
              ...hospitalTerms(f, at),
              categories: categories(Category.Imaging, Category.VitalSigns),
              purposes: Purpose.Treatment | Purpose.Emergency,
            };
            expect(await consentRegistry.hasAccess(patient, hospital, terms.categories, Action.Read, Purpose.Treatment))
              .to.be.false;

            await path.grant(f, terms, at);

            expect(stored(await consentRegistry.consentOf(patient, hospital))).to.deep.equal({
              categories: terms.categories,
              actions: BigInt(Action.Read),
              purposes: BigInt(terms.purposes),
              grantedAt: BigInt(at),
              expiresAt: BigInt(terms.expiresAt),
              epoch: 0n,
            });
            expect(await consentRegistry.hasAccess(patient, hospital, terms.categories, Action.Read, Purpose.Treatment))
              .to.be.true;
            expect(await consentRegistry.hasAccess(patient, hospital, terms.categories, Action.Read, Purpose.Emergency))
              .to.be.true;
            expect(
              await consentRegistry.hasAccess(patient, hospital, terms.categories, Action.Append, Purpose.Treatment),
            ).to.be.false;
          });

          it("narrows a consent, leaving the patient's other consents alone", async function () {
            const f = await loadFixture(relayFixture);
            const { consentRegistry, patient, clinic, lab } = f;
            const medications = categories(Category.Medications);
            const labResults = categories(Category.LabResults);
            const labConsent = stored(await consentRegistry.consentOf(patient, lab));
            expect(await consentRegistry.hasAccess(patient, clinic, medications, Action.Read, Purpose.Treatment)).to.be
              .true;

            await path.grant(f, {
              grantee: clinic.address,
              ...CLINIC_TERMS,
              categories: labResults,
              expiresAt: f.expiresAt,
            });

            expect(await consentRegistry.hasAccess(patient, clinic, medications, Action.Read, Purpose.Treatment)).to.be
              .false;
            expect(await consentRegistry.hasAccess(patient, clinic, labResults, Action.Read, Purpose.Treatment)).to.be
              .true;
            expect((await consentRegistry.consentOf(patient, clinic)).categories).to.equal(labResults);
            expect(stored(await consentRegistry.consentOf(patient, lab))).to.deep.equal(labConsent);
          });

          it("widens a consent's categories, actions and purposes", async function () {
            const f = await loadFixture(relayFixture);
            const { consentRegistry, patient, clinic } = f;
            const imaging = categories(Category.Imaging);
            const labResults = categories(Category.LabResults);
            const probes = [
              [imaging, Action.Read, Purpose.Treatment],
              [labResults, Action.Append, Purpose.Treatment],
              [labResults, Action.Read, Purpose.Payment],
            ] as const;
            for (const probe of probes) expect(await consentRegistry.hasAccess(patient, clinic, ...probe)).to.be.false;

            await path.grant(f, {
              grantee: clinic.address,
              categories: CLINIC_TERMS.categories | imaging,
              actions: Action.Read | Action.Append,
              purposes: Purpose.Treatment | Purpose.Payment,
              expiresAt: f.expiresAt,
            });

            for (const probe of probes) expect(await consentRegistry.hasAccess(patient, clinic, ...probe)).to.be.true;
          });

          it("extends a consent past its former expiry", async function () {
            const f = await loadFixture(relayFixture);
            const { consentRegistry, patient, clinic, lab } = f;
            const labResults = categories(Category.LabResults);

            await path.grant(f, { grantee: clinic.address, ...CLINIC_TERMS, expiresAt: f.expiresAt + 60 * DAY });
            await time.increaseTo(f.expiresAt);

            expect((await consentRegistry.consentOf(patient, clinic)).expiresAt).to.equal(f.expiresAt + 60 * DAY);
            expect(await consentRegistry.hasAccess(patient, clinic, labResults, Action.Read, Purpose.Treatment)).to.be
              .true;
            // The lab's consent, granted with the same expiry and not extended, has lapsed.
            expect(await consentRegistry.hasAccess(patient, lab, labResults, Action.Read, Purpose.Treatment)).to.be
              .false;
          });

          it("accepts an expiry exactly 10 years ahead", async function () {
            const f = await loadFixture(relayFixture);
            const at = (await time.latest()) + 10;
            const terms = { ...hospitalTerms(f, at), expiresAt: at + MAX_CONSENT_DURATION };

            await path.grant(f, terms, at);

            expect((await f.consentRegistry.consentOf(f.patient, f.hospital)).expiresAt).to.equal(terms.expiresAt);
          });

          it("stamps a grant made after revoke-all with the new epoch", async function () {
            const f = await loadFixture(relayFixture);
            const { consentRegistry, patient, clinic } = f;
            await consentRegistry.connect(patient).revokeAllConsents();

            await path.grant(f, { grantee: clinic.address, ...CLINIC_TERMS, expiresAt: f.expiresAt });

            expect((await consentRegistry.consentOf(patient, clinic)).epoch).to.equal(1n);
            expect(
              await consentRegistry.hasAccess(patient, clinic, CLINIC_TERMS.categories, Action.Read, Purpose.Treatment),
            ).to.be.true;
          });
        });
      });

      describe("revoke", function () {
        describe("Validations", function () {
          for (const c of REVOKE_VALIDATIONS) {
            it(`reverts with ConsentNotLive for ${c.name}`, async function () {
              const f = await loadFixture(relayFixture);
              await c.setup?.(f);
              const grantee = c.grantee(f);
              await expect(path.revoke(f, grantee, c.at?.(f)))
                .to.be.revertedWithCustomError(f.consentRegistry, "ConsentNotLive")
                .withArgs(f.patient.address, grantee);
            });
          }
        });

        describe("Events", function () {
          it("emits ConsentRevoked with the patient as `by`", async function () {
            const f = await loadFixture(relayFixture);
            await expect(path.revoke(f, f.clinic.address))
              .to.emit(f.consentRegistry, "ConsentRevoked")
              .withArgs(f.patient.address, f.clinic.address, f.patient.address);
          });
        });

        describe("Effects", function () {
          it("ends the grantee's access and clears the consent, leaving the others", async function () {
            const f = await loadFixture(relayFixture);
            const { consentRegistry, patient, clinic, lab } = f;
            const labResults = categories(Category.LabResults);

            await path.revoke(f, clinic.address);

            expect(await consentRegistry.hasAccess(patient, clinic, labResults, Action.Read, Purpose.Treatment)).to.be
              .false;
            await expect(consentRegistry.checkAccess(patient, clinic, labResults, Action.Read, Purpose.Treatment))
              .to.be.revertedWithCustomError(consentRegistry, "AccessNoConsent")
              .withArgs(patient.address, clinic.address);
            expect((await consentRegistry.consentOf(patient, clinic)).expiresAt).to.equal(0n);
            expect(await consentRegistry.hasAccess(patient, lab, labResults, Action.Append, Purpose.Treatment)).to.be
              .true;
          });

          it("revokes a consent in its last live second", async function () {
            const f = await loadFixture(relayFixture);
            await expect(path.revoke(f, f.clinic.address, f.expiresAt - 1)).to.emit(
              f.consentRegistry,
              "ConsentRevoked",
            );
          });

          it("lets the patient grant again after revoking", async function () {
            const f = await loadFixture(relayFixture);
            const { consentRegistry, patient, clinic } = f;
            await path.revoke(f, clinic.address);

            await path.grant(f, { grantee: clinic.address, ...CLINIC_TERMS, expiresAt: f.expiresAt });

            expect(
              await consentRegistry.hasAccess(patient, clinic, CLINIC_TERMS.categories, Action.Read, Purpose.Treatment),
            ).to.be.true;
          });
        });
      });
    });
  }

  // ---- What only the signed paths can get wrong ----

  describe("nonces", function () {
    it("start at zero and count each signed grant and revoke, per patient", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, stranger, relayer, clinic } = f;
      expect(await consentRegistry.nonces(patient)).to.equal(0n);

      const grant = await signHospitalGrant(f);
      await relayGrant(consentRegistry.connect(relayer), grant.request, grant.signature);
      expect(await consentRegistry.nonces(patient)).to.equal(1n);

      const revoke = await signClinicRevoke(f);
      expect(revoke.request.nonce).to.equal(1n);
      await relayRevoke(consentRegistry.connect(relayer), revoke.request, revoke.signature);
      expect(await consentRegistry.nonces(patient)).to.equal(2n);

      // The direct path needs no nonce, and nonces are per patient.
      await consentRegistry
        .connect(patient)
        .grantConsent(clinic, CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, f.expiresAt);
      expect(await consentRegistry.nonces(patient)).to.equal(2n);
      expect(await consentRegistry.nonces(stranger)).to.equal(0n);
    });

    it("refuse a replayed signature", async function () {
      const f = await loadFixture(relayFixture);
      const registry = f.consentRegistry.connect(f.relayer);
      const { request, signature } = await signHospitalGrant(f);
      await relayGrant(registry, request, signature);

      await expect(relayGrant(registry, request, signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);
    });

    it("refuse a replayed revoke signature, even once the consent is granted again", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, clinic, relayer } = f;
      const registry = consentRegistry.connect(relayer);
      const { request, signature } = await signClinicRevoke(f);
      await relayRevoke(registry, request, signature);
      await consentRegistry
        .connect(patient)
        .grantConsent(clinic, CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, f.expiresAt);

      await expect(relayRevoke(registry, request, signature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(patient.address);
    });

    it("make signatures usable only in order", async function () {
      const f = await loadFixture(relayFixture);
      const registry = f.consentRegistry.connect(f.relayer);
      const first = await signHospitalGrant(f, { nonce: 0n });
      const second = await signClinicRevoke(f, { nonce: 1n });

      await expect(relayRevoke(registry, second.request, second.signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);

      await relayGrant(registry, first.request, first.signature);
      await expect(relayRevoke(registry, second.request, second.signature)).to.emit(
        f.consentRegistry,
        "ConsentRevoked",
      );
    });

    it("are not consumed by a failed signed call", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, relayer } = f;
      const registry = consentRegistry.connect(relayer);
      const now = await time.latest();
      const invalidTerms = await signGrantRequest(consentRegistry, patient, {
        ...hospitalTerms(f, now),
        categories: 0n,
        deadline: now + HOUR,
      });
      const expired = await signHospitalGrant(f, { deadline: now - 1 });
      const byStranger = await signHospitalGrant(f, { signer: f.stranger, patient: patient.address });

      await expect(relayGrant(registry, invalidTerms.request, invalidTerms.signature)).to.be.revertedWithCustomError(
        consentRegistry,
        "ConsentNoCategories",
      );
      await expect(relayGrant(registry, expired.request, expired.signature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentExpiredSignature")
        .withArgs(now - 1);
      await expect(relayGrant(registry, byStranger.request, byStranger.signature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(patient.address);

      expect(await consentRegistry.nonces(patient)).to.equal(0n);
      const valid = await signHospitalGrant(f, { nonce: 0n });
      await expect(relayGrant(registry, valid.request, valid.signature)).to.emit(consentRegistry, "ConsentGranted");
    });

    describe("revoke-all", function () {
      /** The patient signs a grant that renews the clinic's consent; nobody relays it yet. */
      async function signClinicGrant(f: RelayFixture) {
        return signGrantRequest(f.consentRegistry, f.patient, {
          grantee: f.clinic.address,
          ...CLINIC_TERMS,
          expiresAt: f.expiresAt,
          deadline: (await time.latest()) + HOUR,
        });
      }

      it("consumes the nonce, so a grant signed before it cannot be relayed after it", async function () {
        const f = await loadFixture(relayFixture);
        const { consentRegistry, patient, clinic, relayer } = f;
        const { request, signature } = await signClinicGrant(f);
        await consentRegistry.connect(patient).revokeAllConsents();
        expect(await consentRegistry.nonces(patient)).to.equal(request.nonce + 1n);

        await expect(relayGrant(consentRegistry.connect(relayer), request, signature))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
          .withArgs(patient.address);
        expect(
          await consentRegistry.hasAccess(patient, clinic, CLINIC_TERMS.categories, Action.Read, Purpose.Treatment),
        ).to.be.false;
      });

      it("consumes the nonce, so a revoke signed before it cannot be relayed after it either", async function () {
        const f = await loadFixture(relayFixture);
        const { consentRegistry, patient, clinic, relayer } = f;
        const { request, signature } = await signClinicRevoke(f);
        await consentRegistry.connect(patient).revokeAllConsents();
        await consentRegistry
          .connect(patient)
          .grantConsent(clinic, CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, f.expiresAt);

        await expect(relayRevoke(consentRegistry.connect(relayer), request, signature))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
          .withArgs(patient.address);
      });

      it("leaves signatures over the next nonce valid, so the patient can sign again at once", async function () {
        const f = await loadFixture(relayFixture);
        await f.consentRegistry.connect(f.patient).revokeAllConsents();
        const { request, signature } = await signClinicGrant(f);
        expect(request.nonce).to.equal(1n);
        await expect(relayGrant(f.consentRegistry.connect(f.relayer), request, signature)).to.emit(
          f.consentRegistry,
          "ConsentGranted",
        );
      });
    });

    // As in ERC-2612 / EAS, a direct revoke does not move the nonce (it would cost every revoke a write): a signature
    // not yet relayed outlives it until its deadline, at most an hour. The portal cancels the signatures it made and
    // could not relay with useNonce when the patient then revokes.
    it("are not moved by a direct revoke, so an outstanding grant signature outlives it", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, clinic, relayer } = f;
      const { request, signature } = await signGrantRequest(consentRegistry, patient, {
        grantee: clinic.address,
        ...CLINIC_TERMS,
        expiresAt: f.expiresAt,
        deadline: (await time.latest()) + HOUR,
      });
      await consentRegistry.connect(patient).revokeConsent(clinic);
      expect(await consentRegistry.nonces(patient)).to.equal(0n);

      await relayGrant(consentRegistry.connect(relayer), request, signature);

      expect(await consentRegistry.hasAccess(patient, clinic, CLINIC_TERMS.categories, Action.Read, Purpose.Treatment))
        .to.be.true;
    });

    describe("useNonce", function () {
      it("returns and emits the nonce it consumes", async function () {
        const f = await loadFixture(relayFixture);
        const asPatient = f.consentRegistry.connect(f.patient);
        expect(await asPatient.useNonce.staticCall()).to.equal(0n);

        await expect(asPatient.useNonce()).to.emit(f.consentRegistry, "NonceUsed").withArgs(f.patient.address, 0n);
        await expect(asPatient.useNonce()).to.emit(f.consentRegistry, "NonceUsed").withArgs(f.patient.address, 1n);
        expect(await f.consentRegistry.nonces(f.patient)).to.equal(2n);
      });

      it("cancels outstanding grant and revoke signatures", async function () {
        const f = await loadFixture(relayFixture);
        const registry = f.consentRegistry.connect(f.relayer);
        const grant = await signHospitalGrant(f);
        const revoke = await signClinicRevoke(f);

        await f.consentRegistry.connect(f.patient).useNonce();

        await expect(relayGrant(registry, grant.request, grant.signature))
          .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
          .withArgs(f.patient.address);
        await expect(relayRevoke(registry, revoke.request, revoke.signature))
          .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
          .withArgs(f.patient.address);
        // A signature over the new nonce works.
        const fresh = await signHospitalGrant(f);
        expect(fresh.request.nonce).to.equal(1n);
        await expect(relayGrant(registry, fresh.request, fresh.signature)).to.emit(f.consentRegistry, "ConsentGranted");
      });
    });
  });

  describe("deadline", function () {
    // The deadline is inclusive: valid while block.timestamp <= deadline.
    for (const [offset, accepted] of [
      [-1, true],
      [0, true],
      [1, false],
    ] as const) {
      it(`${accepted ? "accepts" : "refuses"} a grant in a block ${offset} s from the deadline`, async function () {
        const f = await loadFixture(relayFixture);
        const deadline = (await time.latest()) + 100;
        const { request, signature } = await signHospitalGrant(f, { deadline });
        await time.setNextBlockTimestamp(deadline + offset);
        const relayed = relayGrant(f.consentRegistry.connect(f.relayer), request, signature);
        if (accepted) await expect(relayed).to.emit(f.consentRegistry, "ConsentGranted");
        else
          await expect(relayed)
            .to.be.revertedWithCustomError(f.consentRegistry, "ConsentExpiredSignature")
            .withArgs(deadline);
      });

      it(`${accepted ? "accepts" : "refuses"} a revoke in a block ${offset} s from the deadline`, async function () {
        const f = await loadFixture(relayFixture);
        const deadline = (await time.latest()) + 100;
        const { request, signature } = await signClinicRevoke(f, { deadline });
        await time.setNextBlockTimestamp(deadline + offset);
        const relayed = relayRevoke(f.consentRegistry.connect(f.relayer), request, signature);
        if (accepted) await expect(relayed).to.emit(f.consentRegistry, "ConsentRevoked");
        else
          await expect(relayed)
            .to.be.revertedWithCustomError(f.consentRegistry, "ConsentExpiredSignature")
            .withArgs(deadline);
      });
    }

    // At most MAX_SIGNATURE_LIFETIME (1 hour) ahead of the block that includes the call: a signature is usable for its
    // last hour at most, so one that leaks cannot be held back and relayed days later.
    for (const [extra, accepted] of [
      [0, true],
      [1, false],
    ] as const) {
      it(`${accepted ? "accepts" : "refuses"} a grant whose deadline is 1 h${extra ? " + 1 s" : ""} after the block`, async function () {
        const f = await loadFixture(relayFixture);
        const at = (await time.latest()) + 10;
        const deadline = at + HOUR + extra;
        const { request, signature } = await signHospitalGrant(f, { deadline });
        await time.setNextBlockTimestamp(at);
        const relayed = relayGrant(f.consentRegistry.connect(f.relayer), request, signature);
        if (accepted) await expect(relayed).to.emit(f.consentRegistry, "ConsentGranted");
        else {
          await expect(relayed)
            .to.be.revertedWithCustomError(f.consentRegistry, "ConsentSignatureDeadlineTooFar")
            .withArgs(deadline, at + HOUR);
          expect(await f.consentRegistry.nonces(f.patient)).to.equal(0n);
        }
      });

      it(`${accepted ? "accepts" : "refuses"} a revoke whose deadline is 1 h${extra ? " + 1 s" : ""} after the block`, async function () {
        const f = await loadFixture(relayFixture);
        const at = (await time.latest()) + 10;
        const deadline = at + HOUR + extra;
        const { request, signature } = await signClinicRevoke(f, { deadline });
        await time.setNextBlockTimestamp(at);
        const relayed = relayRevoke(f.consentRegistry.connect(f.relayer), request, signature);
        if (accepted) await expect(relayed).to.emit(f.consentRegistry, "ConsentRevoked");
        else
          await expect(relayed)
            .to.be.revertedWithCustomError(f.consentRegistry, "ConsentSignatureDeadlineTooFar")
            .withArgs(deadline, at + HOUR);
      });
    }

    it("accepts a signature made with a far deadline once the chain is within an hour of it", async function () {
      const f = await loadFixture(relayFixture);
      const deadline = (await time.latest()) + DAY;
      const { request, signature } = await signHospitalGrant(f, { deadline });
      const registry = f.consentRegistry.connect(f.relayer);
      await expect(relayGrant(registry, request, signature)).to.be.revertedWithCustomError(
        f.consentRegistry,
        "ConsentSignatureDeadlineTooFar",
      );
      await time.setNextBlockTimestamp(deadline - HOUR);
      await expect(relayGrant(registry, request, signature)).to.emit(f.consentRegistry, "ConsentGranted");
    });

    it("refuses the largest deadline, whatever the block", async function () {
      const f = await loadFixture(relayFixture);
      const { request, signature } = await signHospitalGrant(f, { deadline: ethers.MaxUint256 });
      const at = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(at);
      await expect(relayGrant(f.consentRegistry.connect(f.relayer), request, signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentSignatureDeadlineTooFar")
        .withArgs(ethers.MaxUint256, at + HOUR);
    });

    it("refuses a signature whose deadline had passed when it was made", async function () {
      const f = await loadFixture(relayFixture);
      const deadline = (await time.latest()) - 1;
      const { request, signature } = await signHospitalGrant(f, { deadline });

      await expect(relayGrant(f.consentRegistry.connect(f.relayer), request, signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentExpiredSignature")
        .withArgs(deadline);
    });
  });

  describe("domain", function () {
    it("is MedConsent, version 1, this chain and this registry", async function () {
      const f = await loadFixture(relayFixture);
      expect(await f.consentRegistry.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(f.domain));
      const domain = await f.consentRegistry.eip712Domain();
      expect(domain.name).to.equal("MedConsent");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(f.domain.chainId);
      expect(domain.verifyingContract).to.equal(await f.consentRegistry.getAddress());
    });

    const FOREIGN_DOMAINS: [string, (f: RelayFixture) => Promise<TypedDataDomain>][] = [
      ["another chain id", async (f) => ({ ...f.domain, chainId: 1n })],
      [
        "another verifying contract",
        async (f) => ({ ...f.domain, verifyingContract: await f.otherRegistry.getAddress() }),
      ],
      ["another name", async (f) => ({ ...f.domain, name: "MedConsent Staging" })],
      ["another version", async (f) => ({ ...f.domain, version: "2" })],
    ];
    for (const [name, foreign] of FOREIGN_DOMAINS) {
      it(`refuses grant and revoke signatures made for ${name}`, async function () {
        const f = await loadFixture(relayFixture);
        const domain = await foreign(f);
        const registry = f.consentRegistry.connect(f.relayer);
        const grant = await signHospitalGrant(f, { domain });
        const revoke = await signClinicRevoke(f, { domain });

        await expect(relayGrant(registry, grant.request, grant.signature))
          .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
          .withArgs(f.patient.address);
        await expect(relayRevoke(registry, revoke.request, revoke.signature))
          .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
          .withArgs(f.patient.address);
      });
    }

    it("accepts a signature for another registry only on that registry", async function () {
      const f = await loadFixture(relayFixture);
      const { otherRegistry, consentRegistry, patient, relayer, hospital } = f;
      const { request, signature } = await signGrantRequest(otherRegistry, patient, {
        ...hospitalTerms(f, await time.latest()),
        deadline: (await time.latest()) + HOUR,
      });

      await expect(relayGrant(consentRegistry.connect(relayer), request, signature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(patient.address);
      await expect(relayGrant(otherRegistry.connect(relayer), request, signature)).to.emit(
        otherRegistry,
        "ConsentGranted",
      );
      expect((await otherRegistry.consentOf(patient, hospital)).expiresAt).to.equal(request.expiresAt);
      expect((await consentRegistry.consentOf(patient, hospital)).expiresAt).to.equal(0n);
    });
  });

  describe("tampering", function () {
    const GRANT_TAMPERS: [field: string, tamper: (r: GrantRequest, f: RelayFixture) => GrantRequest][] = [
      ["patient", (r, f) => ({ ...r, patient: f.stranger.address })],
      ["grantee", (r, f) => ({ ...r, grantee: f.lab.address })],
      ["categories", (r) => ({ ...r, categories: r.categories | categories(Category.MentalHealth) })],
      ["actions", (r) => ({ ...r, actions: r.actions | Action.Append })],
      ["purposes", (r) => ({ ...r, purposes: r.purposes | Purpose.Research })],
      ["expiresAt", (r) => ({ ...r, expiresAt: r.expiresAt + 1 })],
      ["deadline", (r) => ({ ...r, deadline: BigInt(r.deadline) + 1n })],
    ];
    for (const [field, tamper] of GRANT_TAMPERS) {
      it(`refuses a grant whose ${field} was changed after signing, and keeps the nonce`, async function () {
        const f = await loadFixture(relayFixture);
        const registry = f.consentRegistry.connect(f.relayer);
        const { request, signature } = await signHospitalGrant(f);
        const tampered = tamper(request, f);

        await expect(relayGrant(registry, tampered, signature))
          .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
          .withArgs(tampered.patient);

        expect(await f.consentRegistry.nonces(f.patient)).to.equal(0n);
        await expect(relayGrant(registry, request, signature)).to.emit(f.consentRegistry, "ConsentGranted");
      });
    }

    const REVOKE_TAMPERS: [field: string, tamper: (r: RevokeRequest, f: RelayFixture) => RevokeRequest][] = [
      ["patient", (r, f) => ({ ...r, patient: f.stranger.address })],
      ["grantee", (r, f) => ({ ...r, grantee: f.lab.address })],
      ["deadline", (r) => ({ ...r, deadline: BigInt(r.deadline) + 1n })],
    ];
    for (const [field, tamper] of REVOKE_TAMPERS) {
      it(`refuses a revoke whose ${field} was changed after signing, and keeps the nonce`, async function () {
        const f = await loadFixture(relayFixture);
        const registry = f.consentRegistry.connect(f.relayer);
        const { request, signature } = await signClinicRevoke(f);
        const tampered = tamper(request, f);

        await expect(relayRevoke(registry, tampered, signature))
          .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
          .withArgs(tampered.patient);

        expect(await f.consentRegistry.nonces(f.patient)).to.equal(0n);
        await expect(relayRevoke(registry, request, signature)).to.emit(f.consentRegistry, "ConsentRevoked");
      });
    }

    it("refuses grant and revoke signatures over another nonce", async function () {
      const f = await loadFixture(relayFixture);
      const registry = f.consentRegistry.connect(f.relayer);
      const grant = await signHospitalGrant(f, { nonce: 1n });
      const revoke = await signClinicRevoke(f, { nonce: 1n });

      await expect(relayGrant(registry, grant.request, grant.signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);
      await expect(relayRevoke(registry, revoke.request, revoke.signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);
    });

    it("does not take a revoke signature as a grant signature", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, relayer, domain } = f;
      const grant = await signHospitalGrant(f);
      // The same patient, grantee, nonce and deadline, signed as a RevokeConsent.
      const revokeSignature = await signRevoke(patient, domain, grant.request);

      await expect(relayGrant(consentRegistry.connect(relayer), grant.request, revokeSignature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(patient.address);
    });

    it("does not take a grant signature as a revoke signature", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, clinic, relayer } = f;
      const revoke = await signClinicRevoke(f);
      const grantSignature = await signGrant(patient, f.domain, {
        ...revoke.request,
        ...CLINIC_TERMS,
        expiresAt: f.expiresAt,
      });

      await expect(relayRevoke(consentRegistry.connect(relayer), revoke.request, grantSignature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(patient.address);
      expect(await consentRegistry.hasAccess(patient, clinic, CLINIC_TERMS.categories, Action.Read, Purpose.Treatment))
        .to.be.true;
    });
  });

  describe("signer and encoding", function () {
    it("refuses a signature by someone other than the patient", async function () {
      const f = await loadFixture(relayFixture);
      const registry = f.consentRegistry.connect(f.relayer);
      const grant = await signHospitalGrant(f, { signer: f.stranger, patient: f.patient.address });
      const revoke = await signClinicRevoke(f, { signer: f.clinic, patient: f.patient.address });

      await expect(relayGrant(registry, grant.request, grant.signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);
      // Not even the grantee can sign its own consent away.
      await expect(relayRevoke(registry, revoke.request, revoke.signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);
    });

    it("refuses the malleable twin of a valid signature", async function () {
      const f = await loadFixture(relayFixture);
      const registry = f.consentRegistry.connect(f.relayer);
      const { request, signature } = await signHospitalGrant(f);
      const twin = malleableTwin(signature);
      // The twin is a real one: raw ecrecover maps it to the patient too.
      const digest = ethers.TypedDataEncoder.hash(f.domain, GRANT_TYPES, request);
      const r = ethers.dataSlice(twin, 0, 32);
      const s = ethers.dataSlice(twin, 32, 64);
      const v = ethers.getBytes(twin)[64];
      const recovered = await ethers.provider.call({
        to: ECRECOVER_PRECOMPILE,
        data: ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint8", "bytes32", "bytes32"], [digest, v, r, s]),
      });
      expect(ethers.getAddress(ethers.dataSlice(recovered, 12))).to.equal(f.patient.address);

      await expect(relayGrant(registry, request, twin))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);
      await expect(relayGrant(registry, request, signature)).to.emit(f.consentRegistry, "ConsentGranted");
    });

    it("refuses the malleable twin of a valid revoke signature", async function () {
      const f = await loadFixture(relayFixture);
      const registry = f.consentRegistry.connect(f.relayer);
      const { request, signature } = await signClinicRevoke(f);

      await expect(relayRevoke(registry, request, malleableTwin(signature)))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.patient.address);
    });

    const REENCODINGS: [string, (signature: string) => string][] = [
      ["empty", () => "0x"],
      ["r and s without v (64 bytes)", (signature) => ethers.dataSlice(signature, 0, 64)],
      ["the compact ERC-2098 form (64 bytes)", (signature) => ethers.Signature.from(signature).compactSerialized],
      ["one byte too long (66 bytes)", (signature) => ethers.concat([signature, "0x00"])],
    ];
    for (const [name, reencode] of REENCODINGS) {
      it(`refuses a signature that is ${name}`, async function () {
        const f = await loadFixture(relayFixture);
        const { request, signature } = await signHospitalGrant(f);
        const reencoded = reencode(signature);
        expect(reencoded).to.not.equal(signature);

        await expect(relayGrant(f.consentRegistry.connect(f.relayer), request, reencoded))
          .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
          .withArgs(f.patient.address);
      });
    }

    it("refuses the zero address as patient, whatever the signature", async function () {
      const f = await loadFixture(relayFixture);
      const registry = f.consentRegistry.connect(f.relayer);
      const grant = await signHospitalGrant(f, { signer: f.stranger, patient: ethers.ZeroAddress });
      const revoke = await signClinicRevoke(f, { signer: f.stranger, patient: ethers.ZeroAddress });

      await expect(relayGrant(registry, grant.request, grant.signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidPatient")
        .withArgs(ethers.ZeroAddress);
      // A signature ecrecover maps to the zero address.
      await expect(relayGrant(registry, grant.request, ethers.concat([ethers.ZeroHash, ethers.ZeroHash, "0x1b"])))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidPatient")
        .withArgs(ethers.ZeroAddress);
      await expect(relayRevoke(registry, revoke.request, revoke.signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidPatient")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("ERC-1271 wallets", function () {
    it("grant on the owner's signature, with the wallet as patient and `by`", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, walletOwner, walletAddress, hospital, relayer } = f;
      const { request, signature } = await signHospitalGrant(f, { signer: walletOwner, patient: walletAddress });

      await expect(relayGrant(consentRegistry.connect(relayer), request, signature))
        .to.emit(consentRegistry, "ConsentGranted")
        .withArgs(
          walletAddress,
          hospital.address,
          request.categories,
          request.actions,
          request.purposes,
          request.expiresAt,
          walletAddress,
        );
      expect(
        await consentRegistry.hasAccess(walletAddress, hospital, request.categories, Action.Read, Purpose.Treatment),
      ).to.be.true;
      expect(await consentRegistry.nonces(walletAddress)).to.equal(1n);
      // The owner's own account gained nothing.
      expect((await consentRegistry.consentOf(walletOwner, hospital)).expiresAt).to.equal(0n);
    });

    it("revoke on the owner's signature", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, wallet, walletOwner, walletAddress, clinic, relayer } = f;
      const grantData = consentRegistry.interface.encodeFunctionData("grantConsent", [
        clinic.address,
        CLINIC_TERMS.categories,
        CLINIC_TERMS.actions,
        CLINIC_TERMS.purposes,
        f.expiresAt,
      ]);
      await wallet.connect(walletOwner).execute(consentRegistry, grantData);
      const { request, signature } = await signClinicRevoke(f, { signer: walletOwner, patient: walletAddress });

      await expect(relayRevoke(consentRegistry.connect(relayer), request, signature))
        .to.emit(consentRegistry, "ConsentRevoked")
        .withArgs(walletAddress, clinic.address, walletAddress);
      expect(
        await consentRegistry.hasAccess(walletAddress, clinic, CLINIC_TERMS.categories, Action.Read, Purpose.Treatment),
      ).to.be.false;
    });

    it("refuse a signature by anyone but the owner", async function () {
      const f = await loadFixture(relayFixture);
      const { request, signature } = await signHospitalGrant(f, { signer: f.stranger, patient: f.walletAddress });

      await expect(relayGrant(f.consentRegistry.connect(f.relayer), request, signature))
        .to.be.revertedWithCustomError(f.consentRegistry, "ConsentInvalidSignature")
        .withArgs(f.walletAddress);
    });

    it("refuse whatever a refusing wallet is sent", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, refusingWalletAddress, walletOwner, relayer } = f;
      const registry = consentRegistry.connect(relayer);
      const grant = await signHospitalGrant(f, { signer: walletOwner, patient: refusingWalletAddress });
      const revoke = await signClinicRevoke(f, { signer: walletOwner, patient: refusingWalletAddress });

      await expect(relayGrant(registry, grant.request, grant.signature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(refusingWalletAddress);
      await expect(relayRevoke(registry, revoke.request, revoke.signature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(refusingWalletAddress);
    });

    it("cancel outstanding signatures by calling useNonce from the wallet", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, wallet, walletOwner, walletAddress, relayer } = f;
      const { request, signature } = await signHospitalGrant(f, { signer: walletOwner, patient: walletAddress });
      const useNonce = consentRegistry.interface.encodeFunctionData("useNonce");

      await expect(wallet.connect(walletOwner).execute(consentRegistry, useNonce))
        .to.emit(consentRegistry, "NonceUsed")
        .withArgs(walletAddress, 0n);
      await expect(relayGrant(consentRegistry.connect(relayer), request, signature))
        .to.be.revertedWithCustomError(consentRegistry, "ConsentInvalidSignature")
        .withArgs(walletAddress);
    });
  });

  describe("relaying", function () {
    it("costs the patient nothing: the relayer sends and pays", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, relayer } = f;
      const { request, signature } = await signHospitalGrant(f);
      const patientBalance = await ethers.provider.getBalance(patient);
      const patientTxCount = await ethers.provider.getTransactionCount(patient);
      const relayerBalance = await ethers.provider.getBalance(relayer);

      const tx = await relayGrant(consentRegistry.connect(relayer), request, signature);
      const receipt = await tx.wait();

      expect(tx.from).to.equal(relayer.address);
      expect(await ethers.provider.getBalance(patient)).to.equal(patientBalance);
      expect(await ethers.provider.getTransactionCount(patient)).to.equal(patientTxCount);
      expect(await ethers.provider.getBalance(relayer)).to.equal(relayerBalance - receipt!.fee);
    });

    it("may be done by anyone, the grantee included, and still records the patient as `by`", async function () {
      const f = await loadFixture(relayFixture);
      const { consentRegistry, patient, hospital } = f;
      const { request, signature } = await signHospitalGrant(f);

      await expect(relayGrant(consentRegistry.connect(hospital), request, signature))
        .to.emit(consentRegistry, "ConsentGranted")
        .withArgs(
          patient.address,
          hospital.address,
          request.categories,
          request.actions,
          request.purposes,
          request.expiresAt,
          patient.address,
        );
    });
  });
});
