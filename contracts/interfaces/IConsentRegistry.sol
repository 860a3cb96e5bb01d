// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IConsentRegistry
 * @notice The consent ledger. A patient grants a provider (the grantee) access to a set of data categories, for a set
 * of actions and purposes, until an expiry; narrows, widens, extends or revokes it; or revokes everything at once.
 * Grants and revocations may also be signed off chain (EIP-712) and relayed by anyone, or made by a delegate the
 * patient chose (guardian, caregiver). Emergency-capable providers may break the glass for a short, logged window of
 * read access to routine data, unless the patient has turned emergency access off.
 *
 * Bitmasks are those of {ConsentCodes}. In {hasAccess} and {checkAccess}, `categories` is a mask while `action` and
 * `purpose` are single bits. A consent is live while `block.timestamp < expiresAt`.
 */
interface IConsentRegistry {
    /// @notice A consent as stored: one slot per (patient, grantee).
    /// @param categories Granted data categories (mask).
    /// @param actions Granted actions (mask of READ, APPEND).
    /// @param purposes Granted purposes of use (mask).
    /// @param grantedAt When the consent was last granted or changed.
    /// @param expiresAt First second at which the consent no longer applies; 0 if never granted or revoked.
    /// @param epoch The patient's epoch when granted; a consent from an older epoch was revoked by revoke-all.
    struct Consent {
        uint64 categories;
        uint8 actions;
        uint8 purposes;
        uint40 grantedAt;
        uint40 expiresAt;
        uint32 epoch;
    }

    /// @notice Emitted when a consent is created or replaced. `by` authorised it: the patient or their delegate.
    event ConsentGranted(
        address indexed patient,
        address indexed grantee,
        uint64 categories,
        uint8 actions,
        uint8 purposes,
        uint40 expiresAt,
        address by
    );

    /// @notice Emitted when a consent is revoked. `by` authorised it: the patient or their delegate.
    event ConsentRevoked(address indexed patient, address indexed grantee, address by);

    /// @notice Emitted when `patient` revokes every consent at once; consents of epochs below `epoch` are void,
    /// delegates set before it are removed, and the patient's nonce was consumed (no `NonceUsed`: this event says it).
    event AllConsentsRevoked(address indexed patient, uint32 epoch);

    /// @notice Emitted when `patient` allows or disallows `delegate` to manage consents on their behalf.
    event DelegateSet(address indexed patient, address indexed delegate, bool allowed);

    /// @notice Emitted when `patient` allows or refuses emergency (break-glass) access.
    event EmergencyAccessSet(address indexed patient, bool allowed);

    /// @notice Emitted when `grantee` breaks the glass on `patient`'s routine data until `expiresAt`.
    /// @param reasonHash A code for the reason (never free text).
    event EmergencyAccessUsed(address indexed patient, address indexed grantee, bytes32 reasonHash, uint40 expiresAt);

    /// @notice Emitted when `patient` consumes nonce `nonce` through {useNonce}, cancelling signatures made with it.
    event NonceUsed(address indexed patient, uint256 nonce);

    // ---- Errors raised when changing consents ----

    /// @notice The grantee is the zero address.
    error ConsentInvalidGrantee(address grantee);

    /// @notice A patient cannot grant consent to themself.
    error ConsentSelfGrant(address patient);

    /// @notice The grantee is not an active registered provider.
    error ConsentGranteeNotActive(address grantee);

    /// @notice The categories mask is empty.
    error ConsentNoCategories();

    /// @notice The categories mask has bits that are not defined categories.
    error ConsentUndefinedCategories(uint64 categories);

    /// @notice The actions mask is empty or has undefined bits.
    error ConsentInvalidActions(uint8 actions);

    /// @notice The purposes mask is empty or has undefined bits.
    error ConsentInvalidPurposes(uint8 purposes);

    /// @notice The expiry is not in the future or is more than 10 years ahead.
    error ConsentInvalidExpiry(uint40 expiresAt, uint40 maxExpiresAt);

    /// @notice There is no live consent to revoke (never granted, already revoked, revoked by revoke-all, or expired).
    error ConsentNotLive(address patient, address grantee);

    /// @notice The caller is not a delegate of the patient.
    error ConsentUnauthorizedDelegate(address patient, address caller);

