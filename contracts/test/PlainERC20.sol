// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title PlainERC20
/// @notice A plain OpenZeppelin ERC-20 with no compliance at all: the gas baseline that the
///         security token's transfer is measured against (see DESIGN.md, "gas budget").
/// @dev Test and benchmark use only. The whole supply is minted to the deployer.
contract PlainERC20 is ERC20 {
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param initialSupply Amount (in the smallest unit) minted to the deployer.
    constructor(string memory name_, string memory symbol_, uint256 initialSupply)
        ERC20(name_, symbol_)
    {
        _mint(msg.sender, initialSupply);
    }
}
