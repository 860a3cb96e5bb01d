// Named fixtures for loadFixture: each builds one scenario on a fresh snapshot.
import { ethers, ignition } from "hardhat";
import MedConsentModule from "@/ignition/modules/MedConsent";
import type {
  ConsentRegistry,
  KeyDirectory,
  PatientAccountFactory,
  ProviderRegistry,
  RecordRegistry,
} from "@/typechain-types";
import { Action, Category, ProviderKind, Purpose, categories, DAY } from "./codes";
import { latestTime } from "./time";

export const CREDENTIAL = ethers.id("licence:demo");
export const ADMIN_DELAY = DAY;

/** The contracts deployed through the production Ignition module, and named accounts. */
export async function deployFixture() {
  const [admin, registrar, patient, clinic, lab, hospital, delegate, stranger, relayer, other] =
    await ethers.getSigners();
  const deployed = await ignition.deploy(MedConsentModule, { parameters: { MedConsent: { admin: admin.address } } });
  const providerRegistry = deployed.providerRegistry as unknown as ProviderRegistry;
  const consentRegistry = deployed.consentRegistry as unknown as ConsentRegistry;
  const recordRegistry = deployed.recordRegistry as unknown as RecordRegistry;
  const keyDirectory = deployed.keyDirectory as unknown as KeyDirectory;
  const patientAccountFactory = deployed.patientAccountFactory as unknown as PatientAccountFactory;
  await providerRegistry.grantRole(await providerRegistry.REGISTRAR_ROLE(), registrar.address);
  return {
    providerRegistry,
    consentRegistry,
    recordRegistry,
    keyDirectory,
    patientAccountFactory,
    admin,
    registrar,
    patient,
    clinic,
    lab,
    hospital,
    delegate,
    stranger,
    relayer,
    other,
  };
}

/** Deployment plus three active providers: a clinic, a laboratory and an emergency-capable hospital. */
export async function providersFixture() {
  const base = await deployFixture();
  const { providerRegistry, registrar, clinic, lab, hospital } = base;
  const asRegistrar = providerRegistry.connect(registrar);
  await asRegistrar.registerProvider(
    clinic.address,
    ProviderKind.Organization,
    "Northside Family Practice",
    CREDENTIAL,
  );
  await asRegistrar.registerProvider(lab.address, ProviderKind.Laboratory, "Riverside Laboratory", CREDENTIAL);
  await asRegistrar.registerProvider(hospital.address, ProviderKind.Organization, "St. Mary's Hospital", CREDENTIAL);
  await asRegistrar.setEmergencyCapable(hospital.address, true);
  return base;
}

/** The patient's consent to the clinic: lab results and medications, READ, treatment, for 30 days. */
export const CLINIC_TERMS = {
  categories: categories(Category.LabResults, Category.Medications),
  actions: Action.Read,
  purposes: Purpose.Treatment,
};

/** Providers plus a live consent from the patient to the clinic, and the lab's consent to append lab results. */
export async function consentFixture() {
  const base = await providersFixture();
  const { consentRegistry, patient, clinic, lab } = base;
  const expiresAt = (await latestTime()) + 30 * DAY;
  await consentRegistry
    .connect(patient)
    .grantConsent(clinic.address, CLINIC_TERMS.categories, CLINIC_TERMS.actions, CLINIC_TERMS.purposes, expiresAt);
  await consentRegistry
    .connect(patient)
    .grantConsent(
      lab.address,
      categories(Category.LabResults),
      Action.Append | Action.Read,
      Purpose.Treatment,
      expiresAt,
    );
  return { ...base, expiresAt };
}
