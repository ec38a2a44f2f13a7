// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

/// @notice The initializer of a clone-mode token (`SecurityTokenClone`).
interface ICloneInitializer {
    function initialize(string calldata name_, string calldata symbol_, address admin) external;
}

/// @title SecurityTokenFactory
/// @notice Deploys an issuer's contracts at deterministic addresses (CREATE2): any contract from
///         its creation code (the shared registry, admin module, corporate contracts, a clone
///         implementation, a full token), and clone-mode tokens (EIP-1167 minimal proxies of a
///         `SecurityTokenClone`, created and initialized in one transaction). Whoever deploys
///         knows every address before sending, and a re-run finds what exists.
/// @dev Holds no state and no role. Every salt is bound to the caller (and, for a clone, to its
///      name, symbol and admin), so nobody can take an address another account computed for
///      itself, nor create a clone at it with another admin.
contract SecurityTokenFactory {
    /// @notice `instance` was created from code whose hash is `initCodeHash`.
    event Deployed(address indexed deployer, address indexed instance, bytes32 salt, bytes32 initCodeHash);
    /// @notice A clone-mode token was created and initialized.
    event TokenCloned(
        address indexed deployer, address indexed token, address indexed implementation, bytes32 salt, address admin
    );

    /// @notice Something already lives at the address this call would create.
    error AlreadyDeployed(address instance);
    /// @notice The implementation named for a clone has no code.
    error NoImplementation(address implementation);

    /// @notice Create a contract from `initCode` (creation code with its constructor arguments)
    ///         at `predictDeployment(msg.sender, salt, keccak256(initCode))`.
    function deploy(bytes32 salt, bytes calldata initCode) external returns (address instance) {
        bytes32 codeHash = keccak256(initCode);
        address predicted = Create2.computeAddress(_deploySalt(msg.sender, salt), codeHash);
        if (predicted.code.length != 0) revert AlreadyDeployed(predicted);
        instance = Create2.deploy(0, _deploySalt(msg.sender, salt), initCode);
        emit Deployed(msg.sender, instance, salt, codeHash);
    }

    /// @notice Create a clone-mode token of `implementation` with the registry and decimals as its
    ///         immutable arguments, and initialize it (name, symbol, `admin` as DEFAULT_ADMIN_ROLE),
    ///         at `predictClone(...)` with the same arguments and `msg.sender`.
    function cloneToken(
        address implementation,
        bytes32 salt,
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        address registry_,
        address admin
    ) external returns (address token) {
        if (implementation.code.length == 0) revert NoImplementation(implementation);
        bytes memory args = abi.encodePacked(registry_, decimals_);
        bytes32 effective = _cloneSalt(msg.sender, salt, name_, symbol_, admin);
        address predicted = Clones.predictDeterministicAddressWithImmutableArgs(implementation, args, effective);
        if (predicted.code.length != 0) revert AlreadyDeployed(predicted);
        token = Clones.cloneDeterministicWithImmutableArgs(implementation, args, effective);
        ICloneInitializer(token).initialize(name_, symbol_, admin);
        emit TokenCloned(msg.sender, token, implementation, salt, admin);
    }

    /// @notice The address `deploy(salt, initCode)` sent by `deployer` creates (`initCodeHash` is
    ///         keccak256 of the init code).
    function predictDeployment(address deployer, bytes32 salt, bytes32 initCodeHash) external view returns (address) {
        return Create2.computeAddress(_deploySalt(deployer, salt), initCodeHash);
    }

    /// @notice The address `cloneToken` sent by `deployer` with these arguments creates.
    function predictClone(
        address deployer,
        address implementation,
        bytes32 salt,
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        address registry_,
        address admin
    ) external view returns (address) {
        return Clones.predictDeterministicAddressWithImmutableArgs(
            implementation, abi.encodePacked(registry_, decimals_), _cloneSalt(deployer, salt, name_, symbol_, admin)
        );
    }

    function _deploySalt(address deployer, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(deployer, salt));
    }

    function _cloneSalt(address deployer, bytes32 salt, string calldata name_, string calldata symbol_, address admin)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(deployer, salt, keccak256(bytes(name_)), keccak256(bytes(symbol_)), admin));
    }
}
