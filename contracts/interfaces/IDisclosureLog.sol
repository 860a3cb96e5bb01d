// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IDisclosureLog
 * @notice Tamper evidence for the gateway's disclosure log. The gateway records every record it serves off chain, with
 * a sequence number, and anchors the Merkle root of each batch here. Batches cover the sequence numbers 1, 2, 3, ...
 * without gap or overlap, so a missing or rewritten entry shows; a patient proves one entry against its batch's root
 * with `verifyDisclosure`. One batch covers at most {MAX_BATCH} entries and none may end at the last 64-bit number, so
 * no single anchor can exhaust the sequence and `nextSeq()` never overflows. Nothing about the patient, the reader or
 * the record is stored on chain, only roots.
 */
interface IDisclosureLog {
    /// @notice An anchored batch. All fields are zero for a root that was never anchored.
    /// @param fromSeq First sequence number in the batch.
    /// @param toSeq Last sequence number in the batch (inclusive).
    /// @param anchoredAt When the root was anchored.
    struct Batch {
        uint64 fromSeq;
        uint64 toSeq;
        uint40 anchoredAt;
    }

    /// @notice Emitted when `gateway` anchors `root`, the Merkle root of the disclosures `fromSeq` to `toSeq`.
    event DisclosuresAnchored(bytes32 indexed root, uint64 fromSeq, uint64 toSeq, address indexed gateway);

    /// @notice The root is zero.
    error DisclosureLogEmptyRoot();

    /// @notice The range is empty: `toSeq` is below `fromSeq`.
    error DisclosureLogInvalidRange(uint64 fromSeq, uint64 toSeq);

    /// @notice The batch does not start right after the last one: it would leave a gap or overlap.
    error DisclosureLogOutOfOrder(uint64 expectedFromSeq, uint64 fromSeq);

    /// @notice The root was anchored before, for an earlier batch.
    error DisclosureLogRootAlreadyAnchored(bytes32 root);

    /// @notice The batch `fromSeq`..`toSeq` covers more than `maxBatch` ({MAX_BATCH}) entries.
    error DisclosureLogBatchTooLarge(uint64 fromSeq, uint64 toSeq, uint64 maxBatch);

    /// @notice The batch would end at `toSeq`, the last 64-bit sequence number, leaving no next one.
    error DisclosureLogSequenceExhausted(uint64 toSeq);

    /// @notice Role of the gateways that anchor batches: keccak256("GATEWAY_ROLE").
    // solhint-disable-next-line func-name-mixedcase
    function GATEWAY_ROLE() external view returns (bytes32);

    /// @notice The most entries one batch may cover: 1,048,576 (2**20), far above a gateway's batch and far below the
    /// 64-bit sequence space, so no anchor, however mistaken or hostile, can push `nextSeq()` out of range.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_BATCH() external view returns (uint64);

    /**
     * @notice Anchors the Merkle root of the disclosures `fromSeq` to `toSeq`. Gateways only.
     * @param root Non-zero Merkle root over the batch's leaves in sequence order (OpenZeppelin MerkleProof pairing).
     * @param fromSeq Must equal `nextSeq()`.
     * @param toSeq Last sequence number in the batch; at least `fromSeq`, at most `fromSeq + MAX_BATCH() - 1`, and
     * below `type(uint64).max`.
     */
    function anchor(bytes32 root, uint64 fromSeq, uint64 toSeq) external;

    /// @notice The sequence number the next batch must start at: 1 before any anchor, then the last `toSeq` + 1.
    function nextSeq() external view returns (uint64);

    /// @notice The batch anchored under `root`; all fields zero when `root` was never anchored.
    function batchOf(bytes32 root) external view returns (Batch memory);

    /**
     * @notice Whether `leaf` belongs to the anchored batch `root`.
     * @param root A root anchored here; false for any other.
     * @param proof The sibling hashes from the leaf up to the root.
     * @param leaf The disclosure's leaf hash (double keccak256 of its ABI-encoded fields).
     */
    function verifyDisclosure(bytes32 root, bytes32[] calldata proof, bytes32 leaf) external view returns (bool);
}
