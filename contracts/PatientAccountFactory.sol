// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IPatientAccountFactory} from "./interfaces/IPatientAccountFactory.sol";
import {PatientAccount} from "./PatientAccount.sol";

/**
 * @title PatientAccountFactory
 * @notice Deploys each patient's {PatientAccount} as an OpenZeppelin `Clones` minimal proxy at the CREATE2 address
 * derived from the first passkey. The factory deploys the implementation (also the accounts' WebAuthn verifier)
 * itself, so its one address (the same on every chain through the CREATE2 deployment) fixes every account's address.
 */
contract PatientAccountFactory is IPatientAccountFactory {
    address private immutable _implementation;

    constructor() {
        _implementation = address(new PatientAccount());
    }

    /// @inheritdoc IPatientAccountFactory
    function createAccount(bytes32 qx, bytes32 qy) external returns (address account) {
        account = predictAddress(qx, qy);
        if (account.code.length == 0) {
            Clones.cloneDeterministic(_implementation, _salt(qx, qy));
            PatientAccount(payable(account)).initialize(qx, qy);
            emit PatientAccountCreated(account, qx, qy);
        }
    }

    /// @inheritdoc IPatientAccountFactory
    function predictAddress(bytes32 qx, bytes32 qy) public view returns (address) {
        return Clones.predictDeterministicAddress(_implementation, _salt(qx, qy));
    }

    /// @inheritdoc IPatientAccountFactory
    function implementation() external view returns (address) {
        return _implementation;
    }

    function _salt(bytes32 qx, bytes32 qy) private pure returns (bytes32) {
        return keccak256(abi.encode(qx, qy));
    }
}