    /// @notice The delegate is the zero address or the patient themself.
    error ConsentInvalidDelegate(address delegate);

    /// @notice The patient is the zero address.
    error ConsentInvalidPatient(address patient);

    /// @notice The signature's deadline has passed.
    error ConsentExpiredSignature(uint256 deadline);

    /// @notice The signature's deadline is more than {MAX_SIGNATURE_LIFETIME} after this block: at most `maxDeadline`.
    error ConsentSignatureDeadlineTooFar(uint256 deadline, uint256 maxDeadline);

    /// @notice The signature is not the patient's over this exact request and their current nonce.
    error ConsentInvalidSignature(address patient);

    /// @notice The caller is not an active provider flagged emergency-capable.
    error ConsentNotEmergencyProvider(address provider);

    /// @notice The patient has turned emergency access off.
    error ConsentEmergencyAccessDisabled(address patient);

    /// @notice The emergency reason code is zero.
    error ConsentInvalidReason();

    /// @notice `provider`'s emergency window on `patient` is still open until `until`: it cannot be renewed before.
    error ConsentEmergencyAccessAlreadyOpen(address patient, address provider, uint40 until);

    // ---- Reasons {checkAccess} reports, in the order it checks them ----

    /// @notice The categories mask is empty or undefined, or the action or purpose is not a single defined bit.
    error AccessInvalidArgument(uint64 categories, uint8 action, uint8 purpose);

    /// @notice The grantee is not an active registered provider (never registered, or suspended).
    error AccessProviderInactive(address grantee);

    /// @notice There is no consent: never granted, revoked, or from before a revoke-all.
    error AccessNoConsent(address patient, address grantee);

    /// @notice The consent expired at `expiredAt`.
    error AccessExpired(address patient, address grantee, uint40 expiredAt);

    /// @notice The consent does not cover the categories in `missing`.
    error AccessCategoryNotGranted(uint64 missing);

    /// @notice The consent does not cover `action`.
    error AccessActionNotGranted(uint8 action);

    /// @notice The consent does not cover `purpose`.
    error AccessPurposeNotGranted(uint8 purpose);

    // ---- Patient's own operations ----

    /**
     * @notice Creates or replaces (narrows, widens, extends) the caller's consent to `grantee`.
     * @param grantee An active registered provider, not the caller.
     * @param categories Non-empty mask of defined categories.
     * @param actions Non-empty mask of defined actions.
     * @param purposes Non-empty mask of defined purposes.
     * @param expiresAt In the future and at most 10 years ahead.
     */
    function grantConsent(address grantee, uint64 categories, uint8 actions, uint8 purposes, uint40 expiresAt) external;

    /// @notice Revokes the caller's live consent to `grantee`. Reverts with {ConsentNotLive} if there is none.
    function revokeConsent(address grantee) external;

    /**
     * @notice Revokes every consent of the caller at once, in constant gas, by bumping their epoch. In the same storage
     * write it consumes the caller's current nonce, so no signature made before it can be relayed after it, and it
     * removes every delegate set before it (a delegate counts only in the epoch it was set in).
     */
    function revokeAllConsents() external;

