// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title VotesTokenMock
/// @notice Test only: a plain OpenZeppelin ERC20Votes token (block-number clock), the reference
///         the governor client test compares the security token's votes with.
contract VotesTokenMock is ERC20, ERC20Permit, ERC20Votes {
    /// @param holder Receives the whole supply.
    /// @param supply Tokens minted to `holder`.
    constructor(address holder, uint256 supply) ERC20("Votes Mock", "VOTE") ERC20Permit("Votes Mock") {
        _mint(holder, supply);
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
