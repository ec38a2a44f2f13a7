// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC1643} from "../interfaces/IERC1643.sol";

/// @title TokenDocuments
/// @notice ERC-1643 documents (prospectus, terms, notices) attached to a token: name, URI,
///         content hash and last-modified time, listed without gaps. The views live here; the
///         writers (`setDocument`, `removeDocument`) run in the token's admin module.
abstract contract TokenDocuments is IERC1643 {
    /// @notice A document name must not be empty.
    error EmptyDocumentName();
    /// @notice A document URI must not be empty.
    error EmptyDocumentUri(bytes32 name);
    /// @notice No document is stored under `name`.
    error DocumentNotFound(bytes32 name);

    struct Document {
        bytes32 documentHash;
        uint64 timestamp;
        uint32 position; // index in _names plus one; 0 = absent
        string uri;
    }

    mapping(bytes32 name => Document) private _documents;
    bytes32[] private _names;

    /// @inheritdoc IERC1643
    function getDocument(bytes32 name) external view returns (string memory, bytes32, uint256) {
        Document storage d = _documents[name];
        if (d.position == 0) revert DocumentNotFound(name);
        return (d.uri, d.documentHash, d.timestamp);
    }

    /// @dev Store or replace document `name` (the caller checked the role).
    function _setDocument(bytes32 name, string calldata uri, bytes32 documentHash) internal {
        if (name == bytes32(0)) revert EmptyDocumentName();
        if (bytes(uri).length == 0) revert EmptyDocumentUri(name);
        Document storage d = _documents[name];
        if (d.position == 0) {
            _names.push(name);
            d.position = uint32(_names.length);
        }
        d.uri = uri;
        d.documentHash = documentHash;
        d.timestamp = uint64(block.timestamp);
        emit DocumentUpdated(name, uri, documentHash);
    }

    /// @dev Remove document `name` (the caller checked the role); the last one takes its place.
    function _removeDocument(bytes32 name) internal {
        Document storage d = _documents[name];
        uint256 position = d.position;
        if (position == 0) revert DocumentNotFound(name);
        string memory uri = d.uri;
        bytes32 documentHash = d.documentHash;
        uint256 last = _names.length;
        if (position != last) {
            bytes32 moved = _names[last - 1];
            _names[position - 1] = moved;
            _documents[moved].position = uint32(position);
        }
        _names.pop();
        delete _documents[name];
        emit DocumentRemoved(name, uri, documentHash);
    }

    /// @inheritdoc IERC1643
    function getAllDocuments() external view returns (bytes32[] memory) {
        return _names;
    }
}
