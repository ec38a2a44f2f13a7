// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice An ERC-20 that burns `feeBps` of every transfer (mints are free), so that the receiver
///         gets less than the amount named. Test use only.
contract FeeOnTransferToken is ERC20 {
    /// @notice Fee in basis points burned from every transfer between two non-zero addresses.
    uint256 public immutable feeBps;

    /// @param feeBps_ The fee, in basis points (<= 10000).
    constructor(uint256 feeBps_) ERC20("Fee Token", "FEE") {
        require(feeBps_ <= 10_000, "fee");
        feeBps = feeBps_;
    }

    /// @notice Mint `amount` to `to` (unrestricted: test use only).
    /// @param to Receiver.
    /// @param amount Amount minted.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = (value * feeBps) / 10_000;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}
