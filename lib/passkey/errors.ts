// The errors of the passkey ceremonies, in plain words; tiny, so the connector can load them with every page.

/** A refusal or failure of a passkey ceremony, in plain words. `code` 4001 when the person cancelled. */
export class PasskeyError extends Error {
  readonly code?: number;
  constructor(message: string, options: { code?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "PasskeyError";
    this.code = options.code;
  }
}

/**
 * The authenticator gave no PRF result, so this passkey cannot give an encryption key. The message says what the
 * patient can and cannot do.
 */
export class NoPrfError extends PasskeyError {
  constructor() {
    super(NO_PRF_MESSAGE);
    this.name = "NoPrfError";
  }
}

export const NO_PRF_MESSAGE =
  "This passkey cannot give an encryption key (its device does not support the WebAuthn PRF extension), so you " +
  "cannot upload or open encrypted records on this device. You can still grant, change and revoke access, manage " +
  "delegates and the emergency setting, and see who read your records. To use records, add a passkey from a device " +
  "that supports it (a recent iPhone, Android phone, Windows Hello, or a recent security key).";
