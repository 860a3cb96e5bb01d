// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title ConsentCodes
 * @notice The bitmasks shared by every MedConsent contract and client: data categories (`uint64`, bit i is
 * category i), actions (`uint8`) and purposes of use (`uint8`, after HL7 PurposeOfUse).
 * @dev Solidity interfaces cannot hold constants, so they live in this library beside the interfaces.
 */
library ConsentCodes {
    // Routine categories, bits 0-12: demographics, allergies, medications, conditions, lab results, vital signs,
    // imaging, clinical notes, immunizations, procedures, encounters, care plans, insurance and billing.
    /// @notice Bits 0-12: every routine category. An "all routine data" shortcut expands to exactly this.
    uint64 internal constant ROUTINE_CATEGORIES = 0x1FFF;

    // Sensitive categories, bits 32-36: mental health, substance use, sexual and reproductive health, genetic data,
    // HIV and other infectious disease. Never included by a shortcut and never reachable by emergency access.
    /// @notice Bits 32-36: every sensitive category.
    uint64 internal constant SENSITIVE_CATEGORIES = 0x1F << 32;

    /// @notice Every defined category bit.
    uint64 internal constant ALL_CATEGORIES = ROUTINE_CATEGORIES | SENSITIVE_CATEGORIES;

    /// @notice Read existing records in the granted categories.
    uint8 internal constant READ = 1;
    /// @notice Add record pointers in the granted categories.
    uint8 internal constant APPEND = 2;
    /// @notice Every defined action bit.
    uint8 internal constant ALL_ACTIONS = READ | APPEND;

    uint8 internal constant TREATMENT = 1;
    uint8 internal constant PAYMENT = 2;
    uint8 internal constant OPERATIONS = 4;
    uint8 internal constant RESEARCH = 8;
    uint8 internal constant PUBLIC_HEALTH = 16;
    uint8 internal constant EMERGENCY = 32;
    /// @notice Every defined purpose bit.
    uint8 internal constant ALL_PURPOSES = 63;

    /// @notice Whether `category` (a bit index, as records carry it) is a defined category.
    function isDefinedCategory(uint8 category) internal pure returns (bool) {
        return category < 64 && (ALL_CATEGORIES >> category) & 1 == 1;
    }
}
