// Gas: what a patient or provider pays must not grow with how many consents exist, and each operation stays within
// its goal. Gas is deterministic on the Hardhat network, so the goals are asserted as exact upper bounds.
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { Action, Category, ProviderKind, Purpose, categories, YEAR } from "@/harness/contracts/codes";
import { CLINIC_TERMS, CREDENTIAL, providersFixture } from "@/harness/contracts/fixtures";
import { GOALS, REFERENCES, measureAnchors, measureOperations, measureTransaction } from "@/harness/contracts/gas";
import { latestTime } from "@/harness/contracts/time";
import { VAULT_GOALS, measureVaultOperations } from "@/harness/contracts/vaultGas";
import { PASSKEY_GOALS, besideSignedGrant, measurePasskeyOperations } from "@/harness/contracts/passkeyGas";

// solidity-coverage instruments the contracts and turns the optimizer off, so absolute gas means nothing under it; the
// goals and the footprint model are skipped there. Equal costs for equal code paths still hold and still run.
const UNDER_COVERAGE =
  (hre as typeof hre & { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;

const CROWD = 100;
const ONE_PERCENT = 0.01;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

/**
 * Providers plus crowds on both sides. Patient side: `other` has 1 consent (to provider P0) and `patient` has 100 (to
 * P0 and 99 more providers). Provider side: the clinic has 1 patient (W0) and the lab has 100 (W0 and 99 more), all
 * fresh wallets.
 */
async function crowdFixture() {
  const base = await providersFixture();
  const { providerRegistry, consentRegistry, registrar, patient, other, clinic, lab } = base;
  const expiresAt = (await latestTime()) + YEAR;
  const terms = [CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, expiresAt] as const;

  const providers = Array.from({ length: CROWD }, () => ethers.Wallet.createRandom().address);
  const asRegistrar = providerRegistry.connect(registrar);
  await Promise.all(
    providers.map((provider, i) =>
      asRegistrar.registerProvider(provider, ProviderKind.Clinician, `Clinician ${i}`, CREDENTIAL),
    ),
  );
  const asPatient = consentRegistry.connect(patient);
  await Promise.all(providers.map((provider) => asPatient.grantConsent(provider, ...terms)));
  await consentRegistry.connect(other).grantConsent(providers[0], ...terms);

  const wallets = Array.from({ length: CROWD }, () => ethers.Wallet.createRandom().connect(ethers.provider));
  await Promise.all(wallets.map((wallet) => setBalance(wallet.address, ethers.parseEther("1"))));
  await Promise.all(wallets.map((wallet) => consentRegistry.connect(wallet).grantConsent(lab.address, ...terms)));
  await consentRegistry.connect(wallets[0]).grantConsent(clinic.address, ...terms);

  return {
    ...base,
    sparsePatient: other,
    crowdedPatient: patient,
    sharedProvider: providers[0],
    sparseProvider: clinic,
    crowdedProvider: lab,
    sharedPatient: wallets[0],
    expiresAt,
  };
}

// The terms a consent is changed to: lab results, medications and allergies, for treatment and operations.
const CHANGED = [
  categories(Category.LabResults, Category.Medications, Category.Allergies),
  Action.Read,
  Purpose.Treatment | Purpose.Operations,
] as const;

describe("Gas", function () {
  describe("Constant cost", function () {
    describe("grantConsent", function () {
      it("costs the same for a new consent whether the patient has 1 or 100 consents", async function () {
        const { consentRegistry, sparsePatient, crowdedPatient, hospital, expiresAt } = await loadFixture(crowdFixture);
        const terms = [CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, expiresAt] as const;
        const sparse = await gasOf(consentRegistry.connect(sparsePatient).grantConsent(hospital.address, ...terms));
        const crowded = await gasOf(consentRegistry.connect(crowdedPatient).grantConsent(hospital.address, ...terms));

        expect(
          await consentRegistry.hasAccess(
            crowdedPatient.address,
            hospital.address,
            terms[0],
            Action.Read,
            Purpose.Treatment,
          ),
        ).to.equal(true);
        expect(crowded).to.be.closeTo(sparse, sparse * ONE_PERCENT);
      });

      it("costs the same for a new consent whether the provider has 1 or 100 patients", async function () {
        const { consentRegistry, stranger, sparseProvider, crowdedProvider, expiresAt } =
          await loadFixture(crowdFixture);
        const terms = [CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, expiresAt] as const;
        const asStranger = consentRegistry.connect(stranger);
        const sparse = await gasOf(asStranger.grantConsent(sparseProvider.address, ...terms));
        const crowded = await gasOf(asStranger.grantConsent(crowdedProvider.address, ...terms));

        expect(
          await consentRegistry.hasAccess(
            stranger.address,
            crowdedProvider.address,
            terms[0],
            Action.Read,
            Purpose.Treatment,
          ),
        ).to.equal(true);
        expect(crowded).to.be.closeTo(sparse, sparse * ONE_PERCENT);
      });

      it("costs the same to change a consent whether the patient has 1 or 100 consents", async function () {
        const { consentRegistry, sparsePatient, crowdedPatient, sharedProvider, expiresAt } =
          await loadFixture(crowdFixture);
        const sparse = await gasOf(
          consentRegistry.connect(sparsePatient).grantConsent(sharedProvider, ...CHANGED, expiresAt + YEAR),
        );
        const crowded = await gasOf(
          consentRegistry.connect(crowdedPatient).grantConsent(sharedProvider, ...CHANGED, expiresAt + YEAR),
        );

        expect((await consentRegistry.consentOf(crowdedPatient.address, sharedProvider)).categories).to.equal(
          CHANGED[0],
        );
        expect(crowded).to.be.closeTo(sparse, sparse * ONE_PERCENT);
      });

      it("costs the same to change a consent whether the provider has 1 or 100 patients", async function () {
        const { consentRegistry, sharedPatient, sparseProvider, crowdedProvider, expiresAt } =
          await loadFixture(crowdFixture);
        const asShared = consentRegistry.connect(sharedPatient);
        const sparse = await gasOf(asShared.grantConsent(sparseProvider.address, ...CHANGED, expiresAt + YEAR));
        const crowded = await gasOf(asShared.grantConsent(crowdedProvider.address, ...CHANGED, expiresAt + YEAR));

        expect((await consentRegistry.consentOf(sharedPatient.address, crowdedProvider.address)).categories).to.equal(
          CHANGED[0],
        );
        expect(crowded).to.be.closeTo(sparse, sparse * ONE_PERCENT);
      });
    });

    describe("revokeConsent", function () {
      it("costs the same whether the patient has 1 or 100 consents", async function () {
        const { consentRegistry, sparsePatient, crowdedPatient, sharedProvider } = await loadFixture(crowdFixture);
        const sparse = await gasOf(consentRegistry.connect(sparsePatient).revokeConsent(sharedProvider));
        const crowded = await gasOf(consentRegistry.connect(crowdedPatient).revokeConsent(sharedProvider));

        expect((await consentRegistry.consentOf(crowdedPatient.address, sharedProvider)).expiresAt).to.equal(0n);
        expect(crowded).to.be.closeTo(sparse, sparse * ONE_PERCENT);
      });

      it("costs the same whether the provider has 1 or 100 patients", async function () {
        const { consentRegistry, sharedPatient, sparseProvider, crowdedProvider } = await loadFixture(crowdFixture);
        const asShared = consentRegistry.connect(sharedPatient);
        const sparse = await gasOf(asShared.revokeConsent(sparseProvider.address));
        const crowded = await gasOf(asShared.revokeConsent(crowdedProvider.address));

        expect((await consentRegistry.consentOf(sharedPatient.address, crowdedProvider.address)).expiresAt).to.equal(
          0n,
        );
        expect(crowded).to.be.closeTo(sparse, sparse * ONE_PERCENT);
      });
    });

    describe("hasAccess", function () {
      const request = [categories(Category.LabResults), Action.Read, Purpose.Treatment] as const;

      it("costs the same whether the patient has 1 or 100 consents", async function () {
        const { consentRegistry, sparsePatient, crowdedPatient, sharedProvider } = await loadFixture(crowdFixture);
        const sparse = await consentRegistry.hasAccess.estimateGas(sparsePatient.address, sharedProvider, ...request);
        const crowded = await consentRegistry.hasAccess.estimateGas(crowdedPatient.address, sharedProvider, ...request);

        expect(await consentRegistry.hasAccess(crowdedPatient.address, sharedProvider, ...request)).to.equal(true);
        expect(Number(crowded)).to.be.closeTo(Number(sparse), Number(sparse) * ONE_PERCENT);
      });

      it("costs the same whether the provider has 1 or 100 patients", async function () {
        const { consentRegistry, sharedPatient, sparseProvider, crowdedProvider } = await loadFixture(crowdFixture);
        const sparse = await consentRegistry.hasAccess.estimateGas(sharedPatient.address, sparseProvider, ...request);
        const crowded = await consentRegistry.hasAccess.estimateGas(sharedPatient.address, crowdedProvider, ...request);

        expect(await consentRegistry.hasAccess(sharedPatient.address, crowdedProvider, ...request)).to.equal(true);
        expect(Number(crowded)).to.be.closeTo(Number(sparse), Number(sparse) * ONE_PERCENT);
      });
    });
  });

  (UNDER_COVERAGE ? describe.skip : describe)("Goals", function () {
    /** Every operation and anchor measured once, in order, on a fresh deployment (the vault's on another). */
    async function measuredFixture() {
      const operations = [
        ...besideSignedGrant(await measureOperations(), await measurePasskeyOperations()),
        ...(await measureVaultOperations()),
      ];
      const anchors = await measureAnchors();
      const byKey = new Map([...operations, ...anchors].map((m) => [m.key, m]));
      return { operations, anchors, byKey };
    }

    for (const [key, goal] of Object.entries({ ...GOALS, ...PASSKEY_GOALS, ...VAULT_GOALS })) {
      it(`${goal.operation}: at most ${goal.gas.toLocaleString("en-US")} gas`, async function () {
        const { byKey } = await loadFixture(measuredFixture);
        const measurement = byKey.get(key);

        expect(measurement, `no measurement for ${key}`).to.not.equal(undefined);
        expect(measurement!.gas, measurement!.label).to.be.at.most(goal.gas);
      });
    }

    it("declares for each operation the footprint its trace shows", async function () {
      const { operations, anchors } = await loadFixture(measuredFixture);
      const mismatches = [...operations, ...anchors].flatMap((m) => m.mismatches.map((text) => `${m.key}: ${text}`));

      expect(mismatches).to.deep.equal([]);
    });

    it("measures no operation below its theoretical minimum", async function () {
      const { operations, anchors } = await loadFixture(measuredFixture);
      const below = [...operations, ...anchors].filter((m) => m.gas < m.minimum).map((m) => `${m.key}: ${m.gas}`);

      expect(below).to.deep.equal([]);
    });

    it("measures the OpenZeppelin anchors within 1% of their reference numbers", async function () {
      const { byKey } = await loadFixture(measuredFixture);

      for (const key of ["approve", "grantRole", "permit"] as const) {
        expect(byKey.get(key)!.gas, key).to.be.closeTo(REFERENCES[key], REFERENCES[key] * ONE_PERCENT);
      }
    });
  });

  describe("Measurement model", function () {
    it("reports a footprint that does not match the trace", async function () {
      const { consentRegistry, patient, delegate } = await loadFixture(providersFixture);
      const names = new Map([[await consentRegistry.getAddress(), "ConsentRegistry"]]);
      const wrong = {
        key: "setDelegate",
        label: "setDelegate declared as a read only",
        footprint: {
          newSlots: [],
          changedSlots: [],
          clearedSlots: [],
          // The delegate slot is written, not only read; the patient's state slot is the one cold read.
          coldReads: ["ConsentRegistry: _delegates[patient][delegate]", "ConsentRegistry: _patients[patient]"],
          coldAccounts: [],
          logs: [{ event: "DelegateSet", topics: 3, dataBytes: 32 }],
          ecrecovers: 0,
        },
      };

      const measurement = await measureTransaction(
        wrong,
        names,
        consentRegistry.connect(patient).setDelegate(delegate.address, true),
      );

      expect(measurement.mismatches).to.deep.equal([
        "new slots of ConsentRegistry: declared 0, traced 1",
        "cold reads of ConsentRegistry: declared 2, traced 1",
      ]);
    });
  });
});
