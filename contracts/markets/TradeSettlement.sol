// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IMarketToken} from "./IMarketToken.sol";
import {ITradeSettlement} from "./ITradeSettlement.sol";

/// @title TradeSettlement
/// @notice Delivery versus payment between two investors: shares of a security token against an
///         ERC-20 payment, both legs in one transaction or neither.
/// @dev Design choice (documented in docs/MARKETS.md): on-chain affirmation, the buyer's payment
///      held here from its affirmation, the seller's shares moved by the token at settlement.
///      Each party affirms the exact terms by a transaction (`propose` for the proposer, `accept`
///      for the other). The buyer's affirmation pays `amount` into this contract
///      (`safeTransferFrom(msg.sender, this, amount)`): nothing is ever pulled from an address
///      other than the caller's. `settle` then moves the shares with the seller's allowance
///      through the token's ERC-1594 `transferFromWithData` (the data carries the trade id) and
///      pays the held amount to the seller. Consequences:
///      - Compliance is decided at settlement by the token itself (its transfer runs the
///        decision and its spender checks: this contract must be an approved operator); a refused
///        share leg reverts the whole settlement with the token's rule and message, and the
///        trade stays proposed (payment still held) until it settles, is cancelled or expires.
///      - The seller's shares are not held: a shared, many-token contract cannot be a verified
///        holder of every token (the token refuses a receiver without KYC). A seller who spends
///        its shares meanwhile makes the settlement revert whole.
///      - The held payment goes back to the buyer, whole, on cancellation; a party cancels at any
///        time before settlement, anyone once the trade has expired (the payment only ever returns
///        to the buyer's own wallet).
///      - No partial settlement: the exact `shares` and `amount` move, or nothing. The held
///        payment is measured by balance difference when taken: an asset that delivers anything
///        else (fee-on-transfer) is refused at affirmation. The share leg is the token's own
///        transfer, which moves exactly `shares` or reverts.
///      - Amounts are below 2^96 (shares and payment units): 7.9e28, e.g. 79 billion whole
///        shares of an 18-decimal token.
///      - A trade cannot settle at or after its expiry (`block.timestamp >= expiry`).
///      - Every state-changing entry point is nonReentrant; the status is written before money
///        or shares move.
contract TradeSettlement is ITradeSettlement, ERC165, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint8 private constant _SELLER = 1;
    uint8 private constant _BUYER = 2;

    /// @dev One trade in four slots, all read by a settlement.
    struct Trade {
        // slot 0
        address seller;
        uint64 expiry;
        Status status;
        uint8 affirmed; // _SELLER | _BUYER
        // slot 1
        address buyer;
        uint96 amount;
        // slot 2
        IMarketToken token;
        uint96 shares;
        // slot 3
        IERC20 asset;
    }

    uint256 private _count;
    mapping(uint256 id => Trade) private _trades;

    /// @inheritdoc ITradeSettlement
    function propose(TradeTerms calldata t) external nonReentrant returns (uint256 id) {
        if (t.token == address(0)) revert InvalidTrade("token");
        if (t.asset == address(0) || t.asset == t.token) revert InvalidTrade("asset");
        if (t.seller == address(0) || t.buyer == address(0) || t.seller == t.buyer) revert InvalidTrade("parties");
        if (t.shares == 0) revert InvalidTrade("shares");
        if (t.amount == 0) revert InvalidTrade("amount");
        if (t.expiry <= block.timestamp) revert InvalidTrade("expiry");
        uint8 side = msg.sender == t.seller ? _SELLER : msg.sender == t.buyer ? _BUYER : 0;
        if (side == 0) revert NotParty(0, msg.sender);

        id = ++_count;
        _trades[id] = Trade({
            seller: t.seller,
            expiry: t.expiry,
            status: Status.Proposed,
            affirmed: side,
            buyer: t.buyer,
            token: IMarketToken(t.token),
            asset: IERC20(t.asset),
            shares: SafeCast.toUint96(t.shares),
            amount: SafeCast.toUint96(t.amount)
        });
        emit TradeProposed(id, t.token, msg.sender, t);
        emit TradeAffirmed(id, msg.sender);
        if (side == _BUYER) _hold(id, IERC20(t.asset), t.amount);
    }

    /// @inheritdoc ITradeSettlement
    function accept(uint256 id) external nonReentrant {
        _accept(id, _trade(id));
    }

    /// @inheritdoc ITradeSettlement
    function settle(uint256 id) external nonReentrant {
        _settle(id, _trade(id));
    }

    /// @inheritdoc ITradeSettlement
    function acceptAndSettle(uint256 id) external nonReentrant {
        Trade storage t = _trade(id);
        _accept(id, t);
        _settle(id, t);
    }

    /// @inheritdoc ITradeSettlement
    function cancel(uint256 id) external nonReentrant {
        Trade storage t = _trade(id);
        if (block.timestamp < t.expiry) _side(id, t);
        if (t.status != Status.Proposed) revert WrongStatus(id, t.status);
        t.status = Status.Cancelled;
        emit TradeCancelled(id, msg.sender);
        if (t.affirmed & _BUYER != 0) {
            (address buyer, uint256 amount) = (t.buyer, t.amount);
            emit PaymentReturned(id, buyer, amount);
            t.asset.safeTransfer(buyer, amount);
        }
    }

    /// @inheritdoc ITradeSettlement
    function trade(uint256 id) external view returns (TradeView memory v) {
        Trade storage t = _trade(id);
        v.terms = TradeTerms({
            token: address(t.token),
            seller: t.seller,
            buyer: t.buyer,
            asset: address(t.asset),
            shares: t.shares,
            amount: t.amount,
            expiry: t.expiry
        });
        v.status = t.status;
        v.sellerAffirmed = t.affirmed & _SELLER != 0;
        v.buyerAffirmed = t.affirmed & _BUYER != 0;
        v.held = t.status == Status.Proposed && v.buyerAffirmed ? t.amount : 0;
        v.expired = t.status == Status.Proposed && block.timestamp >= t.expiry;
    }

    /// @inheritdoc ITradeSettlement
    function tradeCount() external view returns (uint256) {
        return _count;
    }

    /// @notice ERC-165: ITradeSettlement and IERC165.
    /// @param interfaceId The interface identifier.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ITradeSettlement).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------

    function _trade(uint256 id) private view returns (Trade storage t) {
        t = _trades[id];
        if (t.status == Status.None) revert UnknownTrade(id);
    }

    function _side(uint256 id, Trade storage t) private view returns (uint8) {
        if (msg.sender == t.seller) return _SELLER;
        if (msg.sender == t.buyer) return _BUYER;
        revert NotParty(id, msg.sender);
    }

    function _accept(uint256 id, Trade storage t) private {
        uint8 side = _side(id, t);
        if (t.status != Status.Proposed) revert WrongStatus(id, t.status);
        if (block.timestamp >= t.expiry) revert TradeExpired(id, t.expiry);
        if (t.affirmed & side != 0) revert AlreadyAffirmed(id, msg.sender);
        t.affirmed |= side;
        emit TradeAffirmed(id, msg.sender);
        if (side == _BUYER) _hold(id, t.asset, t.amount);
    }

    /// @dev Take the buyer's (the caller's) payment into this contract, exactly `amount`.
    function _hold(uint256 id, IERC20 asset, uint256 amount) private {
        uint256 before = asset.balanceOf(address(this));
        asset.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = asset.balanceOf(address(this)) - before;
        if (received != amount) revert PaymentMismatch(amount, received);
        emit PaymentHeld(id, msg.sender, amount);
    }

    function _settle(uint256 id, Trade storage t) private {
        _side(id, t);
        if (t.status != Status.Proposed) revert WrongStatus(id, t.status);
        if (block.timestamp >= t.expiry) revert TradeExpired(id, t.expiry);
        if (t.affirmed != _SELLER | _BUYER) {
            revert NotAffirmed(id, t.affirmed & _SELLER != 0, t.affirmed & _BUYER != 0);
        }
        t.status = Status.Settled;
        (address seller, address buyer, uint256 shares, uint256 amount) = (t.seller, t.buyer, t.shares, t.amount);
        IMarketToken token = t.token;
        IERC20 asset = t.asset;
        emit TradeSettled(id, seller, buyer, shares, amount);

        // Share leg: the token runs its compliance decision (and its spender checks) here; the
        // seller affirmed these terms on chain and granted the allowance this spends.
        token.transferFromWithData(seller, buyer, shares, abi.encode(id));
        // Payment leg: the buyer's payment, held here since its affirmation.
        asset.safeTransfer(seller, amount);
    }
}
