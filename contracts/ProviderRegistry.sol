// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/**
 * @title ProviderRegistry
 * @notice Registrars (licensing bodies, the network operator) credential providers. The default admin grants and
 * revokes the registrar role and hands over adminship in two steps, after a delay.
 */
contract ProviderRegistry is IProviderRegistry, AccessControlDefaultAdminRules {
    /// @notice Role of the accounts that register, suspend and reinstate providers.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    uint8 private constant _MAX_KIND = 4; // payer
    uint256 private constant _MAX_NAME_LENGTH = 64;

    mapping(address provider => Provider) private _providers;

    /**
     * @param initialAdminDelay Delay before a new default admin may accept the role.
     * @param admin Holds the default admin and the registrar roles.
     */
    constructor(uint48 initialAdminDelay, address admin) AccessControlDefaultAdminRules(initialAdminDelay, admin) {
        _grantRole(REGISTRAR_ROLE, admin);
    }

    /// @inheritdoc IProviderRegistry
    function registerProvider(
        address provider,
        uint8 kind,
        string calldata name,
        bytes32 credentialHash
    ) external onlyRole(REGISTRAR_ROLE) {
        if (provider == address(0)) revert ProviderInvalidAddress(provider);
        if (_providers[provider].status != ProviderStatus.None) revert ProviderAlreadyRegistered(provider);
        if (kind > _MAX_KIND) revert ProviderInvalidKind(kind);
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > _MAX_NAME_LENGTH) revert ProviderInvalidName(nameLength);
        if (credentialHash == bytes32(0)) revert ProviderInvalidCredentialHash();

        _providers[provider] = Provider({
            kind: kind,
            status: ProviderStatus.Active,
            emergencyCapable: false,
            registeredAt: uint40(block.timestamp),
            credentialHash: credentialHash,
            name: name
        });
        emit ProviderRegistered(provider, kind, name, credentialHash, _msgSender());
    }

    /// @inheritdoc IProviderRegistry
    function suspendProvider(address provider) external onlyRole(REGISTRAR_ROLE) {
        if (_providers[provider].status != ProviderStatus.Active) revert ProviderNotActive(provider);
        _providers[provider].status = ProviderStatus.Suspended;
        emit ProviderSuspended(provider, _msgSender());
    }

    /// @inheritdoc IProviderRegistry
    function reinstateProvider(address provider) external onlyRole(REGISTRAR_ROLE) {
        if (_providers[provider].status != ProviderStatus.Suspended) revert ProviderNotSuspended(provider);
        _providers[provider].status = ProviderStatus.Active;
        emit ProviderReinstated(provider, _msgSender());
    }

    /// @inheritdoc IProviderRegistry
    function setEmergencyCapable(address provider, bool capable) external onlyRole(REGISTRAR_ROLE) {
        if (_providers[provider].status == ProviderStatus.None) revert ProviderNotRegistered(provider);
        _providers[provider].emergencyCapable = capable;
        emit EmergencyCapabilitySet(provider, capable, _msgSender());
    }

    /// @inheritdoc IProviderRegistry
    function isActiveProvider(address provider) external view returns (bool) {
        return _providers[provider].status == ProviderStatus.Active;
    }

    /// @inheritdoc IProviderRegistry
    function isEmergencyProvider(address provider) external view returns (bool) {
        Provider storage p = _providers[provider];
        return p.status == ProviderStatus.Active && p.emergencyCapable;
    }

    /// @inheritdoc IProviderRegistry
    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }
}
