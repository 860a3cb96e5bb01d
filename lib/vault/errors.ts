// The one error type of the vault's crypto and encodings, so callers can tell "this record or key is unusable"
// (shown to the user in plain words) apart from programming errors.

/** A record, key, CID or encoding that cannot be used; `message` is plain words fit to show to a person. */
export class VaultError extends Error {
  override name = "VaultError";
}
