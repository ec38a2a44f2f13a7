// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockStablecoin
/// @notice A 6-decimal dollar stand-in that anyone can mint. Test and benchmark use only.
contract MockStablecoin is ERC20 {
    constructor() ERC20("Mock USD", "mUSD") {}

    /// @notice Mint `amount` to `to` (unrestricted: test use only).
    /// @param to Receiver.
    /// @param amount Amount in the smallest unit.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice 6 decimals, like the common dollar stablecoins.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
