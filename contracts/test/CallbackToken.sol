// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice The hook a CallbackToken calls on a receiving contract after every transfer.
interface ITokenReceiveHook {
    /// @notice Called on `to` (a contract) after `value` tokens moved from `from` to it.
    function onTokenReceived(address from, uint256 value) external;
}

/// @title CallbackToken
/// @notice An ERC-20 that calls `onTokenReceived` on a receiving contract after each transfer,
///         as ERC-777 / ERC-1363 style tokens do: the receiver gets control in the middle of the
///         sender's transaction. A hook that reverts with data reverts the transfer; a contract
///         without the hook (empty revert) is skipped. Test use only.
contract CallbackToken is ERC20 {
    constructor() ERC20("Callback Token", "CBK") {}

    /// @notice Mint `amount` to `to` (unrestricted: test use only; no hook).
    /// @param to Receiver.
    /// @param amount Amount minted.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && to.code.length != 0) {
            (bool ok, bytes memory ret) = to.call(abi.encodeCall(ITokenReceiveHook.onTokenReceived, (from, value)));
            if (!ok && ret.length != 0) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}
