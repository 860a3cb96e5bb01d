// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IPatientAccount
 * @notice A patient's account controlled by passkeys (WebAuthn, P-256) instead of a wallet. It signs for the patient
 * through ERC-1271 (with ERC-7739 typed-data protection), so `grantConsentBySig`, `revokeConsentBySig` and Sign-In with
 * Ethereum accept it unchanged; it acts as `msg.sender` through {executeBySig}, which anyone may relay.
 */
interface IPatientAccount {
    /// @notice Emitted when a relayed, passkey-signed batch of calls ran, consuming `nonce`.
    event PatientAccountExecuted(uint256 indexed nonce, address indexed relayer);

    /// @notice Emitted when the patient names `delegate` as recovery delegate; the zero address clears it.
    event PatientAccountRecoveryDelegateSet(address indexed delegate);

    /**
     * @notice Emitted when the recovery delegate asked to add the passkey (`qx`, `qy`); it can be added from `readyAt`
     * unless one of the account's passkeys cancels first.
     */
    event PatientAccountRecoveryStarted(address indexed delegate, bytes32 qx, bytes32 qy, uint48 readyAt);

    /// @notice Emitted when the passkey (`qx`, `qy`) `delegate` asked for was added, spending its right to recover.
    event PatientAccountRecoveryFinished(address indexed delegate, bytes32 qx, bytes32 qy);

    /**
     * @notice Emitted when the recovery `delegate` started for the passkey (`qx`, `qy`) was cancelled: by the account
     * itself, or because the account named a recovery delegate again (another, the same one, or none).
     */
    event PatientAccountRecoveryCancelled(address indexed delegate, bytes32 qx, bytes32 qy);

    /// @notice The signed execution's deadline has passed.
    error PatientAccountExpiredSignature(uint256 deadline);

    /// @notice The signed execution's signature is not from one of this account's passkeys for these calls and nonce.
    error PatientAccountInvalidSignature();

    /// @notice (`qx`, `qy`) is not a point on the P-256 curve, so no passkey could ever sign for it.
    error PatientAccountInvalidPasskey(bytes32 qx, bytes32 qy);

    /// @notice `caller` is not the recovery delegate (the account has none, or its one recovery was already used).
    error PatientAccountUnauthorizedRecovery(address caller);

    /// @notice A recovery is already pending (it can be finished from `readyAt`): cancel it or finish it first.
    error PatientAccountRecoveryPending(uint48 readyAt);

    /// @notice No recovery is pending: there is nothing to finish or cancel.
    error PatientAccountNoPendingRecovery();

    /// @notice The pending recovery's delay has not passed: it can be finished from `readyAt`.
    error PatientAccountRecoveryNotReady(uint48 readyAt);

    /**
     * @notice Runs `executionData` (ERC-7821 batch encoding: `abi.encode(Call[])` with
     * `Call(address target, uint256 value, bytes data)`) as this account, when one of its passkeys signed the EIP-712
     * struct `Execute(bytes executionData,uint256 nonce,uint256 deadline)` in this account's domain. Anyone may submit
     * it: a relayer pays the gas. The domain binds the chain and this account, and the nonce makes each signature work
     * once, in order.
     * @param executionData The ERC-7821 batch of calls.
     * @param nonce The account's current {nonces} value for itself.
     * @param deadline Last second the signature is valid.
     * @param signature The passkey signature over {executeDigest} (MultiSignerERC7913 encoding).
     */
    function executeBySig(
        bytes calldata executionData,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external payable;

    /// @notice The EIP-712 digest a passkey signs (as the WebAuthn challenge) to authorise {executeBySig}.
    function executeDigest(
        bytes calldata executionData,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /**
     * @notice Adds the passkey (`qx`, `qy`) of another device. Only the account itself (through {executeBySig}) or the
     * ERC-4337 EntryPoint.
     */
    function addPasskey(bytes32 qx, bytes32 qy) external;

    /**
     * @notice Removes the passkey (`qx`, `qy`). Only the account itself or the EntryPoint. The last passkey cannot be
     * removed: the account never ends without one.
     */
    function removePasskey(bytes32 qx, bytes32 qy) external;

    /**
     * @notice Names `delegate` (a relative's wallet, another account) as recovery delegate, or clears it with the zero
     * address. Only the account itself or the EntryPoint. It cancels a pending recovery (emitting
     * {PatientAccountRecoveryCancelled}), even when `delegate` is the one already named: a recovery goes ahead
     * only if none of the account's passkeys changed the recovery settings after it started.
     */
    function setRecoveryDelegate(address delegate) external;

    /**
     * @notice For a patient who lost every device: the recovery delegate asks to add one new passkey (`qx`, `qy`). It
     * can be added by {finishRecovery} once the recovery delay has passed, unless one of the account's passkeys
     * cancels it first ({cancelRecovery}). Only the recovery delegate, with no recovery pending; the key must be a
     * P-256 point and not already one of the account's passkeys. The delegate cannot remove passkeys or execute calls.
     */
    function startRecovery(bytes32 qx, bytes32 qy) external;

    /**
     * @notice Adds the passkey of the pending recovery once its delay has passed, and spends the delegate's right (the
     * recovery delegate is cleared: the patient names one again from the new device). Anyone may call it: the key
     * and the time were fixed when the delegate started, so who submits it changes nothing.
     */
    function finishRecovery() external;

    /// @notice Cancels the pending recovery. Only the account itself (any of its passkeys) or the EntryPoint.
    function cancelRecovery() external;

    /// @notice The recovery delegate; the zero address when none is named.
    function recoveryDelegate() external view returns (address);

    /// @notice The passkey a pending recovery adds and the second it can be added from; all zero when none is pending.
    function pendingRecovery() external view returns (bytes32 qx, bytes32 qy, uint48 readyAt);

    /// @notice Whether the passkey (`qx`, `qy`) controls this account.
    function isPasskey(bytes32 qx, bytes32 qy) external view returns (bool);

    /// @notice The ERC-7913 verifier of WebAuthn assertions that every passkey signer of this account names.
    function webAuthnVerifier() external view returns (address);
}
