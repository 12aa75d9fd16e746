// The ZKsync SDK's documented interop flow on the devnet, unmodified: InteropClient.sendMessage on
// a source chain, then InteropClient.verifyMessage against the destination chain (anvil running
// contracts/), where L2MessageVerification checks the proof against the imported interop root.
// Then the refusals: the proof with one word changed and a wrong message are refused by the
// contract; a Gateway block whose root is not imported makes the SDK's wait time out. Prints one
// JSON object.
//
//   node verify_message.js --chain-url http://127.0.0.1:PORT/chains/270 \
//        --gateway-url http://127.0.0.1:PORT/chains/506 --target-url http://127.0.0.1:ANVIL \
//        --key 0x… [--timeout-ms 120000]
'use strict';

const { ethers } = require('ethers');
const zksync = require('zksync-ethers');
const { parseArgs, run } = require('./cli');

async function until(what, f) {
  for (let i = 0; i < 600; i += 1) {
    try {
      return await f();
    } catch (e) {
      if (i % 50 === 49) process.stderr.write(`verify_message: still waiting for ${what}: ${e.message}\n`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${what}: gave up`);
}

async function main(a) {
  const src = new zksync.Provider(a['chain-url']);
  const gw = new zksync.Provider(a['gateway-url']);
  const target = new ethers.JsonRpcProvider(a['target-url']);
  const wallet = new zksync.Wallet(a.key, src);
  const client = new zksync.InteropClient({ gateway: { gwProvider: gw, gwChainId: 506n } });

  const text = `verify me ${Date.now()}`;
  const { txHash } = await client.sendMessage(wallet, text);
  // verifyMessage throws while the message is not executed yet: wait as a dApp would.
  const result = await until('verifyMessage', () =>
    client.verifyMessage({ txHash, srcProvider: src, targetChain: target, includeProofInputs: true }),
  );

  // The same arguments, then damaged, straight to the contract.
  const args2 = await client.getVerificationArgs({ txHash, srcProvider: src, targetChain: target });
  const verifier = new ethers.Contract(
    zksync.utils.L2_MESSAGE_VERIFICATION_ADDRESS,
    zksync.utils.L2_MESSAGE_VERIFICATION_ABI,
    target,
  );
  const call = (msg, proof) =>
    verifier
      .proveL2MessageInclusionShared(
        args2.srcChainId,
        args2.l1BatchNumber,
        args2.l2MessageIndex,
        msg,
        proof,
      )
      .then((ok) => (ok ? 'accepted' : 'refused'), (e) => `reverted: ${e.shortMessage || e.message}`);
  const good = await call(args2.msgData, args2.gatewayProof);
  const proof = [...args2.gatewayProof];
  const w = ethers.getBytes(proof[3]);
  w[31] ^= 1;
  proof[3] = ethers.hexlify(w);
  const tamperedProof = await call(args2.msgData, proof);
  const wrongMessage = await call(
    { ...args2.msgData, data: ethers.hexlify(ethers.toUtf8Bytes(text + '!')) },
    args2.gatewayProof,
  );
  // A Gateway block far ahead: its root is not imported, so the SDK's wait gives up.
  let notImported;
  try {
    await zksync.waitForGatewayInteropRoot(506n, target, BigInt(result.proof.gwBlockNumber) + 1000000n, {
      timeoutMs: 1500,
      pollMs: 300,
    });
    notImported = 'imported?';
  } catch (e) {
    notImported = `timed out: ${e.message}`;
  }

  process.stdout.write(
    JSON.stringify({
      txHash,
      verified: result.verified,
      source: result.source,
      interopRoot: result.interopRoot,
      gwBlockNumber: Number(result.proof.gwBlockNumber),
      l1BatchNumber: Number(result.proof.l1BatchNumber),
      l2MessageIndex: Number(args2.l2MessageIndex),
      good,
      tamperedProof,
      wrongMessage,
      notImported,
      message: ethers.hexlify(ethers.toUtf8Bytes(text)),
    }) + '\n',
  );
  src.destroy();
  gw.destroy();
  target.destroy();
}

const parsed = parseArgs(
  'verify_message',
  ['chain-url', 'gateway-url', 'target-url', 'key'],
  { 'timeout-ms': '120000' },
);
run('verify_message', main, parsed, Number(parsed['timeout-ms']));
