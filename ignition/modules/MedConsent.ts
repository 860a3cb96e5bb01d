import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

// Deploys the MedConsent contracts wired together. Parameters:
//   admin       holds the default admin roles, the registrar role, and grants the gateway role (default: the deployer)
//   adminDelay  seconds a new default admin must wait before accepting the role (default: 1 day)
// New contracts are added after the existing ones: with CREATE2 an address depends only on the contract's bytecode and
// constructor arguments, so the registries keep their addresses.
const MedConsentModule = buildModule("MedConsent", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const adminDelay = m.getParameter("adminDelay", 86_400);

  const providerRegistry = m.contract("ProviderRegistry", [adminDelay, admin]);
  const consentRegistry = m.contract("ConsentRegistry", [providerRegistry]);
  const recordRegistry = m.contract("RecordRegistry", [consentRegistry]);
  const keyDirectory = m.contract("KeyDirectory");
  const disclosureLog = m.contract("DisclosureLog", [adminDelay, admin]);
  // Deploys the passkey accounts' WebAuthn verifier and implementation itself: its address fixes every account's.
  const patientAccountFactory = m.contract("PatientAccountFactory");

  return { providerRegistry, consentRegistry, recordRegistry, keyDirectory, disclosureLog, patientAccountFactory };
});

export default MedConsentModule;
