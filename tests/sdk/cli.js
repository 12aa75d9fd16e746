// What the SDK scripts share: --name value arguments, and running main() under a deadline with
// the failure said on stderr (exit 1; 2 for bad arguments).
'use strict';

function parseArgs(name, required, defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  try {
    for (let i = 0; i < argv.length; i += 2) {
      if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
        throw new Error(`expected --name value pairs, got ${argv[i]}`);
      }
      out[argv[i].slice(2)] = argv[i + 1];
    }
    for (const r of required) {
      if (!out[r]) throw new Error(`--${r} is required`);
    }
  } catch (e) {
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(2);
  }
  return out;
}

function run(name, main, args, timeoutMs) {
  const timer = setTimeout(() => {
    process.stderr.write(`${name}: not done within ${timeoutMs} ms\n`);
    process.exit(1);
  }, timeoutMs);
  main(args).then(
    () => {
      clearTimeout(timer);
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`${name}: ${e && e.stack ? e.stack : e}\n`);
      process.exit(1);
    },
  );
}

module.exports = { parseArgs, run };
