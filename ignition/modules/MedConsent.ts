import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

// Deploys the three MedConsent contracts wired together. Parameters:
//   admin       holds the default admin and registrar roles (default: the deploying account)
//   adminDelay  seconds a new default admin must wait before accepting the role (default: 1 day)
const MedConsentModule = buildModule("MedConsent", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const adminDelay = m.getParameter("adminDelay", 86_400);

  const providerRegistry = m.contract("ProviderRegistry", [adminDelay, admin]);
  const consentRegistry = m.contract("ConsentRegistry", [providerRegistry]);
  const recordRegistry = m.contract("RecordRegistry", [consentRegistry]);

  return { providerRegistry, consentRegistry, recordRegistry };
});

export default MedConsentModule;
