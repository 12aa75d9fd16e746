// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IL2InteropRootStorage} from
  "@matterlabs/zksync-contracts/contracts/l1-contracts/common/interfaces/IL2InteropRootStorage.sol";
import {MessageVerification} from "./MessageVerification.sol";

/// @title Proves on a destination chain that a source chain sent a message, from the Gateway's
/// interop roots
/// @notice The project's own mirror of ZKsync's L2MessageVerification (0x…10009), with its ABI:
/// MessageVerification's algorithm, ending at a root this chain imported into InteropRootStorage
/// (0x…10008).
contract L2MessageVerification is MessageVerification {
  IL2InteropRootStorage internal constant INTEROP_ROOTS =
    IL2InteropRootStorage(0x0000000000000000000000000000000000010008);

  function _settledRoot(uint256 _chainId, uint256 _number) internal view override returns (bytes32) {
    return INTEROP_ROOTS.interopRoots(_chainId, _number);
  }
}
