// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {ConsentCodes} from "./interfaces/ConsentCodes.sol";

/**
 * @title ConsentRegistry
 * @notice The MedConsent consent ledger. See {IConsentRegistry}.
 * @dev Every (patient, grantee) consent is one packed word, written in a single SSTORE. A per-patient epoch makes
 * revoke-all constant-cost: a consent (or a delegate) counts only while it carries the patient's current epoch. The
 * patient's signature nonce lives in the same word as the epoch, so revoke-all consumes it in the same SSTORE. Direct,
 * signed and delegated operations share one internal path each for grant and revoke.
 */
contract ConsentRegistry is IConsentRegistry, EIP712 {
    /// @inheritdoc IConsentRegistry
    uint40 public constant override EMERGENCY_WINDOW = 24 hours;

    /// @inheritdoc IConsentRegistry
    uint40 public constant override MAX_SIGNATURE_LIFETIME = 1 hours;

    /// @notice The longest a consent may run: its expiry is at most this far ahead of the granting block.
    uint40 public constant MAX_CONSENT_DURATION = 10 * 365 days;

    bytes32 private constant _GRANT_TYPEHASH = keccak256(
        "GrantConsent(address patient,address grantee,uint64 categories,uint8 actions,uint8 purposes,"
        "uint40 expiresAt,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _REVOKE_TYPEHASH = keccak256(
        "RevokeConsent(address patient,address grantee,uint256 nonce,uint256 deadline)"
    );

    // Layout of a packed consent word, low bits first: categories 64 | actions 8 | purposes 8 | grantedAt 40 |
    // expiresAt 40 | epoch 32 (192 bits).
    uint256 private constant _ACTIONS_SHIFT = 64;
    uint256 private constant _PURPOSES_SHIFT = 72;
    uint256 private constant _GRANTED_AT_SHIFT = 80;
    uint256 private constant _EXPIRES_AT_SHIFT = 120;
    uint256 private constant _EPOCH_SHIFT = 160;

    /// @dev The patient's epoch, emergency setting and signature nonce share one slot (32 + 32 + 8 + 64 bits): read
    /// once per access check, and written once by revoke-all, which bumps the epoch and consumes the nonce together.
    struct PatientState {
        uint32 epoch;
        // Bumped whenever emergency access is turned off, so windows opened before end for good.
        uint32 emergencyEpoch;
        bool emergencyDisabled;
        // The nonce the patient's next signature must carry. 64 bits: one per transaction never runs out.
        uint64 nonce;
    }

    /// @dev A delegate counts only while `epoch` is the patient's current epoch: revoke-all removes it in O(1).
    struct Delegation {
        bool allowed;
        uint32 epoch;
    }

    struct EmergencyWindow {
        uint40 until;
        uint32 emergencyEpoch;
    }

    /// @dev Why an access check fails; `None` means access is granted.
    enum Denial {
        None,
        InvalidArgument,
        ProviderInactive,
        NoConsent,
        Expired,
        CategoryNotGranted,
        ActionNotGranted,
        PurposeNotGranted
    }

    IProviderRegistry private immutable _providerRegistry;

    mapping(address patient => mapping(address grantee => uint256 packedConsent)) private _consents;
    mapping(address patient => PatientState) private _patients;
    mapping(address patient => mapping(address delegate => Delegation)) private _delegates;
    mapping(address patient => mapping(address grantee => EmergencyWindow)) private _emergencyWindows;

    constructor(IProviderRegistry providerRegistry_) EIP712("MedConsent", "1") {
        _providerRegistry = providerRegistry_;
    }

    /// @notice The provider registry that decides who is an active provider.
    function providerRegistry() external view returns (IProviderRegistry) {
        return _providerRegistry;
    }

    /// @notice The EIP-712 domain separator: name `MedConsent`, version `1`, this chain and this contract.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---- Patient's own operations ----

    /// @inheritdoc IConsentRegistry
    function grantConsent(
        address grantee,
        uint64 categories,
        uint8 actions,
        uint8 purposes,
        uint40 expiresAt
    ) external {
        _grant(msg.sender, grantee, categories, actions, purposes, expiresAt, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revokeConsent(address grantee) external {
        _revoke(msg.sender, grantee, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revokeAllConsents() external {
        // Both fields change in one word, which the optimizer writes with one SSTORE. No NonceUsed: AllConsentsRevoked
        // says it, and a second log would cost the patient gas for what the first already tells.
        PatientState storage state = _patients[msg.sender];
        uint32 epoch = state.epoch + 1;
        unchecked {
            // A 64-bit nonce, moved by at most one per transaction, never wraps.
            state.nonce++;
        }
        state.epoch = epoch;
        emit AllConsentsRevoked(msg.sender, epoch);
    }

    /// @inheritdoc IConsentRegistry
    function useNonce() external returns (uint256 nonce) {
        nonce = _useNonce(msg.sender);
        emit NonceUsed(msg.sender, nonce);
    }

    /// @inheritdoc IConsentRegistry
    function nonces(address patient) external view returns (uint256) {
        return _patients[patient].nonce;
    }

    // ---- Signed operations ----

    /// @inheritdoc IConsentRegistry
    function grantConsentBySig(
        address patient,
        address grantee,
        uint64 categories,
        uint8 actions,
        uint8 purposes,
        uint40 expiresAt,
        uint256 deadline,
        bytes calldata signature
    ) external {
        // Encoded in two halves (same bytes as one abi.encode) to stay within the legacy pipeline's stack.
        bytes32 structHash = keccak256(
            bytes.concat(
                abi.encode(_GRANT_TYPEHASH, patient, grantee, categories),
                abi.encode(actions, purposes, expiresAt, _useNonce(patient), deadline)
            )
        );
        _checkSignature(patient, structHash, deadline, signature);
        _grantSigned(patient, grantee, Consent(categories, actions, purposes, 0, expiresAt, 0));
    }

    /// @inheritdoc IConsentRegistry
    function revokeConsentBySig(address patient, address grantee, uint256 deadline, bytes calldata signature) external {
        bytes32 structHash = keccak256(abi.encode(_REVOKE_TYPEHASH, patient, grantee, _useNonce(patient), deadline));
        _checkSignature(patient, structHash, deadline, signature);
        _revoke(patient, grantee, patient);
    }

    // ---- Delegates ----

    /// @inheritdoc IConsentRegistry
    function setDelegate(address delegate, bool allowed) external {
        if (delegate == address(0) || delegate == msg.sender) revert ConsentInvalidDelegate(delegate);
        _delegates[msg.sender][delegate] = Delegation(allowed, _patients[msg.sender].epoch);
        emit DelegateSet(msg.sender, delegate, allowed);
    }

    /// @inheritdoc IConsentRegistry
    function isDelegate(address patient, address delegate) public view returns (bool) {
        Delegation memory delegation = _delegates[patient][delegate];
        return delegation.allowed && delegation.epoch == _patients[patient].epoch;
    }

    /// @inheritdoc IConsentRegistry
    function grantConsentFor(
        address patient,
        address grantee,
        uint64 categories,
        uint8 actions,
        uint8 purposes,
        uint40 expiresAt
    ) external {
        _checkDelegate(patient);
        _grant(patient, grantee, categories, actions, purposes, expiresAt, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revokeConsentFor(address patient, address grantee) external {
        _checkDelegate(patient);
        _revoke(patient, grantee, msg.sender);
    }

    // ---- Emergency access ----

    /// @inheritdoc IConsentRegistry
    function setEmergencyAccess(bool allowed) external {
        PatientState storage state = _patients[msg.sender];
        if (!allowed) state.emergencyEpoch++;
        state.emergencyDisabled = !allowed;
        emit EmergencyAccessSet(msg.sender, allowed);
    }

    /// @inheritdoc IConsentRegistry
    function breakGlass(address patient, bytes32 reasonHash) external {
        if (patient == address(0) || patient == msg.sender) revert ConsentInvalidPatient(patient);
        if (reasonHash == bytes32(0)) revert ConsentInvalidReason();
        if (!_providerRegistry.isEmergencyProvider(msg.sender)) revert ConsentNotEmergencyProvider(msg.sender);
        PatientState memory state = _patients[patient];
        if (state.emergencyDisabled) revert ConsentEmergencyAccessDisabled(patient);
        // At most once per window: an open window is neither extended nor reopened (a window the patient ended by
        // turning emergency access off belongs to an older emergency epoch and no longer counts).
        EmergencyWindow memory open = _emergencyWindows[patient][msg.sender];
        if (open.emergencyEpoch == state.emergencyEpoch && block.timestamp < open.until) {
            revert ConsentEmergencyAccessAlreadyOpen(patient, msg.sender, open.until);
        }

        uint40 until = uint40(block.timestamp) + EMERGENCY_WINDOW;
        _emergencyWindows[patient][msg.sender] = EmergencyWindow(until, state.emergencyEpoch);
        emit EmergencyAccessUsed(patient, msg.sender, reasonHash, until);
    }

    /// @inheritdoc IConsentRegistry
    function emergencyAccessUntil(address patient, address grantee) public view returns (uint40) {
        PatientState memory state = _patients[patient];
        EmergencyWindow memory window = _emergencyWindows[patient][grantee];
        if (state.emergencyDisabled || window.emergencyEpoch != state.emergencyEpoch) return 0;
        return window.until;
    }

    /// @inheritdoc IConsentRegistry
    function emergencyAccessAllowed(address patient) external view returns (bool) {
        return !_patients[patient].emergencyDisabled;
    }

    // ---- Reads ----

    /// @inheritdoc IConsentRegistry
    function consentOf(address patient, address grantee) external view returns (Consent memory) {
        return _unpack(_consents[patient][grantee]);
    }

    /// @inheritdoc IConsentRegistry
    function epochOf(address patient) external view returns (uint32) {
        return _patients[patient].epoch;
    }

    /// @inheritdoc IConsentRegistry
    function hasAccess(
        address patient,
        address grantee,
        uint64 categories,
        uint8 action,
        uint8 purpose
    ) external view returns (bool) {
        (Denial denial, ) = _access(patient, grantee, categories, action, purpose);
        return denial == Denial.None;
    }

    /// @inheritdoc IConsentRegistry
    function checkAccess(
        address patient,
        address grantee,
        uint64 categories,
        uint8 action,
        uint8 purpose
    ) external view {
        (Denial denial, uint256 packed) = _access(patient, grantee, categories, action, purpose);
        if (denial == Denial.None) return;
        Consent memory consent = _unpack(packed);
        if (denial == Denial.InvalidArgument) revert AccessInvalidArgument(categories, action, purpose);
        if (denial == Denial.ProviderInactive) revert AccessProviderInactive(grantee);
        if (denial == Denial.NoConsent) revert AccessNoConsent(patient, grantee);
        if (denial == Denial.Expired) revert AccessExpired(patient, grantee, consent.expiresAt);
        if (denial == Denial.CategoryNotGranted) revert AccessCategoryNotGranted(categories & ~consent.categories);
        if (denial == Denial.ActionNotGranted) revert AccessActionNotGranted(action);
        revert AccessPurposeNotGranted(purpose);
    }

    /// @inheritdoc IConsentRegistry
    function coversActions(
        address patient,
        address grantee,
        uint64 categories,
        uint8 actions
    ) external view returns (bool) {
        if (!_providerRegistry.isActiveProvider(grantee)) return false;
        Consent memory consent = _unpack(_consents[patient][grantee]);
        return
            _isLive(consent, _patients[patient].epoch) &&
            categories & ~consent.categories == 0 &&
            actions & ~consent.actions == 0;
    }

    // ---- Internal ----

    function _grant(
        address patient,
        address grantee,
        uint64 categories,
        uint8 actions,
        uint8 purposes,
        uint40 expiresAt,
        address by
    ) internal {
        // Cheap checks first; the registry call last.
        if (grantee == address(0)) revert ConsentInvalidGrantee(grantee);
        if (grantee == patient) revert ConsentSelfGrant(patient);
        if (categories == 0) revert ConsentNoCategories();
        if (categories & ~ConsentCodes.ALL_CATEGORIES != 0) revert ConsentUndefinedCategories(categories);
        if (actions == 0 || actions & ~ConsentCodes.ALL_ACTIONS != 0) revert ConsentInvalidActions(actions);
        if (purposes == 0 || purposes & ~ConsentCodes.ALL_PURPOSES != 0) revert ConsentInvalidPurposes(purposes);
        uint40 maxExpiresAt = uint40(block.timestamp) + MAX_CONSENT_DURATION;
        if (expiresAt <= block.timestamp || expiresAt > maxExpiresAt) {
            revert ConsentInvalidExpiry(expiresAt, maxExpiresAt);
        }
        if (!_providerRegistry.isActiveProvider(grantee)) revert ConsentGranteeNotActive(grantee);

        // One SSTORE of the whole packed word.
        _consents[patient][grantee] =
            uint256(categories) |
            (uint256(actions) << _ACTIONS_SHIFT) |
            (uint256(purposes) << _PURPOSES_SHIFT) |
            (block.timestamp << _GRANTED_AT_SHIFT) |
            (uint256(expiresAt) << _EXPIRES_AT_SHIFT) |
            (uint256(_patients[patient].epoch) << _EPOCH_SHIFT);
        emit ConsentGranted(patient, grantee, categories, actions, purposes, expiresAt, by);
    }

    /// @dev The signed path's hop to {_grant}: its terms arrive in memory so the caller's stack stays shallow.
    function _grantSigned(address patient, address grantee, Consent memory terms) internal {
        _grant(patient, grantee, terms.categories, terms.actions, terms.purposes, terms.expiresAt, patient);
    }

    function _revoke(address patient, address grantee, address by) internal {
        if (!_isLive(_unpack(_consents[patient][grantee]), _patients[patient].epoch)) {
            revert ConsentNotLive(patient, grantee);
        }
        delete _consents[patient][grantee];
        emit ConsentRevoked(patient, grantee, by);
    }

    function _checkDelegate(address patient) internal view {
        if (!isDelegate(patient, msg.sender)) revert ConsentUnauthorizedDelegate(patient, msg.sender);
    }

    /// @dev Returns the patient's current nonce and moves it on; the revert of a failed call restores it.
    function _useNonce(address patient) internal returns (uint256) {
        unchecked {
            // A 64-bit nonce, moved by at most one per transaction, never wraps.
            return _patients[patient].nonce++;
        }
    }

    function _checkSignature(
        address patient,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) internal view {
        if (block.timestamp > deadline) revert ConsentExpiredSignature(deadline);
        uint256 maxDeadline = block.timestamp + MAX_SIGNATURE_LIFETIME;
        if (deadline > maxDeadline) revert ConsentSignatureDeadlineTooFar(deadline, maxDeadline);
        if (patient == address(0)) revert ConsentInvalidPatient(patient);
        if (!_isValidSignature(patient, _hashTypedDataV4(structHash), signature))
            revert ConsentInvalidSignature(patient);
    }

    /// @dev {SignatureChecker-isValidSignatureNow}, reading an EOA's signature straight from calldata (no copy).
    /// Like OpenZeppelin's ECDSA, it refuses malleable (high-s) signatures.
    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        if (signature.length == 65) {
            (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecover(
                digest,
                uint8(signature[64]),
                bytes32(signature[0:32]),
                bytes32(signature[32:64])
            );
            if (error == ECDSA.RecoverError.NoError && recovered == signer) return true;
        }
        return SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }

    /// @dev The shared rule of {hasAccess} and {checkAccess}: the first failing reason, and the packed consent read.
    function _access(
        address patient,
        address grantee,
        uint64 categories,
        uint8 action,
        uint8 purpose
    ) internal view returns (Denial denial, uint256 packed) {
        if (!_isValidRequest(categories, action, purpose)) return (Denial.InvalidArgument, 0);
        if (!_providerRegistry.isActiveProvider(grantee)) return (Denial.ProviderInactive, 0);

        PatientState storage state = _patients[patient];
        packed = _consents[patient][grantee];
        denial = _consentDenial(packed, state.epoch, categories, action, purpose);
        // Only a request the consent refuses pays for reading the emergency window.
        if (denial != Denial.None && _emergencyCovers(patient, grantee, state, categories, action, purpose)) {
            denial = Denial.None;
        }
    }

    function _consentDenial(
        uint256 packed,
        uint32 epoch,
        uint64 categories,
        uint8 action,
        uint8 purpose
    ) internal view returns (Denial) {
        uint40 expiresAt = uint40(packed >> _EXPIRES_AT_SHIFT);
        if (expiresAt == 0 || uint32(packed >> _EPOCH_SHIFT) != epoch) return Denial.NoConsent;
        if (block.timestamp >= expiresAt) return Denial.Expired;
        if (categories & ~uint64(packed) != 0) return Denial.CategoryNotGranted;
        if (action & uint8(packed >> _ACTIONS_SHIFT) == 0) return Denial.ActionNotGranted;
        if (purpose & uint8(packed >> _PURPOSES_SHIFT) == 0) return Denial.PurposeNotGranted;
        return Denial.None;
    }

    function _emergencyCovers(
        address patient,
        address grantee,
        PatientState storage state,
        uint64 categories,
        uint8 action,
        uint8 purpose
    ) internal view returns (bool) {
        if (action != ConsentCodes.READ || purpose != ConsentCodes.EMERGENCY) return false;
        if (categories & ConsentCodes.SENSITIVE_CATEGORIES != 0 || state.emergencyDisabled) return false;
        EmergencyWindow memory window = _emergencyWindows[patient][grantee];
        return window.emergencyEpoch == state.emergencyEpoch && block.timestamp < window.until;
    }

    function _isValidRequest(uint64 categories, uint8 action, uint8 purpose) internal pure returns (bool) {
        return
            categories != 0 &&
            categories & ~ConsentCodes.ALL_CATEGORIES == 0 &&
            (action == ConsentCodes.READ || action == ConsentCodes.APPEND) &&
            purpose != 0 &&
            purpose & (purpose - 1) == 0 &&
            purpose & ~ConsentCodes.ALL_PURPOSES == 0;
    }

    function _isLive(Consent memory consent, uint32 epoch) internal view returns (bool) {
        return consent.epoch == epoch && block.timestamp < consent.expiresAt;
    }

    function _unpack(uint256 packed) internal pure returns (Consent memory) {
        return
            Consent({
                categories: uint64(packed),
                actions: uint8(packed >> _ACTIONS_SHIFT),
                purposes: uint8(packed >> _PURPOSES_SHIFT),
                grantedAt: uint40(packed >> _GRANTED_AT_SHIFT),
                expiresAt: uint40(packed >> _EXPIRES_AT_SHIFT),
                epoch: uint32(packed >> _EPOCH_SHIFT)
            });
    }
}
