// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IProviderRegistry
 * @notice Credentialing of the providers (clinicians, organizations, laboratories, researchers, payers) that patients
 * may grant access to. Registrars register, suspend and reinstate them; a suspended provider loses every access at
 * once, without any consent being touched.
 */
interface IProviderRegistry {
    /// @notice Lifecycle of a provider. `None` means never registered.
    enum ProviderStatus {
        None,
        Active,
        Suspended
    }

    /// @notice A provider's public record. Holds no personal data beyond the provider's own public name.
    /// @param kind 0 clinician, 1 organization, 2 laboratory, 3 researcher, 4 payer.
    /// @param status Whether the provider is registered, and if so whether it is active or suspended.
    /// @param emergencyCapable Whether the provider may break the glass for emergency read access.
    /// @param registeredAt When the provider was registered.
    /// @param credentialHash Hash of the provider's credential (licence, accreditation) held off chain.
    /// @param name Public name, 1 to 64 bytes.
    struct Provider {
        uint8 kind;
        ProviderStatus status;
        bool emergencyCapable;
        uint40 registeredAt;
        bytes32 credentialHash;
        string name;
    }

    /// @notice Emitted when `registrar` registers `provider`.
    event ProviderRegistered(
        address indexed provider,
        uint8 kind,
        string name,
        bytes32 credentialHash,
        address indexed registrar
    );

    /// @notice Emitted when `registrar` suspends `provider`.
    event ProviderSuspended(address indexed provider, address indexed registrar);

    /// @notice Emitted when `registrar` reinstates `provider`.
    event ProviderReinstated(address indexed provider, address indexed registrar);

    /// @notice Emitted when `registrar` grants or removes `provider`'s emergency capability.
    event EmergencyCapabilitySet(address indexed provider, bool capable, address indexed registrar);

    /// @notice The provider address is the zero address.
    error ProviderInvalidAddress(address provider);

    /// @notice The provider is already registered (active or suspended).
    error ProviderAlreadyRegistered(address provider);

    /// @notice The provider was never registered.
    error ProviderNotRegistered(address provider);

    /// @notice The provider is not active, so it cannot be suspended.
    error ProviderNotActive(address provider);

    /// @notice The provider is not suspended, so it cannot be reinstated.
    error ProviderNotSuspended(address provider);

    /// @notice The kind is not one of the defined kinds (0-4).
    error ProviderInvalidKind(uint8 kind);

    /// @notice The name is empty or longer than 64 bytes.
    error ProviderInvalidName(uint256 length);

    /// @notice The credential hash is zero.
    error ProviderInvalidCredentialHash();

    /**
     * @notice Registers `provider` as active. Registrars only.
     * @param provider The provider's account.
     * @param kind 0 clinician, 1 organization, 2 laboratory, 3 researcher, 4 payer.
     * @param name Public name, 1 to 64 bytes. Never a patient's data.
     * @param credentialHash Non-zero hash of the provider's credential document.
     */
    function registerProvider(address provider, uint8 kind, string calldata name, bytes32 credentialHash) external;

    /// @notice Suspends an active provider: every access it had ends at once. Registrars only.
    function suspendProvider(address provider) external;

    /// @notice Reinstates a suspended provider; consents still live apply again. Registrars only.
    function reinstateProvider(address provider) external;

    /// @notice Flags a registered provider as able, or no longer able, to break the glass. Registrars only.
    function setEmergencyCapable(address provider, bool capable) external;

    /// @notice Whether `provider` is registered and not suspended.
    function isActiveProvider(address provider) external view returns (bool);

    /// @notice Whether `provider` is active and flagged emergency-capable.
    function isEmergencyProvider(address provider) external view returns (bool);

    /// @notice The public record of `provider`; all fields zero (status `None`) if it was never registered.
    function getProvider(address provider) external view returns (Provider memory);
}
