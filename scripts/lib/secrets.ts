// Secrets come from the environment or from `npx hardhat vars set NAME`, never from files in the repo.
import { vars } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

/** The value of `name` from the environment or Hardhat's vars store, if set. */
export function readSecret(name: string): string | undefined {
  const fromEnv = process.env[name];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return vars.has(name) ? vars.get(name) : undefined;
}

/** Printed by Hardhat as a plain message, without a stack trace. */
export class MissingSecretError extends HardhatPluginError {
  constructor(
    readonly names: string[],
    purpose: string,
  ) {
    super(
      "medconsent",
      `Missing ${names.join(", ")} (${purpose}). Set ${names.length > 1 ? "them" : "it"} with\n` +
        names.map((n) => `    npx hardhat vars set ${n}      (or: export ${n}=...)`).join("\n"),
    );
  }
}

/** Throws, naming every missing variable and how to set it, before anything is sent. */
export function requireSecrets(names: string[], purpose: string): void {
  const missing = names.filter((n) => readSecret(n) === undefined);
  if (missing.length > 0) throw new MissingSecretError(missing, purpose);
}
