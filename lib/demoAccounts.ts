// The demo scene's people: the well-known Hardhat test accounts that `npm run seed` sets up. Local chain only.
import type { Address } from "viem";

export type DemoRole = "admin" | "registrar" | "provider" | "patient" | "delegate";

export interface DemoPerson {
  index: number;
  address: Address;
  name: string;
  role: DemoRole;
  description: string;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    index: 0,
    address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    name: "MedConsent operator",
    role: "admin",
    description: "deployer and admin",
  },
  {
    index: 1,
    address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    name: "State Health Licensing Board",
    role: "registrar",
    description: "registrar",
  },
  {
    index: 2,
    address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    name: "Northside Family Practice",
    role: "provider",
    description: "organization",
  },
  {
    index: 3,
    address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    name: "St. Mary's Hospital",
    role: "provider",
    description: "organization, emergency-capable",
  },
  {
    index: 4,
    address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    name: "Riverside Laboratory",
    role: "provider",
    description: "laboratory",
  },
  {
    index: 5,
    address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    name: "Heart Health Research Study",
    role: "provider",
    description: "researcher",
  },
  {
    index: 6,
    address: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    name: "Alice",
    role: "patient",
    description: "patient",
  },
  {
    index: 7,
    address: "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    name: "Bob",
    role: "patient",
    description: "patient",
  },
  {
    index: 8,
    address: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    name: "Carol",
    role: "delegate",
    description: "Bob's guardian",
  },
];

export const demoPersonAt = (index: number): DemoPerson => DEMO_PEOPLE[index];
