// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IERC1643: document management
interface IERC1643 {
    /// @notice Document `name` was set or changed.
    event DocumentUpdated(bytes32 indexed name, string uri, bytes32 documentHash);
    /// @notice Document `name` was removed; its last URI and hash are given.
    event DocumentRemoved(bytes32 indexed name, string uri, bytes32 documentHash);

    /// @notice URI, content hash and last-modified timestamp of document `name`.
    function getDocument(bytes32 name) external view returns (string memory, bytes32, uint256);
    /// @notice Attach or update document `name`.
    function setDocument(bytes32 name, string calldata uri, bytes32 documentHash) external;
    /// @notice Remove document `name`.
    function removeDocument(bytes32 name) external;
    /// @notice Names of all documents attached.
    function getAllDocuments() external view returns (bytes32[] memory);
}
