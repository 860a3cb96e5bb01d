// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IKeyDirectory
 * @notice Where each account publishes the X25519 public key that records shared with it are encrypted to. A patient's
 * portal and the gateway read it to wrap a record's content key for a reader; the key itself holds no personal data.
 */
interface IKeyDirectory {
    /// @notice Emitted when `account` publishes `publicKey`, replacing any key it had before.
    event EncryptionKeySet(address indexed account, bytes32 publicKey);

    /// @notice The public key is zero.
    error KeyDirectoryInvalidKey();

    /**
     * @notice Publishes the caller's X25519 public key, replacing the one it had. There is no removal: an account
     * that wants to stop receiving keys rotates to a new one and discards the private half of the old.
     * @param publicKey The 32-byte X25519 public key; must not be zero.
     */
    function setEncryptionKey(bytes32 publicKey) external;

    /// @notice The X25519 public key `account` published last; zero when it never published one.
    function encryptionKeyOf(address account) external view returns (bytes32);
}
