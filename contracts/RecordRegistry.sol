// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRecordRegistry} from "./interfaces/IRecordRegistry.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {ConsentCodes} from "./interfaces/ConsentCodes.sol";

/**
 * @title RecordRegistry
 * @notice Append-only record pointers per patient. See {IRecordRegistry}.
 * @dev Two slots per record: the content hash, and (category, author, createdAt, supersededBy) packed. The URI is
 * emitted, not stored: with content addressing it is derivable from the hash, and storing it would cost far more.
 */
contract RecordRegistry is IRecordRegistry {
    uint256 private constant _MAX_URI_LENGTH = 256;

    struct Record {
        bytes32 contentHash;
        uint8 category;
        address author;
        uint40 createdAt;
        uint48 supersededBy;
    }

    IConsentRegistry private immutable _consentRegistry;

    mapping(address patient => uint256) private _recordCounts;
    mapping(address patient => mapping(uint256 recordId => Record)) private _records;

    constructor(IConsentRegistry consentRegistry_) {
        _consentRegistry = consentRegistry_;
    }

    /// @notice The consent registry that authorises authors other than the patient.
    function consentRegistry() external view returns (IConsentRegistry) {
        return _consentRegistry;
    }

    /// @inheritdoc IRecordRegistry
    function addRecord(
        address patient,
        bytes32 contentHash,
        uint8 category,
        string calldata uri
    ) external returns (uint256 recordId) {
        if (!ConsentCodes.isDefinedCategory(category)) revert RecordInvalidCategory(category);
        _checkAuthor(patient, category);
        return _addRecord(patient, contentHash, category, uri);
    }

    /// @inheritdoc IRecordRegistry
    function supersedeRecord(
        address patient,
        uint256 recordId,
        bytes32 contentHash,
        string calldata uri
    ) external returns (uint256 newRecordId) {
        Record storage record = _getRecord(patient, recordId);
        if (record.supersededBy != 0) revert RecordAlreadySuperseded(patient, recordId, record.supersededBy);
        uint8 category = record.category;
        if (msg.sender != patient && msg.sender != record.author) {
            revert RecordUnauthorizedSupersede(patient, recordId, msg.sender);
        }
        _checkAuthor(patient, category);

        newRecordId = _addRecord(patient, contentHash, category, uri);
        record.supersededBy = uint48(newRecordId);
        emit RecordSuperseded(patient, recordId, newRecordId);
    }

    /// @inheritdoc IRecordRegistry
    function recordCount(address patient) external view returns (uint256) {
        return _recordCounts[patient];
    }

    /// @inheritdoc IRecordRegistry
    function getRecord(
        address patient,
        uint256 recordId
    )
        external
        view
        returns (bytes32 contentHash, uint8 category, address author, uint40 createdAt, uint256 supersededBy)
    {
        Record storage record = _getRecord(patient, recordId);
        return (record.contentHash, record.category, record.author, record.createdAt, record.supersededBy);
    }

    /// @inheritdoc IRecordRegistry
    function verifyRecord(address patient, uint256 recordId, bytes32 contentHash) external view returns (bool) {
        return contentHash != bytes32(0) && _records[patient][recordId].contentHash == contentHash;
    }

    function _addRecord(
        address patient,
        bytes32 contentHash,
        uint8 category,
        string calldata uri
    ) internal returns (uint256 recordId) {
        if (contentHash == bytes32(0)) revert RecordInvalidContentHash();
        uint256 uriLength = bytes(uri).length;
        if (uriLength == 0 || uriLength > _MAX_URI_LENGTH) revert RecordInvalidUri(uriLength);

        recordId = ++_recordCounts[patient];
        _records[patient][recordId] = Record({
            contentHash: contentHash,
            category: category,
            author: msg.sender,
            createdAt: uint40(block.timestamp),
            supersededBy: 0
        });
        emit RecordAdded(patient, recordId, msg.sender, category, contentHash, uri);
    }

    /// @dev The patient may always write; anyone else needs a live consent covering `category` with APPEND.
    function _checkAuthor(address patient, uint8 category) internal view {
        if (
            msg.sender != patient &&
            !_consentRegistry.coversActions(patient, msg.sender, uint64(1) << category, ConsentCodes.APPEND)
        ) {
            revert RecordUnauthorizedAuthor(patient, msg.sender, category);
        }
    }

    function _getRecord(address patient, uint256 recordId) internal view returns (Record storage record) {
        record = _records[patient][recordId];
        if (record.contentHash == bytes32(0)) revert RecordNotFound(patient, recordId);
    }
}
