// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MessageVerification} from "./MessageVerification.sol";

/// @title Settles one chain's batches on L1: the Gateway's (or a chain's that settles on L1 itself)
/// @notice Takes the L1 submitter's three calls with the selectors of ZKsync's executor
/// (commitBatchesSharedBridge, proveBatchesSharedBridge, executeBatchesSharedBridge), in order and
/// without gaps. Each proof is the settling chain's aggregated proof (docs/settlement.md): its
/// commitments root is recomputed from the covered chain batches and its signature must recover to
/// the key the contract was deployed with. An executed batch's root is stored where a verifier
/// reads it, `l2LogsRootHash(batchNumber)` as ZKsync's Mailbox names it, and the shape B proofs
/// (and shape A, for a chain settling here itself) the router serves for L1 verify against it
/// through MessageVerification's views. Anything else reverts with a named error.
///
/// Payloads (32-byte words): commit, per batch (number, batchRoot, localRoot, sharedRoot,
/// firstBlock, lastBlock); prove, the aggregated proofs in order (chainId, batch, batchRoot,
/// commitmentsRoot, count, r, s, v ∈ {0,1}, then count × (chainId, batchNumber, chainBatchRoot,
/// previousBatchRoot)); execute, per batch (number, batchRoot). Numbers are at most 64 bits.
contract L1Settlement is MessageVerification {
  /// The chain whose batches settle here.
  uint256 public immutable settlingChainId;
  /// The address of the key that signs its aggregated proofs.
  address public immutable proofSigner;
  /// The account that deployed it: the only one that may resume it after a stay on the Gateway.
  address public immutable admin;

  uint256 public totalBatchesCommitted;
  uint256 public totalBatchesVerified;
  uint256 public totalBatchesExecuted;
  /// Batch root of each committed batch.
  mapping(uint256 batchNumber => bytes32 batchRoot) public committedBatchRoot;
  /// Batch root of each executed batch: what L1 proofs end at.
  mapping(uint256 batchNumber => bytes32 batchRoot) public l2LogsRootHash;

  bytes32 internal constant AGGREGATE_TAG = keccak256("zkrouter.gateway-aggregate.v1");
  uint256 internal constant HALF_ORDER =
    0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
  uint256 internal constant MAX_COVERED = 1 << 16;
  uint256 internal constant COMMIT_ENTRY = 6 * 32;
  uint256 internal constant EXECUTE_ENTRY = 2 * 32;
  uint256 internal constant PROOF_HEADER = 8 * 32;
  uint256 internal constant COMMITMENT = 4 * 32;

  event BlockCommit(uint256 indexed batchNumber, bytes32 indexed batchRoot);
  event BlocksVerification(uint256 indexed previousLastVerifiedBatch, uint256 indexed currentLastVerifiedBatch);
  event BlockExecution(uint256 indexed batchNumber, bytes32 indexed batchRoot);
  event ChainResumed(uint256 indexed lastBatchElsewhere);

  error WrongChain(uint256 expected, uint256 given);
  error NumberTooLarge(uint256 value);
  error EmptyRange(uint256 processFrom, uint256 processTo);
  error OutOfOrder(uint256 expectedFirst, uint256 givenFirst);
  error NotCommitted(uint256 batchNumber);
  error NotProven(uint256 batchNumber);
  error PayloadLength(uint256 expected, uint256 given);
  error BatchNumberMismatch(uint256 expected, uint256 given);
  error BatchRootMismatch(uint256 batchNumber, bytes32 expected, bytes32 given);
  error MalformedProof(uint256 batchNumber);
  error CommitmentsRootMismatch(uint256 batchNumber, bytes32 given, bytes32 computed);
  error BadSignature(uint256 batchNumber);
  error TrailingProofData(uint256 bytesLeft);
  error NotAdmin(address caller);
  error BatchesInFlight(uint256 committed, uint256 executed);
  error NotAfter(uint256 executed, uint256 given);

  constructor(uint256 _settlingChainId, address _proofSigner) {
    settlingChainId = _settlingChainId;
    proofSigner = _proofSigner;
    admin = msg.sender;
  }

  /// @notice The chain comes back from the Gateway: its batches up to `_lastBatch` settled there,
  /// so the counters move past them (as ZKsync's L1 diamond takes the chain's counters when it
  /// migrates back) and its next batch here is `_lastBatch + 1`. Nothing may be in flight.
  function resumeAfter(uint256 _lastBatch) external {
    if (msg.sender != admin) revert NotAdmin(msg.sender);
    _small(_lastBatch);
    if (totalBatchesCommitted != totalBatchesExecuted) {
      revert BatchesInFlight(totalBatchesCommitted, totalBatchesExecuted);
    }
    if (_lastBatch <= totalBatchesExecuted) revert NotAfter(totalBatchesExecuted, _lastBatch);
    totalBatchesCommitted = _lastBatch;
    totalBatchesVerified = _lastBatch;
    totalBatchesExecuted = _lastBatch;
    emit ChainResumed(_lastBatch);
  }

  function commitBatchesSharedBridge(uint256 _chainId, uint256 _from, uint256 _to, bytes calldata _data)
    external
  {
    _checkRange(_chainId, _from, _to, totalBatchesCommitted);
    uint256 count = _entries(_data, _from, _to, COMMIT_ENTRY);
    for (uint256 i = 0; i < count; ++i) {
      bytes32 root = _entryRoot(_data, _from, i, COMMIT_ENTRY);
      committedBatchRoot[_from + i] = root;
      emit BlockCommit(_from + i, root);
    }
    totalBatchesCommitted = _to;
  }

  function proveBatchesSharedBridge(uint256 _chainId, uint256 _from, uint256 _to, bytes calldata _data)
    external
  {
    _checkRange(_chainId, _from, _to, totalBatchesVerified);
    if (_to > totalBatchesCommitted) revert NotCommitted(_to);
    uint256 at = 0;
    for (uint256 n = _from; n <= _to; ++n) {
      at = _checkProof(n, _data, at);
    }
    if (at != _data.length) revert TrailingProofData(_data.length - at);
    emit BlocksVerification(totalBatchesVerified, _to);
    totalBatchesVerified = _to;
  }

  function executeBatchesSharedBridge(uint256 _chainId, uint256 _from, uint256 _to, bytes calldata _data)
    external
  {
    _checkRange(_chainId, _from, _to, totalBatchesExecuted);
    if (_to > totalBatchesVerified) revert NotProven(_to);
    uint256 count = _entries(_data, _from, _to, EXECUTE_ENTRY);
    for (uint256 i = 0; i < count; ++i) {
      uint256 number = _from + i;
      bytes32 root = _entryRoot(_data, _from, i, EXECUTE_ENTRY);
      bytes32 committed = committedBatchRoot[number];
      if (root != committed) revert BatchRootMismatch(number, committed, root);
      l2LogsRootHash[number] = root;
      emit BlockExecution(number, root);
    }
    totalBatchesExecuted = _to;
  }

  function _settledRoot(uint256 _chainId, uint256 _number) internal view override returns (bytes32) {
    return _chainId == settlingChainId ? l2LogsRootHash[_number] : bytes32(0);
  }

  /// @dev The call is for this chain, and `_from` follows `_reached` with `_to` not before it.
  function _checkRange(uint256 _chainId, uint256 _from, uint256 _to, uint256 _reached) internal view {
    _small(_chainId);
    _small(_from);
    _small(_to);
    if (_chainId != settlingChainId) revert WrongChain(settlingChainId, _chainId);
    if (_to < _from) revert EmptyRange(_from, _to);
    if (_from != _reached + 1) revert OutOfOrder(_reached + 1, _from);
  }

  /// @dev A commit or execute payload: one `_entrySize`-byte entry per batch _from.._to; how many.
  function _entries(bytes calldata _data, uint256 _from, uint256 _to, uint256 _entrySize)
    internal
    pure
    returns (uint256 count)
  {
    count = _to - _from + 1;
    if (_data.length != count * _entrySize) revert PayloadLength(count * _entrySize, _data.length);
  }

  /// @dev Entry `_i` of such a payload starts with batch number `_from + _i`, then its root.
  function _entryRoot(bytes calldata _data, uint256 _from, uint256 _i, uint256 _entrySize)
    internal
    pure
    returns (bytes32)
  {
    uint256 number = _word(_data, _i * _entrySize);
    if (number != _from + _i) revert BatchNumberMismatch(_from + _i, number);
    return bytes32(_word(_data, _i * _entrySize + 32));
  }

  /// @dev Checks the aggregated proof of batch `_n` starting at byte `_at`; where the next starts.
  function _checkProof(uint256 _n, bytes calldata _data, uint256 _at) internal view returns (uint256 end) {
    if (_data.length < _at + PROOF_HEADER) revert MalformedProof(_n);
    uint256 count = _word(_data, _at + 128);
    _small(_word(_data, _at));
    _small(_word(_data, _at + 32));
    _small(count);
    if (_word(_data, _at + 224) > 1 || count > MAX_COVERED) revert MalformedProof(_n);
    end = _at + PROOF_HEADER + count * COMMITMENT;
    if (_data.length < end) revert MalformedProof(_n);
    if (_word(_data, _at) != settlingChainId) revert WrongChain(settlingChainId, _word(_data, _at));
    if (_word(_data, _at + 32) != _n) revert BatchNumberMismatch(_n, _word(_data, _at + 32));
    bytes32 batchRoot = bytes32(_word(_data, _at + 64));
    if (batchRoot != committedBatchRoot[_n]) revert BatchRootMismatch(_n, committedBatchRoot[_n], batchRoot);
    bytes32 computed = _commitmentsRoot(_data, _at + PROOF_HEADER, count);
    if (computed != bytes32(_word(_data, _at + 96))) {
      revert CommitmentsRootMismatch(_n, bytes32(_word(_data, _at + 96)), computed);
    }
    _checkSignature(_n, _data[_at:_at + PROOF_HEADER]);
  }

  /// @dev The header's signature (words 5, 6, 7: r, s, v) over keccak256(tag ‖ its first five
  /// words) recovers to the proof signer, with s in the lower half of the group order.
  function _checkSignature(uint256 _n, bytes calldata _header) internal view {
    bytes32 digest = keccak256(abi.encodePacked(AGGREGATE_TAG, _header[0:160]));
    uint256 r = _word(_header, 160);
    uint256 s = _word(_header, 192);
    if (r == 0 || s == 0 || s > HALF_ORDER) revert BadSignature(_n);
    address signer = ecrecover(digest, uint8(_word(_header, 224) + 27), bytes32(r), bytes32(s));
    if (signer == address(0) || signer != proofSigner) revert BadSignature(_n);
  }

  /// @dev The binary keccak Merkle root of the covered commitments' leaves, zero-padded to a power
  /// of two; the zero word when none is covered. Each commitment's numbers are at most 64 bits.
  function _commitmentsRoot(bytes calldata _data, uint256 _at, uint256 _count) internal pure returns (bytes32) {
    if (_count == 0) return bytes32(0);
    uint256 width = 1;
    while (width < _count) width *= 2;
    bytes32[] memory level = new bytes32[](width);
    for (uint256 i = 0; i < _count; ++i) {
      uint256 c = _at + i * COMMITMENT;
      _small(_word(_data, c));
      _small(_word(_data, c + 32));
      level[i] = keccak256(_data[c:c + COMMITMENT]);
    }
    while (width > 1) {
      width /= 2;
      for (uint256 i = 0; i < width; ++i) {
        level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
      }
    }
    return level[0];
  }

  function _word(bytes calldata _data, uint256 _at) internal pure returns (uint256 w) {
    w = uint256(bytes32(_data[_at:_at + 32]));
  }

  function _small(uint256 _v) internal pure {
    if (_v > type(uint64).max) revert NumberTooLarge(_v);
  }
}
