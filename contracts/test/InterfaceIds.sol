// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {IERC1404} from "../interfaces/IERC1404.sol";
import {IERC1594} from "../interfaces/IERC1594.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {IERC1644} from "../interfaces/IERC1644.sol";
import {IRecordDates} from "../interfaces/IRecordDates.sol";
import {IDividendDistributor} from "../interfaces/IDividendDistributor.sol";
import {IShareholderVoting} from "../interfaces/IShareholderVoting.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943Fungible.sol";

/// @title InterfaceIds
/// @notice Test only: the compiler's own `type(I).interfaceId` of every interface the suite's
///         contracts implement, the cross-check for the ids the ERC-165 test derives from ABIs.
contract InterfaceIds {
    /// @notice Interface names and their compiler-computed ERC-165 ids, in the same order.
    function all() external pure returns (string[] memory names, bytes4[] memory ids) {
        names = new string[](17);
        ids = new bytes4[](17);
        (names[0], ids[0]) = ("IERC165", type(IERC165).interfaceId);
        (names[1], ids[1]) = ("IAccessControl", type(IAccessControl).interfaceId);
        (names[2], ids[2]) = ("IVotes", type(IVotes).interfaceId);
        (names[3], ids[3]) = ("IERC6372", type(IERC6372).interfaceId);
        (names[4], ids[4]) = ("IERC5805", type(IERC5805).interfaceId);
        (names[5], ids[5]) = ("IERC20", type(IERC20).interfaceId);
        (names[6], ids[6]) = ("IERC20Permit", type(IERC20Permit).interfaceId);
        (names[7], ids[7]) = ("IInvestorRegistry", type(IInvestorRegistry).interfaceId);
        (names[8], ids[8]) = ("IERC1404", type(IERC1404).interfaceId);
        (names[9], ids[9]) = ("IERC1594", type(IERC1594).interfaceId);
        (names[10], ids[10]) = ("IERC1643", type(IERC1643).interfaceId);
        (names[11], ids[11]) = ("IERC1644", type(IERC1644).interfaceId);
        (names[12], ids[12]) = ("IRecordDates", type(IRecordDates).interfaceId);
        (names[13], ids[13]) = ("IDividendDistributor", type(IDividendDistributor).interfaceId);
        (names[14], ids[14]) = ("IShareholderVoting", type(IShareholderVoting).interfaceId);
        (names[15], ids[15]) = ("IERC20Metadata", type(IERC20Metadata).interfaceId);
        (names[16], ids[16]) = ("IERC7943Fungible", type(IERC7943Fungible).interfaceId);
    }
}
