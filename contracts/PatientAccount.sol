// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Account} from "@openzeppelin/contracts/account/Account.sol";
import {ERC7821} from "@openzeppelin/contracts/account/extensions/draft-ERC7821.sol";
import {ERC7579Utils} from "@openzeppelin/contracts/account/utils/draft-ERC7579Utils.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {WebAuthn} from "@openzeppelin/contracts/utils/cryptography/WebAuthn.sol";
import {ERC7739} from "@openzeppelin/contracts/utils/cryptography/signers/draft-ERC7739.sol";
import {MultiSignerERC7913} from "@openzeppelin/contracts/utils/cryptography/signers/MultiSignerERC7913.sol";
// solhint-disable-next-line max-line-length
import {ERC7913WebAuthnVerifier} from "@openzeppelin/contracts/utils/cryptography/verifiers/ERC7913WebAuthnVerifier.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IPatientAccount} from "./interfaces/IPatientAccount.sol";

/**
 * @title PatientAccount
 * @notice A patient's account controlled by one or more passkeys, assembled from OpenZeppelin's account and signer
 * contracts: `MultiSignerERC7913` (threshold 1) holds each passkey as the ERC-7913 signer
 * `webAuthnVerifier ‖ qx ‖ qy`, verified by OpenZeppelin's `ERC7913WebAuthnVerifier` (the P256VERIFY precompile where
 * the chain has it), which the implementation itself inherits: the verifier is the implementation every account
 * delegates to, an address already warm in the transaction, which saves a cold account access (2,500 gas) on every
 * signature; `ERC7739` answers ERC-1271 with typed-data and personal-sign replay protection (the signed hash is
 * bound to this account); `ERC7821` and `Account` make it usable by an ERC-4337 EntryPoint where one exists.
 *
 * Our own code is the small part OpenZeppelin leaves to each account: {executeBySig}, because the local chain and the
 * gateway have no ERC-4337 bundler (a relayer submits a passkey-signed EIP-712 batch instead of a user operation), the
 * passkey rules, and a recovery delegate's recovery, which waits {RECOVERY_DELAY} so the patient can cancel it. Each
 * account is an OpenZeppelin `Clones` minimal proxy of one implementation, deployed by {PatientAccountFactory}.
 */
