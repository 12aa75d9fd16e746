// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMessageVerification} from
  "@matterlabs/zksync-contracts/contracts/l1-contracts/state-transition/chain-interfaces/IMessageVerification.sol";
import {L2Log, L2Message} from "@matterlabs/zksync-contracts/contracts/l1-contracts/common/Messaging.sol";
import {Merkle} from "@matterlabs/zksync-contracts/contracts/l1-contracts/common/libraries/Merkle.sol";

/// @title Proves that a chain sent a message, against the roots a settlement layer holds
/// @notice The proof format and the verification algorithm of the spec ("interop proofs", §4): a
/// metadata word, the log's path to its chain batch root, then, for each settlement layer, the
/// batch's path in the chain's tree and the chain's leaf in the layer's shared tree, ending at a
/// root the deriving contract holds (`_settledRoot`): an imported interop root on a destination
/// chain (L2MessageVerification), a settled batch root on L1 (L1Settlement). The Merkle steps are
/// ZKsync's own `Merkle` library.
abstract contract MessageVerification is IMessageVerification {
  address internal constant L1_MESSENGER = 0x0000000000000000000000000000000000008008;

  /// @dev keccak256 of an all-zero 88-byte log: the empty leaf, never a valid one.
  bytes32 internal constant DEFAULT_LEAF =
    0x72abee45b59e344af8a6e520241c4744aff26ed411f4c4b00f8af09adada43ba;
  bytes32 internal constant BATCH_LEAF_PADDING = keccak256("zkSync:BatchLeaf");
  bytes32 internal constant CHAIN_ID_LEAF_PADDING = keccak256("zkSync:ChainIdLeaf");
  uint8 internal constant PROOF_VERSION = 1;

  error EmptyProof();
  error LeafIsDefault();
  error UnsupportedProofMetadataVersion(uint256 version);
  error InvalidProofLengthForFinalNode();
  error ProofTooShort(uint256 needed, uint256 length);

  /// @dev The root a proof ending at batch or block `_number` of chain `_chainId` must reach; zero
  /// when none is held.
  function _settledRoot(uint256 _chainId, uint256 _number) internal view virtual returns (bytes32);

  /// @inheritdoc IMessageVerification
  function proveL2MessageInclusionShared(
    uint256 _chainId,
    uint256 _blockOrBatchNumber,
    uint256 _index,
    L2Message calldata _message,
    bytes32[] calldata _proof
  ) external view returns (bool) {
    L2Log memory log = L2Log({
      l2ShardId: 0,
      isService: true,
      txNumberInBatch: _message.txNumberInBatch,
      sender: L1_MESSENGER,
      key: bytes32(uint256(uint160(_message.sender))),
      value: keccak256(_message.data)
    });
    return proveL2LeafInclusionShared(_chainId, _blockOrBatchNumber, _index, _leafOf(log), _proof);
  }

  /// @inheritdoc IMessageVerification
  function proveL2LogInclusionShared(
    uint256 _chainId,
    uint256 _blockOrBatchNumber,
    uint256 _index,
    L2Log calldata _log,
    bytes32[] calldata _proof
  ) external view returns (bool) {
    return proveL2LeafInclusionShared(_chainId, _blockOrBatchNumber, _index, _leafOf(_log), _proof);
  }

  /// @inheritdoc IMessageVerification
  function proveL2LeafInclusionShared(
    uint256 _chainId,
    uint256 _blockOrBatchNumber,
    uint256 _leafProofMask,
    bytes32 _leaf,
    bytes32[] calldata _proof
  ) public view returns (bool) {
    if (_proof.length == 0) revert EmptyProof();
    if (_leaf == DEFAULT_LEAF) revert LeafIsDefault();
    Node memory node = _parseMetadata(_proof);
    _need(_proof, node.ptr + node.logLength);
    bytes32 batchRoot =
      Merkle.calculateRoot(_proof[node.ptr:node.ptr + node.logLength], _leafProofMask, _leaf);
    if (node.isFinal) {
      bytes32 settled = _settledRoot(_chainId, _blockOrBatchNumber);
      return settled != bytes32(0) && settled == batchRoot;
    }
    uint256 ptr = node.ptr + node.logLength;
    _need(_proof, ptr + 1 + node.batchLength + 2);
    bytes32 chainLeaf =
      _chainLeaf(_chainId, _blockOrBatchNumber, batchRoot, _proof[ptr:ptr + 1 + node.batchLength]);
    ptr += 1 + node.batchLength;
    uint256 packed = uint256(_proof[ptr]);
    return this.proveL2LeafInclusionShared(
      uint256(_proof[ptr + 1]), packed >> 128, uint128(packed), chainLeaf, _proof[ptr + 2:]
    );
  }

  /// @dev Where one node of a proof starts and what its metadata says.
  struct Node {
    uint256 ptr;
    uint256 logLength;
    uint256 batchLength;
    bool isFinal;
  }

  /// @dev Metadata: version, log path length, batch path length, final flag; bytes 4..31 zero. A
  /// first word with other bytes set is a legacy proof: one path, final.
  function _parseMetadata(bytes32[] calldata _proof) internal pure returns (Node memory node) {
    node.logLength = _proof.length;
    node.isFinal = true;
    uint256 meta = uint256(_proof[0]);
    if (meta << 32 != 0) return node;
    if (uint8(meta >> 248) != PROOF_VERSION) revert UnsupportedProofMetadataVersion(meta >> 248);
    node.logLength = uint8(meta >> 240);
    node.batchLength = uint8(meta >> 232);
    node.isFinal = uint8(meta >> 224) != 0;
    if (node.isFinal && node.batchLength != 0) revert InvalidProofLengthForFinalNode();
    node.ptr = 1;
  }

  /// @dev The chain's leaf in its settlement layer's shared tree: the batch's leaf in the chain's
  /// tree, up the path `_maskAndPath` (its first word is the batch leaf's index), to the chain's
  /// root.
  function _chainLeaf(
    uint256 _chainId,
    uint256 _batchNumber,
    bytes32 _batchRoot,
    bytes32[] calldata _maskAndPath
  ) internal pure returns (bytes32) {
    bytes32 batchLeaf = keccak256(abi.encodePacked(BATCH_LEAF_PADDING, _batchRoot, _batchNumber));
    bytes32 chainRoot =
      Merkle.calculateRoot(_maskAndPath[1:], uint256(_maskAndPath[0]), batchLeaf);
    return keccak256(abi.encodePacked(CHAIN_ID_LEAF_PADDING, chainRoot, _chainId));
  }

  /// @dev keccak256 of the log's 88-byte packing.
  function _leafOf(L2Log memory _log) internal pure returns (bytes32) {
    return keccak256(
      abi.encodePacked(
        _log.l2ShardId, _log.isService, _log.txNumberInBatch, _log.sender, _log.key, _log.value
      )
    );
  }

  function _need(bytes32[] calldata _proof, uint256 _words) internal pure {
    if (_proof.length < _words) revert ProofTooShort(_words, _proof.length);
  }
}
