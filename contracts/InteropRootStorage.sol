// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IL2InteropRootStorage} from
  "@matterlabs/zksync-contracts/contracts/l1-contracts/common/interfaces/IL2InteropRootStorage.sol";

/// @title The destination chain's record of the Gateway's interop roots
/// @notice Lives at 0x…10008, where ZKsync chains keep theirs. On ZKsync the bootloader imports a
/// settlement layer's roots; on the devnet's EVM destination chain one importer account does, with
/// a transaction per sealed Gateway block.
contract InteropRootStorage is IL2InteropRootStorage {
  /// @notice The only account that may add roots.
  address public immutable importer;

  /// @notice chain id => block (or batch) number => root.
  mapping(uint256 chainId => mapping(uint256 blockOrBatchNumber => bytes32 root))
    public
    override interopRoots;

  event InteropRootAdded(uint256 indexed chainId, uint256 indexed blockOrBatchNumber, bytes32 root);

  error NotImporter(address caller);
  error ZeroRoot();
  error RootAlreadySet(uint256 chainId, uint256 blockOrBatchNumber, bytes32 root);

  constructor(address _importer) {
    importer = _importer;
  }

  /// @notice Records `root` as chain `chainId`'s root of `blockOrBatchNumber`, once.
  function addInteropRoot(uint256 chainId, uint256 blockOrBatchNumber, bytes32 root) external {
    if (msg.sender != importer) revert NotImporter(msg.sender);
    if (root == bytes32(0)) revert ZeroRoot();
    bytes32 existing = interopRoots[chainId][blockOrBatchNumber];
    if (existing != bytes32(0)) revert RootAlreadySet(chainId, blockOrBatchNumber, existing);
    interopRoots[chainId][blockOrBatchNumber] = root;
    emit InteropRootAdded(chainId, blockOrBatchNumber, root);
  }
}
