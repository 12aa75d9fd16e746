// An InteropCenter bundle sent by a wallet on the devnet and checked end to end with the SDK's own
// tools and ethers' ABI coder (independent of the router's C++): a zksync-ethers Wallet calls
// InteropCenter.sendBundle at 0x…1000d on a source chain; the receipt's InteropBundleSent event is
// decoded and every field recomputed here (salt from the sender and its bundle count, the bundle
// hash, the message hash, the base token asset id); the bundle's message is proven with the SDK's
// getGatewayProof and checked by L2MessageVerification on the destination chain once its root is
// imported; a bundle with one byte changed is refused by the contract; and what InteropCenter
// refuses (an unknown destination, an indirect call, a call value) is an error with nothing sent.
// Prints one JSON object.
//
//   node send_bundle.js --chain-url http://127.0.0.1:PORT/chains/270 \
//        --gateway-url http://127.0.0.1:PORT/chains/506 --target-url http://127.0.0.1:ANVIL \
//        --key 0x… --l1-chain-id 9 [--timeout-ms 120000]
'use strict';

const { ethers } = require('ethers');
const zksync = require('zksync-ethers');
const { parseArgs, run } = require('./cli');

const INTEROP_CENTER = '0x000000000000000000000000000000000001000d';
const NATIVE_TOKEN_VAULT = '0x0000000000000000000000000000000000010004';
const CALL = '(bytes1 version, bool shadowAccount, address to, address from, uint256 value, bytes data)';
const ATTRS = '(bytes executionAddress, bytes unbundlerAddress, bool useFixedFee)';
const BUNDLE = `(bytes1 version, uint256 sourceChainId, uint256 destinationChainId, bytes32 destinationBaseTokenAssetId, bytes32 interopBundleSalt, ${CALL}[] calls, ${ATTRS} bundleAttributes)`;
const CENTER_ABI = [
  'function sendBundle(bytes destinationChainId, (bytes to, bytes data, bytes[] callAttributes)[] callStarters, bytes[] bundleAttributes) payable returns (bytes32)',
  `event InteropBundleSent(bytes32 l2l1MsgHash, bytes32 interopBundleHash, ${BUNDLE} interopBundle)`,
];
const ATTRIBUTES = new ethers.Interface([
  'function interopCallValue(uint256)',
  'function indirectCall(uint256)',
  'function useFixedFee(bool)',
  'function executionAddress(bytes)',
]);

// ERC-7930 (EVM, version 1): a chain reference, an address, or both.
function interoperable(chainId, address) {
  let ref = '';
  if (chainId !== undefined) {
    ref = BigInt(chainId).toString(16);
    if (ref.length % 2) ref = '0' + ref;
  }
  const addr = address === undefined ? '' : address.slice(2).toLowerCase();
  const byte = (n) => n.toString(16).padStart(2, '0');
  return '0x00010000' + byte(ref.length / 2) + ref + byte(addr.length / 2) + addr;
}

