// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKeyDirectory} from "./interfaces/IKeyDirectory.sol";

/**
 * @title KeyDirectory
 * @notice Each account's current X25519 encryption key. Anyone may publish their own key; nobody may publish
 * someone else's, so a key read here was set by the account it belongs to.
 */
contract KeyDirectory is IKeyDirectory {
    mapping(address account => bytes32 publicKey) private _encryptionKeys;

    /// @inheritdoc IKeyDirectory
    function setEncryptionKey(bytes32 publicKey) external {
        if (publicKey == bytes32(0)) revert KeyDirectoryInvalidKey();
        _encryptionKeys[msg.sender] = publicKey;
        emit EncryptionKeySet(msg.sender, publicKey);
    }

    /// @inheritdoc IKeyDirectory
    function encryptionKeyOf(address account) external view returns (bytes32) {
        return _encryptionKeys[account];
    }
}
