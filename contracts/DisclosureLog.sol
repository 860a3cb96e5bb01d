// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IDisclosureLog} from "./interfaces/IDisclosureLog.sol";

/**
 * @title DisclosureLog
 * @notice Merkle roots of the gateway's disclosure batches, contiguous from sequence number 1. The default admin
 * grants and revokes the gateway role and hands over adminship in two steps, after a delay.
 */
contract DisclosureLog is IDisclosureLog, AccessControlDefaultAdminRules {
    /// @inheritdoc IDisclosureLog
    bytes32 public constant GATEWAY_ROLE = keccak256("GATEWAY_ROLE");

    /// @inheritdoc IDisclosureLog
    uint64 public constant MAX_BATCH = 2 ** 20;

    // Zero means "nothing anchored yet", so the first batch starts at 1 without an initialising write.
    uint64 private _lastSeq;
    mapping(bytes32 root => Batch) private _batches;

    /**
     * @param initialAdminDelay Delay before a new default admin may accept the role.
     * @param admin Holds the default admin role; grants the gateway role.
     */
    constructor(uint48 initialAdminDelay, address admin) AccessControlDefaultAdminRules(initialAdminDelay, admin) {}

    /// @inheritdoc IDisclosureLog
    function anchor(bytes32 root, uint64 fromSeq, uint64 toSeq) external onlyRole(GATEWAY_ROLE) {
        if (root == bytes32(0)) revert DisclosureLogEmptyRoot();
        if (toSeq < fromSeq) revert DisclosureLogInvalidRange(fromSeq, toSeq);
        uint64 expectedFromSeq = _lastSeq + 1;
        if (fromSeq != expectedFromSeq) revert DisclosureLogOutOfOrder(expectedFromSeq, fromSeq);
        // toSeq >= fromSeq here, so the difference cannot underflow.
        if (toSeq - fromSeq >= MAX_BATCH) revert DisclosureLogBatchTooLarge(fromSeq, toSeq, MAX_BATCH);
        // The cap alone would still let a batch end at the last 64-bit number once the sequence got near it (after
        // 2**44 full batches: unreachable in practice, but not in logic), and nextSeq() would then overflow.
        if (toSeq == type(uint64).max) revert DisclosureLogSequenceExhausted(toSeq);
        if (_batches[root].anchoredAt != 0) revert DisclosureLogRootAlreadyAnchored(root);

        _lastSeq = toSeq;
        _batches[root] = Batch({fromSeq: fromSeq, toSeq: toSeq, anchoredAt: uint40(block.timestamp)});
        emit DisclosuresAnchored(root, fromSeq, toSeq, _msgSender());
    }

    /// @inheritdoc IDisclosureLog
    function nextSeq() external view returns (uint64) {
        return _lastSeq + 1;
    }

    /// @inheritdoc IDisclosureLog
    function batchOf(bytes32 root) external view returns (Batch memory) {
        return _batches[root];
    }

    /// @inheritdoc IDisclosureLog
    function verifyDisclosure(bytes32 root, bytes32[] calldata proof, bytes32 leaf) external view returns (bool) {
        return _batches[root].anchoredAt != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
