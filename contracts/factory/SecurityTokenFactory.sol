// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
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
///         `deployWired` and `cloneWired` create a token and configure it in the same transaction
///         (roles, rules, regime, countries, documents: any calls on the new token), then hand it
///         to its admin: the token exists fully configured or not at all.
/// @dev Holds no state, and no role once a call returns: during `deployWired`/`cloneWired` it is
///      the new token's admin, runs the caller's setup calls on that token only, grants
///      DEFAULT_ADMIN_ROLE to `admin` and renounces every role of the token it holds. Every salt
///      is bound to the caller (and to the admin; for a clone also to its name and symbol), so
///      nobody can take an address another account computed for itself, nor create a token at
///      it with another admin.
contract SecurityTokenFactory {
    /// @dev The token's roles (SecurityTokenBase), all renounced by the factory after wiring.
    bytes32 private constant _DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 private constant _ISSUER_ROLE = keccak256("ISSUER_ROLE");
    bytes32 private constant _COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    bytes32 private constant _CONTROLLER_ROLE = keccak256("CONTROLLER_ROLE");
    bytes32 private constant _PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice `instance` was created from code whose hash is `initCodeHash`.
    event Deployed(address indexed deployer, address indexed instance, bytes32 salt, bytes32 initCodeHash);
    /// @notice A clone-mode token was created and initialized.
    event TokenCloned(
        address indexed deployer, address indexed token, address indexed implementation, bytes32 salt, address admin
    );

    /// @notice `token` was configured by `setupCalls` calls and handed to `admin`; the factory
    ///         holds none of its roles.
    event TokenWired(address indexed deployer, address indexed token, address indexed admin, uint256 setupCalls);

    /// @notice The new token did not make the factory its admin (its creation code or
    ///         initializer must name the factory as admin for a wired deployment).
    error FactoryNotAdmin(address token);
    /// @notice The wired token's admin cannot be the zero address or the factory.
    error BadAdmin(address admin);
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
        token = _createClone(
            implementation, abi.encodePacked(registry_, decimals_), _cloneSalt(msg.sender, salt, name_, symbol_, admin)
        );
        ICloneInitializer(token).initialize(name_, symbol_, admin);
        emit TokenCloned(msg.sender, token, implementation, salt, admin);
    }

    /// @notice Create a full-mode token from `initCode` (creation code whose constructor makes
    ///         this factory the admin) at `predictWired(msg.sender, salt, keccak256(initCode),
    ///         admin)`, run `setup` (calldata of calls on the new token, in order; a failing
    ///         call reverts everything with its own error), grant DEFAULT_ADMIN_ROLE to `admin`
    ///         and renounce every role the factory holds on the token.
    function deployWired(bytes32 salt, bytes calldata initCode, address admin, bytes[] calldata setup)
        external
        returns (address token)
    {
        _checkAdmin(admin);
        bytes32 codeHash = keccak256(initCode);
        bytes32 effective = _wiredSalt(msg.sender, salt, admin);
        address predicted = Create2.computeAddress(effective, codeHash);
        if (predicted.code.length != 0) revert AlreadyDeployed(predicted);
        token = Create2.deploy(0, effective, initCode);
        emit Deployed(msg.sender, token, salt, codeHash);
        _wire(token, admin, setup);
    }

    /// @notice As `cloneToken`, at the same address (`predictClone` with the same arguments),
    ///         but configured before anyone else can act: initialized with this factory as
    ///         admin, `setup` run on the new token, DEFAULT_ADMIN_ROLE granted to `admin` and every
    ///         role the factory holds renounced, all in this transaction.
    function cloneWired(
        address implementation,
        bytes32 salt,
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        address registry_,
        address admin,
        bytes[] calldata setup
    ) external returns (address token) {
        _checkAdmin(admin);
        token = _createClone(
            implementation, abi.encodePacked(registry_, decimals_), _cloneSalt(msg.sender, salt, name_, symbol_, admin)
        );
        ICloneInitializer(token).initialize(name_, symbol_, address(this));
        emit TokenCloned(msg.sender, token, implementation, salt, admin);
        _wire(token, admin, setup);
    }

    /// @notice The address `deployWired(salt, initCode, admin, ...)` sent by `deployer` creates.
    function predictWired(address deployer, bytes32 salt, bytes32 initCodeHash, address admin)
        external
        view
        returns (address)
    {
        return Create2.computeAddress(_wiredSalt(deployer, salt, admin), initCodeHash);
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

    /// @dev Runs the setup calls as the new token's admin, then hands the token to `admin`. The
    ///      loop runs over the caller's own list of calls, not over holders.
    function _wire(address token, address admin, bytes[] calldata setup) private {
        IAccessControl access = IAccessControl(token);
        if (!access.hasRole(_DEFAULT_ADMIN_ROLE, address(this))) revert FactoryNotAdmin(token);
        uint256 count = setup.length;
        for (uint256 i; i < count; ++i) {
            Address.functionCall(token, setup[i]);
        }
        access.grantRole(_DEFAULT_ADMIN_ROLE, admin);
        _renounce(access, _ISSUER_ROLE);
        _renounce(access, _COMPLIANCE_ROLE);
        _renounce(access, _CONTROLLER_ROLE);
        _renounce(access, _PAUSER_ROLE);
        _renounce(access, _DEFAULT_ADMIN_ROLE);
        emit TokenWired(msg.sender, token, admin, count);
    }

    function _renounce(IAccessControl access, bytes32 role) private {
        if (access.hasRole(role, address(this))) access.renounceRole(role, address(this));
    }

    function _createClone(address implementation, bytes memory args, bytes32 effective) private returns (address) {
        if (implementation.code.length == 0) revert NoImplementation(implementation);
        address predicted = Clones.predictDeterministicAddressWithImmutableArgs(implementation, args, effective);
        if (predicted.code.length != 0) revert AlreadyDeployed(predicted);
        return Clones.cloneDeterministicWithImmutableArgs(implementation, args, effective);
    }

    function _checkAdmin(address admin) private view {
        if (admin == address(0) || admin == address(this)) revert BadAdmin(admin);
    }

    function _wiredSalt(address deployer, bytes32 salt, address admin) private pure returns (bytes32) {
        return keccak256(abi.encode(deployer, salt, admin));
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
