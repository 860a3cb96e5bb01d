// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

// Test-only anchors for the gas benchmark (scripts/bench-gas.ts): stock OpenZeppelin v5 contracts, unchanged, so
// MedConsent's costs can be read beside well-known operations measured on the same network. Never deployed.
// Both anchors live in this one file so that the benchmark adds a single test-only file to contracts/.

/// @notice Test-only OpenZeppelin ERC-20 with ERC-2612 permit: anchors `approve` and `permit`. Never deployed.
contract GasAnchorToken is ERC20Permit {
    constructor() ERC20("Gas Anchor", "ANCHOR") ERC20Permit("Gas Anchor") {}
}

/// @notice Test-only OpenZeppelin AccessControl: anchors `grantRole`. Never deployed.
contract GasAnchorAccessControl is AccessControl {
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }
}