async function until(what, f) {
  for (let i = 0; i < 600; i += 1) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      if (i % 50 === 49) process.stderr.write(`send_bundle: still waiting for ${what}: ${e.message}\n`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: gave up`);
}

async function main(a) {
  const src = new zksync.Provider(a['chain-url']);
  const gw = new zksync.Provider(a['gateway-url']);
  const target = new ethers.JsonRpcProvider(a['target-url']);
  const wallet = new zksync.Wallet(a.key, src);
  const center = new ethers.Contract(INTEROP_CENTER, CENTER_ABI, wallet);
  const srcChainId = (await src.getNetwork()).chainId;
  const destChainId = (await target.getNetwork()).chainId;
  const coder = ethers.AbiCoder.defaultAbiCoder();

  const starters = [
    { to: interoperable(undefined, '0x1111111111111111111111111111111111111111'), data: '0xdeadbeef', callAttributes: [] },
    {
      to: interoperable(undefined, '0x2222222222222222222222222222222222222222'),
      data: ethers.hexlify(ethers.toUtf8Bytes(`bundle ${Date.now()}`)),
      callAttributes: [ATTRIBUTES.encodeFunctionData('interopCallValue', [0])],
    },
  ];
  const bundleAttributes = [ATTRIBUTES.encodeFunctionData('useFixedFee', [true])];

  // Two bundles from a fresh key: the salts use its bundle count 0 and 1.
  const sent = [];
  for (let n = 0; n < 2; n += 1) {
    const tx = await center.sendBundle(interoperable(destChainId), starters, bundleAttributes);
    const receipt = await tx.wait();
    const events = receipt.logs
      .filter((l) => l.address.toLowerCase() === INTEROP_CENTER)
      .map((l) => center.interface.parseLog(l));
    if (events.length !== 1) throw new Error(`expected one InteropBundleSent, got ${events.length}`);
    const e = events[0].args;
    const b = e.interopBundle;
    const bundleAbi = coder.encode([BUNDLE], [b]);
    const messageSent = receipt.logs.filter(
      (l) => l.address.toLowerCase() === zksync.utils.L1_MESSENGER_ADDRESS.toLowerCase(),
    );
    const message = coder.decode(['bytes'], messageSent[0].data)[0];
    const expect = {
      version: b.version === '0x01',
      sourceChainId: b.sourceChainId === srcChainId,
      destinationChainId: b.destinationChainId === destChainId,
      baseToken:
        b.destinationBaseTokenAssetId ===
        ethers.keccak256(
          coder.encode(['uint256', 'address', 'address'], [BigInt(a['l1-chain-id']), NATIVE_TOKEN_VAULT, '0x0000000000000000000000000000000000000001']),
        ),
      salt: b.interopBundleSalt === ethers.solidityPackedKeccak256(['address', 'uint256'], [wallet.address, n]),
      calls:
        b.calls.length === 2 &&
        b.calls.every(
          (c, i) =>
            c.version === '0x01' &&
            c.shadowAccount === false &&
            c.from === wallet.address &&
            c.value === 0n &&
            c.data === starters[i].data,
        ) &&
        b.calls[0].to === '0x1111111111111111111111111111111111111111' &&
        b.calls[1].to === '0x2222222222222222222222222222222222222222',
      attributes:
        b.bundleAttributes.useFixedFee === true &&
        b.bundleAttributes.executionAddress === '0x' &&
        b.bundleAttributes.unbundlerAddress === interoperable(srcChainId, wallet.address),
      message: message === ethers.concat(['0x01', bundleAbi]),
      messageSender: messageSent[0].topics[1] === ethers.zeroPadValue(INTEROP_CENTER, 32),
      messageHash: e.l2l1MsgHash === ethers.keccak256(message),
      bundleHash: e.interopBundleHash === ethers.keccak256(coder.encode(['uint256', 'bytes'], [srcChainId, bundleAbi])),
    };
    sent.push({ txHash: tx.hash, from: wallet.address, expect, message, bundleHash: e.interopBundleHash });
  }

  // The first bundle's message, proven with the SDK and checked by the destination's contract.
  const txHash = sent[0].txHash;
  await until('EXECUTED', async () => {
    const client = new zksync.InteropClient({ gateway: { gwProvider: gw, gwChainId: 506n } });
    return (await client.getMessageStatus(src, txHash)) === 'EXECUTED' ? true : undefined;
  });
  const receipt = await src.getTransactionReceipt(txHash);
  const { l2ToL1LogIndex, messageSentInContract } = zksync.findInteropLogIndex(receipt, INTEROP_CENTER);
  const { nodes, proofId } = await zksync.getGatewayProof(src, txHash, l2ToL1LogIndex);
  const gwBlock = await zksync.getGwBlockForBatch(BigInt(receipt.l1BatchNumber), src, gw);
  await zksync.waitForGatewayInteropRoot(506n, target, gwBlock, { timeoutMs: 60000 });
  const verifier = new ethers.Contract(
    zksync.utils.L2_MESSAGE_VERIFICATION_ADDRESS,
    zksync.utils.L2_MESSAGE_VERIFICATION_ABI,
    target,
  );
  const verify = (data) =>
    verifier
      .proveL2MessageInclusionShared(
        srcChainId,
        receipt.l1BatchNumber,
        proofId,
        { txNumberInBatch: receipt.l1BatchTxIndex, sender: INTEROP_CENTER, data },
        nodes,
      )
      .then((ok) => (ok ? 'accepted' : 'refused'), (e) => `reverted: ${e.shortMessage || e.message}`);
  const bytes = ethers.getBytes(sent[0].message);
  const verified = await verify(sent[0].message);
  bytes[bytes.length - 1] ^= 1;
  const tampered = await verify(ethers.hexlify(bytes));

  // What the InteropCenter refuses: nothing is sent, the error says why.
  const refusal = async (dest, callStarters, attrs) => {
    try {
      await center.sendBundle(dest, callStarters, attrs, { gasLimit: 1000000 });
      return 'sent';
    } catch (e) {
      return (e.info && e.info.error && e.info.error.message) || e.shortMessage || e.message;
    }
  };
  const refusals = {
    unknownDestination: await refusal(interoperable(999999), starters, []),
    indirectCall: await refusal(
      interoperable(destChainId),
      [{ ...starters[0], callAttributes: [ATTRIBUTES.encodeFunctionData('indirectCall', [1])] }],
      [],
    ),
    callValue: await refusal(
      interoperable(destChainId),
      [{ ...starters[0], callAttributes: [ATTRIBUTES.encodeFunctionData('interopCallValue', [5])] }],
      [],
    ),
    noCalls: await refusal(interoperable(destChainId), [], []),
  };
  const nonceAfter = await src.send('eth_getTransactionCount', [wallet.address, 'latest']);

  process.stdout.write(
    JSON.stringify({
      sent,
      messageSentInContract,
      l2ToL1LogIndex,
      gwBlock: Number(gwBlock),
      verified,
      tampered,
      refusals,
      nonceAfter: Number(nonceAfter),
    }) + '\n',
  );
  src.destroy();
  gw.destroy();
  target.destroy();
}

const parsed = parseArgs(
  'send_bundle',
  ['chain-url', 'gateway-url', 'target-url', 'key', 'l1-chain-id'],
  { 'timeout-ms': '120000' },
);
run('send_bundle', main, parsed, Number(parsed['timeout-ms']));
