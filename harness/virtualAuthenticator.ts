// A platform authenticator for browser tests: Chromium's virtual authenticator (DevTools protocol, WebAuthn domain)
// attached to one page, so navigator.credentials.create/get succeed without a person, Face ID or a security key.
// With `prf: false` it is an authenticator without the PRF extension, as many security keys and older phones are.
import type { CDPSession, Page } from "playwright-core";

export interface VirtualAuthenticatorOptions {
  /** Whether it supports the WebAuthn PRF extension (hmac-secret); true unless said otherwise. */
  prf?: boolean;
}

export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  authenticatorId: string;
  session: CDPSession;
  /** The passkeys it holds (base64 credential ids, as the protocol reports them). */
  credentials(): Promise<VirtualCredential[]>;
  /** Every assertion (navigator.credentials.get) it answered, counted from when it was added. */
  assertions(): number;
  remove(): Promise<void>;
}

export async function addVirtualAuthenticator(
  page: Page,
  options: VirtualAuthenticatorOptions = {},
): Promise<VirtualAuthenticator> {
  const session = await page.context().newCDPSession(page);
  // enableUI false: no native dialog; the protocol answers every request at once.
  await session.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await session.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: options.prf ?? true,
      automaticPresenceSimulation: true,
    },
  });
  let assertions = 0;
  session.on("WebAuthn.credentialAsserted", () => assertions++);
  return {
    authenticatorId,
    session,
    async credentials() {
      const { credentials } = await session.send("WebAuthn.getCredentials", { authenticatorId });
      return credentials as VirtualCredential[];
    },
    assertions: () => assertions,
    async remove() {
      await session.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
      await session.detach();
    },
  };
}
