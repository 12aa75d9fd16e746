// Follows one message along the official ZKsync SDK's interop path (zksync-ethers, unmodified)
// against zkrouter's chain endpoints, the calls InteropClient.getVerificationArgs makes, and prints
// what the SDK got as one JSON object on stdout. The test suite (tests/app/sdk_test.cpp) compares
// it with the router's native API.
//
//   node interop_path.js --chain-url http://127.0.0.1:PORT/chains/270 \
//        --gateway-url http://127.0.0.1:PORT/chains/506 --tx 0x… [--gateway-chain 506]
//
// Exits 1 with the reason on stderr when a call fails or does not answer within --timeout-ms.
'use strict';

const { ethers } = require('ethers');
const zksync = require('zksync-ethers');
const { parseArgs, run } = require('./cli');

async function main(a) {
  const txHash = a.tx;
  // Default providers, as a dApp creates them: network detection runs eth_chainId.
  const src = new zksync.Provider(a['chain-url']);
  const gw = new zksync.Provider(a['gateway-url']);
  const network = await src.getNetwork();
  const gwNetwork = await gw.getNetwork();

  // InteropClient's first call: the message's phase from zks_getTransactionDetails.
  const client = new zksync.InteropClient({
    gateway: { gwProvider: gw, gwChainId: BigInt(a['gateway-chain']) },
  });
  const phase = await client.getMessageStatus(src, txHash);
  const details = await src.getTransactionDetails(txHash);

  // The transaction and its receipt (wait() polls eth_getTransactionReceipt and eth_blockNumber).
  const tx = await src.getTransaction(txHash);
  if (tx === null) throw new Error(`getTransaction(${txHash}) returned null`);
  const receipt = await tx.wait();
  const { l2ToL1LogIndex, messageSentInContract } = zksync.findInteropLogIndex(receipt, tx.from);
  if (l2ToL1LogIndex < 0) throw new Error('no L1Messenger log of the sender in the receipt');
  const log = receipt.logs.filter(
    (l) =>
      zksync.utils.isAddressEq(l.address, zksync.utils.L1_MESSENGER_ADDRESS) &&
      l.topics[0] === ethers.id('L1MessageSent(address,bytes32,bytes)'),
  )[l2ToL1LogIndex];
  const message = ethers.AbiCoder.defaultAbiCoder().decode(['bytes'], log.data)[0];

  // Proofs: shape C through the Gateway (Era's interopMode and the OS server's proofTarget), shape
  // B for L1 (the default), and the SDK's own helper.
  const proofC = await src.getLogProof(txHash, l2ToL1LogIndex, 'proof_based_gw');
  const proofMessageRoot = await src.getLogProof(txHash, l2ToL1LogIndex, 'messageRoot');
  const proofB = await src.getLogProof(txHash, l2ToL1LogIndex);
  const gatewayProof = await zksync.getGatewayProof(src, txHash, l2ToL1LogIndex);
  const batchDetails = await src.getL1BatchDetails(Number(receipt.l1BatchNumber));
  const gwBlock = await zksync.getGwBlockForBatch(BigInt(receipt.l1BatchNumber), src, gw, 200);

  // The chain's own blocks: answered by its node behind the endpoint (the devnet's simulated chain,
  // or serve's rpcUrl); without one the error says so.
  let block;
  try {
    const b = await src.getBlock(receipt.blockNumber);
    block = {
      hash: b.hash,
      number: b.number,
      hasTx: b.transactions.includes(txHash),
      latest: await src.getBlockNumber(),
    };
  } catch (e) {
    block = { error: e.error && e.error.message ? e.error.message : String(e.message) };
  }

  const report = {
    chainId: Number(network.chainId),
    gatewayChainId: Number(gwNetwork.chainId),
    phase,
    status: details.status,
    ethExecuteTxHash: details.ethExecuteTxHash,
    from: tx.from.toLowerCase(),
    l1BatchNumber: Number(receipt.l1BatchNumber),
    l1BatchTxIndex: Number(receipt.l1BatchTxIndex),
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    block,
    l2ToL1LogIndex,
    messageSentInContract,
    message,
    messageHash: ethers.keccak256(message),
    sender: messageSentInContract ? tx.to.toLowerCase() : tx.from.toLowerCase(),
    proofC,
    proofMessageRoot,
    proofB,
    gatewayProof,
    batchDetails,
    gwBlock: Number(gwBlock),
  };
  process.stdout.write(JSON.stringify(report) + '\n');
  src.destroy();
  gw.destroy();
}

const parsed = parseArgs(
  'interop_path',
  ['chain-url', 'gateway-url', 'tx'],
  { 'gateway-chain': '506', 'timeout-ms': '30000' },
);
run('interop_path', main, parsed, Number(parsed['timeout-ms']));