    /**
     * @notice {grantConsent} authorised by `patient`'s EIP-712 `GrantConsent` signature, relayed by anyone.
     * @dev Typed struct: `GrantConsent(address patient,address grantee,uint64 categories,uint8 actions,
     * uint8 purposes,uint40 expiresAt,uint256 nonce,uint256 deadline)`; valid while `block.timestamp <= deadline`,
     * and refused while `deadline` is more than {MAX_SIGNATURE_LIFETIME} ahead of the block (so a signature is usable
     * for at most its last hour). ERC-1271 wallets are supported. Consumes the patient's nonce.
     */
    function grantConsentBySig(
        address patient,
        address grantee,
        uint64 categories,
        uint8 actions,
        uint8 purposes,
        uint40 expiresAt,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /**
     * @notice {revokeConsent} authorised by `patient`'s EIP-712 `RevokeConsent` signature, relayed by anyone.
     * @dev Typed struct: `RevokeConsent(address patient,address grantee,uint256 nonce,uint256 deadline)`. The same
     * deadline rules as {grantConsentBySig}.
     */
    function revokeConsentBySig(address patient, address grantee, uint256 deadline, bytes calldata signature) external;

    /// @notice The nonce that `patient`'s next signature must carry. Signed calls, {useNonce} and
    /// {revokeAllConsents} each consume it.
    function nonces(address patient) external view returns (uint256);

    /// @notice The longest a signature may be ahead of its use: a signed call whose `deadline` is more than this
    /// (1 hour) after the block's timestamp is refused with {ConsentSignatureDeadlineTooFar}.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_SIGNATURE_LIFETIME() external view returns (uint40);

    /// @notice Consumes the caller's current nonce, cancelling every outstanding signature made with it.
    /// @return The nonce consumed.
    function useNonce() external returns (uint256);

    /**
     * @notice Allows or disallows `delegate` (guardian, caregiver) to grant and revoke for the caller. The delegate is
     * set in the caller's current epoch: {revokeAllConsents} removes it, and the patient names it again if they wish.
     */
    function setDelegate(address delegate, bool allowed) external;

    /// @notice Whether `delegate` may grant and revoke for `patient`: allowed, and not since removed by revoke-all.
    function isDelegate(address patient, address delegate) external view returns (bool);

    /// @notice {grantConsent} for `patient`, by one of their delegates ({isDelegate}); else
    /// {ConsentUnauthorizedDelegate}.
    function grantConsentFor(
        address patient,
        address grantee,
        uint64 categories,
        uint8 actions,
        uint8 purposes,
        uint40 expiresAt
    ) external;

    /// @notice {revokeConsent} for `patient`, by one of their delegates ({isDelegate}); else
    /// {ConsentUnauthorizedDelegate}.
    function revokeConsentFor(address patient, address grantee) external;

    // ---- Emergency access ----

    /// @notice The caller's standing choice on emergency access (default allowed). Turning it off ends open windows.
    function setEmergencyAccess(bool allowed) external;

    /**
     * @notice Opens a window of {EMERGENCY_WINDOW} in which the caller, an active emergency-capable provider, may
     * READ `patient`'s routine (non-sensitive) categories for purpose EMERGENCY. At most once per window per
     * (provider, patient): while the caller's window on `patient` is open it reverts with
     * {ConsentEmergencyAccessAlreadyOpen}; once it has ended (or the patient ended it) the glass may be broken again,
     * and every use emits {EmergencyAccessUsed}.
     * @param reasonHash A non-zero reason code, never free text.
     */
    function breakGlass(address patient, bytes32 reasonHash) external;

    /// @notice Length of an emergency window: 24 hours.
    // solhint-disable-next-line func-name-mixedcase
    function EMERGENCY_WINDOW() external view returns (uint40);

    /// @notice End of `grantee`'s emergency window on `patient` (may be past); 0 if none, or ended by the patient.
    function emergencyAccessUntil(address patient, address grantee) external view returns (uint40);

    /// @notice Whether `patient` allows emergency access (true unless they turned it off).
    function emergencyAccessAllowed(address patient) external view returns (bool);

    // ---- Reads ----

    /// @notice The stored consent of `patient` to `grantee`, whatever its state; compare `epoch` with {epochOf}.
    function consentOf(address patient, address grantee) external view returns (Consent memory);

    /// @notice `patient`'s current epoch; consents stamped with an older epoch were revoked by revoke-all.
    function epochOf(address patient) external view returns (uint32);

    /**
     * @notice Whether `grantee` may now perform `action` on `categories` of `patient`'s data for `purpose`: the grantee
     * is an active provider and either its live consent covers them all, or it broke the glass within the window and
     * asks to READ routine categories for EMERGENCY. False for invalid arguments. Constant cost.
     */
    function hasAccess(
        address patient,
        address grantee,
        uint64 categories,
        uint8 action,
        uint8 purpose
    ) external view returns (bool);

    /// @notice Like {hasAccess}, but reverts with the first failing reason (the `Access*` errors) instead of false.
    function checkAccess(
        address patient,
        address grantee,
        uint64 categories,
        uint8 action,
        uint8 purpose
    ) external view;

    /**
     * @notice Whether `grantee` is an active provider whose live consent covers `categories` and every bit of
     * `actions`, for any purpose. Used by {IRecordRegistry} to authorise authors.
     */
    function coversActions(
        address patient,
        address grantee,
        uint64 categories,
        uint8 actions
    ) external view returns (bool);
}
