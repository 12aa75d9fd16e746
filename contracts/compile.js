// Compiles contracts/*.sol from source with the pinned solc-js (package-lock.json), resolving
// imports of @matterlabs/zksync-contracts from node_modules, and writes one JSON file per contract
// (abi, bytecode, deployedBytecode) into the output folder.
//
//   node contracts/compile.js OUTPUT_DIR
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const here = __dirname;
const root = path.dirname(here);
const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node contracts/compile.js OUTPUT_DIR\n');
  process.exit(2);
}

const sources = {};
for (const file of fs.readdirSync(here).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(here, file), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
function findImports(name) {
  const file = path.join(root, 'node_modules', name);
  if (!file.startsWith(path.join(root, 'node_modules') + path.sep) || !fs.existsSync(file)) {
    return { error: `${name} not found under node_modules (run npm ci)` };
  }
  return { contents: fs.readFileSync(file, 'utf8') };
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) process.stderr.write(e.formattedMessage + '\n');
if (errors.length > 0) {
  process.stderr.write(`contracts/compile.js: ${errors.length} error(s); nothing written\n`);
  process.exit(1);
}
fs.mkdirSync(out, { recursive: true });
let written = 0;
for (const file of Object.keys(sources)) {
  for (const [name, c] of Object.entries(output.contracts[file] || {})) {
    const artifact = {
      contractName: name,
      compiler: `solc ${solc.version()}`,
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    };
    fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(artifact, null, 1) + '\n');
    written += 1;
  }
}
process.stdout.write(`compiled ${written} contracts with solc ${solc.version()} into ${out}\n`);
