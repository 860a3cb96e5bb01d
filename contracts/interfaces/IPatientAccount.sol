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

    /// @notice Emitted when the recovery delegate added the passkey (`qx`, `qy`), spending its right to recover.
    event PatientAccountRecovered(address indexed delegate, bytes32 qx, bytes32 qy);

    /// @notice The signed execution's deadline has passed.
    error PatientAccountExpiredSignature(uint256 deadline);

    /// @notice The signed execution's signature is not from one of this account's passkeys for these calls and nonce.
    error PatientAccountInvalidSignature();

    /// @notice (`qx`, `qy`) is not a point on the P-256 curve, so no passkey could ever sign for it.
    error PatientAccountInvalidPasskey(bytes32 qx, bytes32 qy);

    /// @notice `caller` is not the recovery delegate (or the account has none).
    error PatientAccountUnauthorizedRecovery(address caller);

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
     * address. Only the account itself or the EntryPoint.
     */
    function setRecoveryDelegate(address delegate) external;

    /**
     * @notice For a patient who lost every device: the recovery delegate adds one new passkey (`qx`, `qy`). The right
     * is spent by its use (the delegate is cleared); the delegate cannot remove passkeys or execute calls.
     */
    function recoverWithPasskey(bytes32 qx, bytes32 qy) external;

    /// @notice The recovery delegate; the zero address when none is named.
    function recoveryDelegate() external view returns (address);

    /// @notice Whether the passkey (`qx`, `qy`) controls this account.
    function isPasskey(bytes32 qx, bytes32 qy) external view returns (bool);

    /// @notice The ERC-7913 verifier of WebAuthn assertions that every passkey signer of this account names.
    function webAuthnVerifier() external view returns (address);
}
