// Named fixtures for the key directory and the disclosure log, deployed through the production Ignition module.
import { ethers, ignition } from "hardhat";
import MedConsentModule from "@/ignition/modules/MedConsent";
import type { DisclosureLog, KeyDirectory } from "@/typechain-types";

export const GATEWAY_ROLE = ethers.id("GATEWAY_ROLE");

/** KeyDirectory and DisclosureLog, the admin, a gateway holding GATEWAY_ROLE, and accounts without roles. */
export async function vaultFixture() {
  const [admin, gateway, patient, reader, stranger, other] = await ethers.getSigners();
  const deployed = await ignition.deploy(MedConsentModule, { parameters: { MedConsent: { admin: admin.address } } });
  const keyDirectory = deployed.keyDirectory as unknown as KeyDirectory;
  const disclosureLog = deployed.disclosureLog as unknown as DisclosureLog;
  await disclosureLog.connect(admin).grantRole(GATEWAY_ROLE, gateway.address);
  return { keyDirectory, disclosureLog, admin, gateway, patient, reader, stranger, other };
}
