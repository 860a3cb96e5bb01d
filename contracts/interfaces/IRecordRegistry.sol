// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IRecordRegistry
 * @notice Per-patient, append-only index of record pointers: the content hash of an encrypted file kept off chain,
 * its category, its author and when it was added. The opaque content URI is only emitted, never stored. Amendments
 * supersede a record and never erase it.
 */
interface IRecordRegistry {
    /// @notice Emitted when `author` adds record `recordId` of `patient`.
    /// @param category A category bit index (see {ConsentCodes}).
    /// @param contentHash Hash of the encrypted file (SHA-256 of the ciphertext).
    /// @param uri Opaque pointer to the encrypted file, at most 256 bytes; never personal data.
    event RecordAdded(
        address indexed patient,
        uint256 indexed recordId,
        address indexed author,
        uint8 category,
        bytes32 contentHash,
        string uri
    );

    /// @notice Emitted when record `recordId` of `patient` is superseded by `newRecordId`.
    event RecordSuperseded(address indexed patient, uint256 indexed recordId, uint256 indexed newRecordId);

    /// @notice The caller is neither the patient nor a provider whose live consent covers `category` with APPEND.
    error RecordUnauthorizedAuthor(address patient, address author, uint8 category);

    /// @notice The caller may not supersede this record: only the patient or the record's author may.
    error RecordUnauthorizedSupersede(address patient, uint256 recordId, address caller);

    /// @notice The content hash is zero.
    error RecordInvalidContentHash();

    /// @notice The category is not a defined category.
    error RecordInvalidCategory(uint8 category);

    /// @notice The URI is empty or longer than 256 bytes.
    error RecordInvalidUri(uint256 length);

    /// @notice The patient has no record with this id.
    error RecordNotFound(address patient, uint256 recordId);

    /// @notice The record was already superseded by `supersededBy`; supersede the newest one.
    error RecordAlreadySuperseded(address patient, uint256 recordId, uint256 supersededBy);

    /**
     * @notice Adds a record pointer for `patient`: by the patient, or by a provider whose live consent covers
     * `category` with APPEND.
     * @param contentHash Non-zero hash of the encrypted file.
     * @param category A defined category bit index.
     * @param uri Opaque content URI, 1 to 256 bytes.
     * @return recordId The new record's id; ids start at 1 per patient.
     */
    function addRecord(
        address patient,
        bytes32 contentHash,
        uint8 category,
        string calldata uri
    ) external returns (uint256 recordId);

    /**
     * @notice Supersedes the current record `recordId` with a new one in the same category. By the patient, or by the
     * record's author while their consent covers that category with APPEND.
     * @return newRecordId The new record's id.
     */
    function supersedeRecord(
        address patient,
        uint256 recordId,
        bytes32 contentHash,
        string calldata uri
    ) external returns (uint256 newRecordId);

    /// @notice How many records `patient` has (ids 1 to this count).
    function recordCount(address patient) external view returns (uint256);

    /// @notice A record pointer; reverts with {RecordNotFound} for an unknown id. `supersededBy` 0 means current.
    function getRecord(
        address patient,
        uint256 recordId
    )
        external
        view
        returns (bytes32 contentHash, uint8 category, address author, uint40 createdAt, uint256 supersededBy);

    /// @notice Whether record `recordId` of `patient` exists and has exactly `contentHash`.
    function verifyRecord(address patient, uint256 recordId, bytes32 contentHash) external view returns (bool);
}
