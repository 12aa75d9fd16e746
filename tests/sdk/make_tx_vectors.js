// Writes tests/data/signed_txs.json: raw signed transactions of each kind a wallet sends to a
// chain endpoint (legacy EIP-155, EIP-1559, ZKsync's EIP-712 type 0x71), each with the sender and
// hash ethers and zksync-ethers compute for it. The C++ decoder's test checks its own results
// against these. Deterministic: fixed keys and fields.
//
//   node tests/sdk/make_tx_vectors.js > tests/data/signed_txs.json
'use strict';

const { ethers } = require('ethers');
const zksync = require('zksync-ethers');

async function main() {
  const vectors = [];
  const keys = [
    '0x7726827caac94a7f9e1b160f7ea819f172f7b6f9d2a97f992c38edeab82d4110',
    '0xac1e735be8536c6534bb4f17f06f6afc73b2b5ba84ac2cfb12f7461b20c0bbe3',
  ];
  const messenger = new ethers.Interface(['function sendToL1(bytes) returns (bytes32)']);
  let n = 0;
  for (const key of keys) {
    const wallet = new ethers.Wallet(key);
    for (const chainId of [270n, 271n]) {
      for (const message of ['0x', '0x6869', '0x' + 'ab'.repeat(100)]) {
        n += 1;
        const data = messenger.encodeFunctionData('sendToL1', [message]);
        const base = {
          chainId,
          nonce: n,
          to: zksync.utils.L1_MESSENGER_ADDRESS,
          data,
          gasLimit: 2_000_000n + BigInt(n),
          value: n % 3 === 0 ? 10n ** 19n * BigInt(n) : 0n,
        };
        const legacy = await wallet.signTransaction({ ...base, type: 0, gasPrice: 250_000_000n });
        const eip1559 = await wallet.signTransaction({
          ...base,
          type: 2,
          maxFeePerGas: 260_000_000n,
          maxPriorityFeePerGas: BigInt(n),
        });
        const zkTx = {
          ...base,
          type: zksync.utils.EIP712_TX_TYPE,
          from: wallet.address,
          maxFeePerGas: 270_000_000n,
          maxPriorityFeePerGas: 0n,
          customData: { gasPerPubdata: zksync.utils.DEFAULT_GAS_PER_PUBDATA_LIMIT },
        };
        const signature = ethers.Signature.from(
          await new zksync.EIP712Signer(wallet, Number(chainId)).sign(zkTx),
        );
        const eip712 = zksync.utils.serializeEip712(zkTx, signature);
        for (const [kind, raw] of [
          ['legacy', legacy],
          ['eip1559', eip1559],
          ['eip712', eip712],
        ]) {
          const parsed =
            kind === 'eip712' ? zksync.utils.parseEip712(raw) : ethers.Transaction.from(raw);
          vectors.push({
            kind,
            raw,
            hash: parsed.hash,
            from: (kind === 'eip712' ? parsed.from : parsed.from).toLowerCase(),
            chainId: Number(chainId),
            nonce: n,
            to: base.to.toLowerCase(),
            value: '0x' + base.value.toString(16),
            data,
            message,
          });
        }
      }
    }
  }
  process.stdout.write(
    JSON.stringify(
      {
        source: 'ethers ' + ethers.version + ', zksync-ethers (tests/sdk/make_tx_vectors.js)',
        vectors,
      },
      null,
      1,
    ) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`make_tx_vectors: ${e.stack || e}\n`);
  process.exit(1);
});
