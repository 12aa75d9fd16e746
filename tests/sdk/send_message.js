// Sends messages on a chain endpoint the way dApps do, with the official SDK unmodified: the
// InteropClient's sendMessage with a zksync-ethers Wallet (a ZKsync EIP-712 transaction, type
// 0x71), and L1Messenger.sendToL1 through ethers' own Wallet as an EIP-1559 and as a legacy
// (EIP-155) transaction. Each waits for its receipt. Prints one JSON object: for each, the
// transaction hash, the sender and the message.
//
//   node send_message.js --chain-url http://127.0.0.1:PORT/chains/270 \
//        --gateway-url http://127.0.0.1:PORT/chains/506 --key 0x… [--timeout-ms 60000]
'use strict';

const { ethers } = require('ethers');
const zksync = require('zksync-ethers');
const { parseArgs, run } = require('./cli');

async function main(a) {
  const provider = new zksync.Provider(a['chain-url']);
  const gw = new zksync.Provider(a['gateway-url']);
  const wallet = new zksync.Wallet(a.key, provider);
  const client = new zksync.InteropClient({ gateway: { gwProvider: gw, gwChainId: 506n } });
  const sent = [];

  // The SDK's documented flow: InteropClient.sendMessage waits for the receipt itself.
  // A string message is sent as its UTF-8 bytes.
  const text = `hello through the Gateway ${Date.now()}`;
  const { txHash } = await client.sendMessage(wallet, text);
  sent.push({
    kind: 'eip712',
    txHash,
    from: wallet.address.toLowerCase(),
    message: ethers.hexlify(ethers.toUtf8Bytes(text)),
  });

  // ethers' own wallet, EIP-1559 and legacy, calling the L1Messenger.
  const plain = new ethers.Wallet(a.key, new ethers.JsonRpcProvider(a['chain-url']));
  const messenger = new ethers.Contract(
    zksync.utils.L1_MESSENGER_ADDRESS,
    zksync.utils.L1_MESSENGER,
    plain,
  );
  for (const [kind, overrides] of [
    ['eip1559', { type: 2 }],
    ['legacy', { type: 0 }],
  ]) {
    const message = ethers.hexlify(ethers.toUtf8Bytes(`${kind} message ${Date.now()}`));
    // The nonce asked of the node directly: ethers answers a request identical to one made in the
    // last 250 ms from its cache, which would repeat the previous send's nonce here.
    const nonce = Number(
      await plain.provider.send('eth_getTransactionCount', [plain.address, 'pending']),
    );
    const tx = await messenger.sendToL1(message, { ...overrides, nonce });
    const receipt = await tx.wait();
    if (receipt.hash !== tx.hash) throw new Error(`receipt of ${tx.hash} names ${receipt.hash}`);
    sent.push({ kind, txHash: tx.hash, from: plain.address.toLowerCase(), message });
  }
  process.stdout.write(JSON.stringify({ sent }) + '\n');
  provider.destroy();
  gw.destroy();
  plain.provider.destroy();
}

const parsed = parseArgs(
  'send_message',
  ['chain-url', 'gateway-url', 'key'],
  { 'timeout-ms': '60000' },
);
run('send_message', main, parsed, Number(parsed['timeout-ms']));
