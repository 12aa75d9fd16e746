// A dApp's interop flow with the official ZKsync SDK (zksync-ethers), unmodified, on the devnet:
// send a message on a source chain with InteropClient.sendMessage, wait until it can be verified,
// verify it with InteropClient.verifyMessage on the destination chain (anvil, where the devnet
// imports every Gateway interop root and L2MessageVerification checks the proof), then show that
// the contract refuses the proof with one word changed and a message that was not sent, and that
// the SDK's wait gives up on a Gateway block whose root is not imported.
//
//   ./scripts/devnet                          # API on 8545, destination chain on 8546
//   node examples/sdk_interop.js [--url http://127.0.0.1:8545] [--chain 270]
//        [--destination http://127.0.0.1:8546] [--key 0x…] [--message text] [--json]
//
// The devnet's chains charge no fees, so any key will do (a random one by default). Exits 1 with
// the reason when a step fails.
'use strict';

const { parseArgs } = require('node:util');
const { ethers } = require('ethers');
const zksync = require('zksync-ethers');

const GATEWAY_CHAIN_ID = 506n;

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8545' },
    chain: { type: 'string', default: '270' },
    destination: { type: 'string', default: 'http://127.0.0.1:8546' },
    key: { type: 'string' },
    message: { type: 'string', default: `hello from the SDK, ${new Date().toISOString()}` },
    json: { type: 'boolean', default: false },
    'timeout-s': { type: 'string', default: '120' },
  },
});

const say = (line) => {
  if (!args.json) process.stdout.write(`${line}\n`);
};

// Retries `f` (which throws while it is too early) until it answers or the deadline passes.
async function until(what, deadline, f) {
  let last;
  while (Date.now() < deadline) {
    try {
      return await f();
    } catch (e) {
      if (last !== e.message) say(`  waiting for ${what}: ${e.message}`);
      last = e.message;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`${what}: not done in time (last: ${last})`);
}

async function main() {
  const deadline = Date.now() + Number(args['timeout-s']) * 1000;
  setTimeout(() => {
    process.stderr.write(`sdk_interop: not done within ${args['timeout-s']} s\n`);
    process.exit(1);
  }, Number(args['timeout-s']) * 1000 + 5000).unref();
  const src = new zksync.Provider(`${args.url}/chains/${args.chain}`);
  const gw = new zksync.Provider(`${args.url}/chains/${GATEWAY_CHAIN_ID}`);
  const target = new ethers.JsonRpcProvider(args.destination);
  const wallet = args.key
    ? new zksync.Wallet(args.key, src)
    : new zksync.Wallet(ethers.Wallet.createRandom().privateKey, src);
  const client = new zksync.InteropClient({ gateway: { gwProvider: gw, gwChainId: GATEWAY_CHAIN_ID } });

  // 1. Send.
  const { txHash } = await client.sendMessage(wallet, args.message);
  say(`sent "${args.message}" on chain ${args.chain} from ${wallet.address}: ${txHash}`);

  // 2. Wait until verifiable, then verify on the destination chain.
  const result = await until('the message to be verifiable', deadline, () =>
    client.verifyMessage({ txHash, srcProvider: src, targetChain: target, includeProofInputs: true }),
  );
  say(
    `verifyMessage: verified=${result.verified} by ${zksync.utils.L2_MESSAGE_VERIFICATION_ADDRESS} ` +
      `against Gateway block ${result.proof.gwBlockNumber}'s interop root ${result.interopRoot}`,
  );
  if (!result.verified) throw new Error('the destination chain did not verify the message');

  // 3. What the contract must refuse.
  const a = await client.getVerificationArgs({ txHash, srcProvider: src, targetChain: target });
  const verifier = new ethers.Contract(
    zksync.utils.L2_MESSAGE_VERIFICATION_ADDRESS,
    zksync.utils.L2_MESSAGE_VERIFICATION_ABI,
    target,
  );
  const ask = (message, proof) =>
    verifier
      .proveL2MessageInclusionShared(a.srcChainId, a.l1BatchNumber, a.l2MessageIndex, message, proof)
      .then((ok) => (ok ? 'accepted' : 'refused'), (e) => `reverted: ${e.shortMessage || e.message}`);
  const good = await ask(a.msgData, a.gatewayProof);
  const proof = [...a.gatewayProof];
  const word = ethers.getBytes(proof[3]);
  word[31] ^= 1;
  proof[3] = ethers.hexlify(word);
  const tamperedProof = await ask(a.msgData, proof);
  const wrongMessage = await ask(
    { ...a.msgData, data: ethers.hexlify(ethers.toUtf8Bytes(`${args.message}!`)) },
    a.gatewayProof,
  );
  say(`the proof as served: ${good}; with one word changed: ${tamperedProof}; another message: ${wrongMessage}`);

  // 4. A Gateway block far ahead: its root is not imported, so the SDK's wait gives up.
  let notImported;
  try {
    await zksync.waitForGatewayInteropRoot(
      GATEWAY_CHAIN_ID,
      target,
      BigInt(result.proof.gwBlockNumber) + 1000000n,
      { timeoutMs: 1500, pollMs: 300 },
    );
    notImported = 'imported';
  } catch (e) {
    notImported = `timed out: ${e.message}`;
  }
  say(`a root not imported yet: ${notImported}`);

  const ok = good === 'accepted' && tamperedProof === 'refused' && wrongMessage === 'refused';
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({
        txHash,
        from: wallet.address,
        verified: result.verified,
        interopRoot: result.interopRoot,
        gwBlockNumber: Number(result.proof.gwBlockNumber),
        l1BatchNumber: Number(result.proof.l1BatchNumber),
        l2MessageIndex: Number(a.l2MessageIndex),
        good,
        tamperedProof,
        wrongMessage,
        notImported,
        message: ethers.hexlify(ethers.toUtf8Bytes(args.message)),
      })}\n`,
    );
  }
  src.destroy();
  gw.destroy();
  target.destroy();
  if (!ok) throw new Error('the contract did not answer as it must (see above)');
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`sdk_interop: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  },
);
