// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Test-only smart wallet that accepts signatures by its owner key (ERC-1271). Never deployed.
contract ERC1271WalletMock is IERC1271 {
    error ERC1271WalletMockUnauthorized(address caller);

    address private immutable _owner;

    constructor(address owner) {
        _owner = owner;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == _owner ? this.isValidSignature.selector : bytes4(0);
    }

    /// @notice Lets the wallet act as a patient directly, e.g. to grant consent or use a nonce.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != _owner) revert ERC1271WalletMockUnauthorized(msg.sender);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }
}
