// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IPatientAccountFactory
 * @notice Deploys a patient's passkey account as a minimal proxy at a CREATE2 address derived from the passkey, so
 * the address is known (and can be granted to, or sign in) before anything is deployed.
 */
interface IPatientAccountFactory {
    /// @notice Emitted when the account of the passkey (`qx`, `qy`) is deployed at `account`.
    event PatientAccountCreated(address indexed account, bytes32 qx, bytes32 qy);

    /**
     * @notice Deploys the account of the passkey (`qx`, `qy`), or returns it when it already exists: it never reverts
     * on a second call, so a sponsor may call it before every first use.
     * @return account The account's address, {predictAddress} of the same key.
     */
    function createAccount(bytes32 qx, bytes32 qy) external returns (address account);

    /// @notice The address {createAccount} deploys (or deployed) the account of the passkey (`qx`, `qy`) at.
    function predictAddress(bytes32 qx, bytes32 qy) external view returns (address);

    /// @notice The PatientAccount every account is a minimal proxy of.
    function implementation() external view returns (address);
}