contract PatientAccount is
    IPatientAccount,
    Account,
    EIP712,
    ERC7739,
    ERC7821,
    MultiSignerERC7913,
    Nonces,
    Initializable,
    ERC7913WebAuthnVerifier
{
    using ERC7579Utils for bytes;

    bytes32 private constant EXECUTE_TYPEHASH = keccak256(
        "Execute(bytes executionData,uint256 nonce,uint256 deadline)"
    );

    /**
     * @notice How long a recovery waits between {startRecovery} and {finishRecovery}. A delegate's key can be stolen
     * and a delegate can turn hostile; the delay is what stops either from taking over the account: for two days the
     * recovery is public (an event, and the portal's notice) and any one of the patient's passkeys cancels it. Two days
     * let a patient who still holds a device (away for a weekend, a phone left at home) see it and act, while a
     * patient who really lost every device waits two days for a new one, during which the consents already given
     * keep working.
     */
    uint48 public constant RECOVERY_DELAY = 2 days;

    address private immutable _webAuthnVerifier;

    // One storage word: the recovery delegate (20 bytes) and, while it has a recovery pending, the second that
    // recovery can be finished from (6 bytes; zero when none is pending). The pending passkey follows in two words.
    address private _recoveryDelegate;
    uint48 private _recoveryReadyAt;
    bytes32 private _recoveryQx;
    bytes32 private _recoveryQy;

    /**
     * @dev The implementation behind every proxy, and the stateless ERC-7913 WebAuthn verifier each passkey signer
     * names (`address(this)` here, kept in an immutable that every proxy reads from this code). Its own signer is the
     * zero address, which can never sign (no ECDSA signature recovers to it and it has no code), and its initializers
     * are disabled: the implementation itself is unusable as an account. (`MultiSignerERC7913`'s constructor needs
     * one signer to accept a threshold of 1.)
     */
    constructor() EIP712("MedConsent Patient Account", "1") MultiSignerERC7913(_unusableSigners(), 1) {
        _webAuthnVerifier = address(this);
        _disableInitializers();
    }

    /// @notice Sets the first passkey of a new proxy; called once, by the factory, in the transaction that deploys it.
    function initialize(bytes32 qx, bytes32 qy) external initializer {
        _addPasskey(qx, qy);
    }

    /// @inheritdoc IPatientAccount
    function executeBySig(
        bytes calldata executionData,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external payable {
        if (block.timestamp > deadline) revert PatientAccountExpiredSignature(deadline);
        _useCheckedNonce(address(this), nonce);
        if (!_rawSignatureValidation(executeDigest(executionData, nonce, deadline), signature)) {
            revert PatientAccountInvalidSignature();
        }
        emit PatientAccountExecuted(nonce, msg.sender);
        executionData.execBatch(ERC7579Utils.EXECTYPE_DEFAULT);
    }

    /// @inheritdoc IPatientAccount
    function addPasskey(bytes32 qx, bytes32 qy) external onlyEntryPointOrSelf {
        _addPasskey(qx, qy);
    }

    /// @inheritdoc IPatientAccount
    function removePasskey(bytes32 qx, bytes32 qy) external onlyEntryPointOrSelf {
        // OpenZeppelin refuses a removal below the threshold of 1: the last passkey stays.
        _removeSigners(_asList(_signerOf(qx, qy)));
    }

    /// @inheritdoc IPatientAccount
    function setRecoveryDelegate(address delegate) external onlyEntryPointOrSelf {
        if (_recoveryReadyAt != 0) _cancelRecovery();
        _recoveryDelegate = delegate;
        emit PatientAccountRecoveryDelegateSet(delegate);
    }

    /// @inheritdoc IPatientAccount
    function startRecovery(bytes32 qx, bytes32 qy) external {
        // The delegate is cleared when its recovery finishes: a delegate who recovered once is refused here too.
        if (msg.sender != _recoveryDelegate) revert PatientAccountUnauthorizedRecovery(msg.sender);
        if (_recoveryReadyAt != 0) revert PatientAccountRecoveryPending(_recoveryReadyAt);
        // Checked now rather than when it finishes, so a mistyped key does not cost the patient the delay.
        if (!P256.isValidPublicKey(qx, qy)) revert PatientAccountInvalidPasskey(qx, qy);
        bytes memory signer = _signerOf(qx, qy);
        if (isSigner(signer)) revert MultiSignerERC7913AlreadyExists(signer);
        uint48 readyAt = Time.timestamp() + RECOVERY_DELAY;
        _recoveryReadyAt = readyAt;
        _recoveryQx = qx;
        _recoveryQy = qy;
        emit PatientAccountRecoveryStarted(msg.sender, qx, qy, readyAt);
    }

    /// @inheritdoc IPatientAccount
    function finishRecovery() external {
        uint48 readyAt = _recoveryReadyAt;
        if (readyAt == 0) revert PatientAccountNoPendingRecovery();
        if (Time.timestamp() < readyAt) revert PatientAccountRecoveryNotReady(readyAt);
        address delegate = _recoveryDelegate;
        (bytes32 qx, bytes32 qy) = _clearRecovery();
        delete _recoveryDelegate;
        // OpenZeppelin refuses the key if a passkey added it meanwhile; that passkey can then cancel the recovery.
        _addSigners(_asList(_signerOf(qx, qy)));
        emit PatientAccountRecoveryFinished(delegate, qx, qy);
    }

    /// @inheritdoc IPatientAccount
    function cancelRecovery() external onlyEntryPointOrSelf {
        if (_recoveryReadyAt == 0) revert PatientAccountNoPendingRecovery();
        _cancelRecovery();
    }

    /// @inheritdoc IPatientAccount
    function recoveryDelegate() external view returns (address) {
        return _recoveryDelegate;
    }

    /// @inheritdoc IPatientAccount
    function pendingRecovery() external view returns (bytes32 qx, bytes32 qy, uint48 readyAt) {
        return (_recoveryQx, _recoveryQy, _recoveryReadyAt);
    }

    /// @inheritdoc IPatientAccount
    function isPasskey(bytes32 qx, bytes32 qy) external view returns (bool) {
        return isSigner(_signerOf(qx, qy));
    }

    /// @inheritdoc IPatientAccount
    function webAuthnVerifier() external view returns (address) {
        return _webAuthnVerifier;
    }

    /// @inheritdoc IPatientAccount
    function executeDigest(
        bytes calldata executionData,
        uint256 nonce,
        uint256 deadline
    ) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(EXECUTE_TYPEHASH, keccak256(executionData), nonce, deadline)));
    }

    /// @dev Any one passkey signs for the account. A constant saves the storage read of every signature check.
    function threshold() public pure override returns (uint64) {
        return 1;
    }

    /// @dev ERC-7821 batches run when the account calls itself or, where one exists, the ERC-4337 EntryPoint calls.
    function _erc7821AuthorizedExecutor(
        address caller,
        bytes32 mode,
        bytes calldata executionData
    ) internal view override returns (bool) {
        return caller == address(entryPoint()) || super._erc7821AuthorizedExecutor(caller, mode, executionData);
    }

    /**
     * @dev The one signature this account's signers make: a WebAuthn assertion by one of its passkeys. It is checked
     * here with OpenZeppelin's `WebAuthn.verify` (what `ERC7913WebAuthnVerifier.verify` runs) instead of through an
     * external call to the verifier, which saves about 1,500 gas of call and re-encoding on every signature: the
     * margin by which a passkey-signed `grantConsentBySig` meets its 130,000 gas goal. With a threshold of 1 exactly
     * one signer signs; it must be one of this account's, and every one is `webAuthnVerifier ‖ qx ‖ qy` (no other
     * kind can be added).
     */
    function _validateSignatures(
        bytes32 hash,
        bytes[] memory signers,
        bytes[] memory signatures
    ) internal view override returns (bool) {
        if (signers.length != 1 || signatures.length != 1 || !isSigner(signers[0])) return false;
        bytes memory signer = signers[0];
        // Only the implementation's own placeholder (the 20-byte zero address) is not a passkey: it never signs.
        if (signer.length != 84) return false;
        bytes32 qx;
        bytes32 qy;
        assembly ("memory-safe") {
            // Skip the length word and the verifier's 20 bytes.
            qx := mload(add(signer, 52))
            qy := mload(add(signer, 84))
        }
        (
            bytes32 r,
            bytes32 s,
            uint256 challengeIndex,
            uint256 typeIndex,
            bytes memory authData,
            string memory json
        ) = abi.decode(signatures[0], (bytes32, bytes32, uint256, uint256, bytes, string));
        return
            WebAuthn.verify(
                abi.encodePacked(hash),
                WebAuthn.WebAuthnAuth(r, s, challengeIndex, typeIndex, authData, json),
                qx,
                qy
            );
    }

    function _cancelRecovery() private {
        (bytes32 qx, bytes32 qy) = _clearRecovery();
        emit PatientAccountRecoveryCancelled(_recoveryDelegate, qx, qy);
    }

    /// @dev Ends the pending recovery and returns the passkey it would have added.
    function _clearRecovery() private returns (bytes32 qx, bytes32 qy) {
        (qx, qy) = (_recoveryQx, _recoveryQy);
        delete _recoveryReadyAt;
        delete _recoveryQx;
        delete _recoveryQy;
    }

    function _addPasskey(bytes32 qx, bytes32 qy) private {
        if (!P256.isValidPublicKey(qx, qy)) revert PatientAccountInvalidPasskey(qx, qy);
        _addSigners(_asList(_signerOf(qx, qy)));
    }

    /// @dev The ERC-7913 signer of a passkey: the WebAuthn verifier's address followed by the 64-byte public key.
    function _signerOf(bytes32 qx, bytes32 qy) private view returns (bytes memory) {
        return abi.encodePacked(_webAuthnVerifier, qx, qy);
    }

    function _asList(bytes memory signer) private pure returns (bytes[] memory list) {
        list = new bytes[](1);
        list[0] = signer;
    }

    function _unusableSigners() private pure returns (bytes[] memory) {
        return _asList(abi.encodePacked(address(0)));
    }
}
