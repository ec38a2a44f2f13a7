// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

import {SecurityToken} from "../token/SecurityToken.sol";

/// @title SecurityTokenClone
/// @notice The shared implementation behind an issuer's clone-mode tokens: each token is an
///         EIP-1167 minimal proxy (OpenZeppelin `Clones`, deployed by `SecurityTokenFactory`)
///         that delegatecalls this code on its own storage. The same token as `SecurityToken`
///         (same ABI, same rules, same admin module), but a clone costs about 0.1M gas to deploy
///         against about 3.9M for a full copy, and every call through it pays the proxy's
///         delegatecall (see docs/GAS_REPORT.md for the break-even number of transfers).
/// @dev Per-token constants a full token keeps in immutables come from the clone's immutable
///      arguments (`Clones.fetchCloneArgs`: the registry's 20 bytes, then the decimals' byte);
///      name and symbol from storage, written once by `initialize`. The implementation's own
///      initializer is disabled in its constructor. ERC-2612 permit: OpenZeppelin's EIP712 keeps
///      the implementation's name hash in immutables, so every clone's permit domain has the name
///      "SecurityToken" (version "1", the chain id and the clone's own address as
///      verifyingContract, so a signature for one clone is never valid on another);
///      `eip712Domain()` reports exactly that domain, which is what wallets sign against.
contract SecurityTokenClone is SecurityToken, Initializable {
    string private _cloneName;
    string private _cloneSymbol;

    /// @notice The clone's name, symbol or admin was empty or zero.
    error InvalidCloneSetup();

    /// @param adminModule_ The admin module every clone of this implementation delegates to.
    /// @dev The implementation itself is no token anyone uses: its registry and admin are its own
    ///      address (no investor, no role holder but itself), and it can never be initialized.
    constructor(address adminModule_)
        SecurityToken("SecurityToken", "", 0, address(this), address(this), adminModule_)
    {
        _disableInitializers();
    }

    /// @notice Set a new clone up: its name, symbol and first admin (DEFAULT_ADMIN_ROLE). Runs once
    ///         per clone, in the factory's transaction that creates it.
    function initialize(string calldata name_, string calldata symbol_, address admin) external initializer {
        if (bytes(name_).length == 0 || bytes(symbol_).length == 0 || admin == address(0)) {
            revert InvalidCloneSetup();
        }
        _cloneName = name_;
        _cloneSymbol = symbol_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice ERC-20 name, set at initialization.
    function name() public view override returns (string memory) {
        return _cloneName;
    }

    /// @notice ERC-20 symbol, set at initialization.
    function symbol() public view override returns (string memory) {
        return _cloneSymbol;
    }

    /// @notice ERC-20 decimals, the clone's immutable argument.
    function decimals() public view override returns (uint8) {
        return uint8(Clones.fetchCloneArgs(address(this))[20]);
    }

    /// @dev The investor registry, the clone's immutable argument.
    function _registryAddress() internal view override returns (address) {
        return address(bytes20(Clones.fetchCloneArgs(address(this))));
    }
}
