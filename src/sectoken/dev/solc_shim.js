#!/usr/bin/env node
// A `solc`-shaped command line over the npm `solc` package (the official
// Emscripten build of the Solidity compiler).
//
// sectoken.toolchain registers a small launcher for this program as
// `solc-v<version>` in py-solc-x's folder when no native solc can be installed.
// It answers the two calls that py-solc-x, ape-solidity and slither make:
//
//   solc --version
//   solc --standard-json [--base-path DIR] [--include-path DIR]... [--allow-paths A,B] [...]
//
// The standard JSON input is read from stdin; imports that are not inline are
// read from disk relative to the base path, the include paths, the allowed
// paths, the working directory and the project's node_modules. Options that only
// matter to a native solc (optimizer flags, --evm-version, ...) are accepted and
// ignored: in standard JSON mode the settings come from the JSON itself.
//
// Environment:
//   SECTOKEN_SOLC_MODULE  path of the npm `solc` package to load (default: resolved
//                         from this file's location and the working directory).
'use strict';

const fs = require('fs');
const path = require('path');

function loadSolc() {
  const explicit = process.env.SECTOKEN_SOLC_MODULE;
  const candidates = [];
  if (explicit) candidates.push(explicit);
  candidates.push('solc');
  for (const candidate of candidates) {
    try {
      return require(
        require.resolve(candidate, { paths: [process.cwd(), __dirname] }),
      );
    } catch (err) {
      if (candidate === explicit) {
        fail(`cannot load the npm solc package from ${explicit}: ${err.message}\n` +
             'Fix: run `npm ci` in the project, then `make install`.');
      }
    }
  }
  fail('the npm package `solc` is not installed. Fix: run `npm ci` in the project.');
  return null;
}

function fail(message, code = 1) {
  process.stderr.write(`solc (sectoken solc-js shim): ${message}\n`);
  process.exit(code);
}

// Options that take a value. Everything else starting with `--` is a flag.
const VALUE_OPTIONS = new Set([
  '--base-path', '--include-path', '--allow-paths', '--evm-version',
  '--optimize-runs', '--output-dir', '-o', '--libraries', '--revert-strings',
  '--debug-info', '--stop-after', '--model-checker-engine', '--model-checker-targets',
]);

function parseArgs(argv) {
  const opts = { flags: new Set(), basePath: null, includePaths: [], allowPaths: [], positional: [] };
  for (let i = 0; i < argv.length; i += 1) {
    let arg = argv[i];
    let value = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (VALUE_OPTIONS.has(arg)) {
      value = i + 1 < argv.length ? argv[i + 1] : '';
      i += 1;
    }
    if (arg === '--base-path') opts.basePath = value;
    else if (arg === '--include-path') opts.includePaths.push(value);
    else if (arg === '--allow-paths') opts.allowPaths.push(...value.split(',').filter(Boolean));
    else if (arg.startsWith('-') && arg !== '-') opts.flags.add(arg);
    else opts.positional.push(arg);
  }
  return opts;
}

function readStdin() {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (err) {
    fail(`cannot read the standard JSON input from stdin: ${err.message}`);
    return '';
  }
}

function nodeModulesDirs(start) {
  const dirs = [];
  let dir = path.resolve(start);
  for (;;) {
    dirs.push(path.join(dir, 'node_modules'));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dirs;
}

function makeImportCallback(opts) {
  const roots = [];
  const add = (p) => {
    if (p && !roots.includes(path.resolve(p))) roots.push(path.resolve(p));
  };
  add(opts.basePath);
  opts.includePaths.forEach(add);
  opts.allowPaths.forEach(add);
  add(process.cwd());
  nodeModulesDirs(opts.basePath || process.cwd()).forEach(add);

  return function findImport(importPath) {
    const tried = [];
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      tried.push(candidate);
      try {
        if (fs.statSync(candidate).isFile()) {
          return { contents: fs.readFileSync(candidate, 'utf8') };
        }
      } catch (_err) {
        // not here; try the next root
      }
    }
    return { error: `File not found: ${importPath} (looked in ${roots.join(', ')})` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));

  if (opts.flags.has('--version') || opts.flags.has('-v')) {
    const solc = loadSolc();
    process.stdout.write(
      'solc, the solidity compiler commandline interface\n' +
      `Version: ${solc.version()}\n`,
    );
    return;
  }

  if (opts.flags.has('--help') || opts.flags.has('-h')) {
    process.stdout.write(
      'sectoken solc-js shim: supports `--version` and ' +
      '`--standard-json [--base-path DIR] [--include-path DIR] [--allow-paths A,B]` ' +
      '(standard JSON on stdin).\n',
    );
    return;
  }

  if (!opts.flags.has('--standard-json')) {
    fail('only `--version` and `--standard-json` are supported by the solc-js shim ' +
         `(got: ${process.argv.slice(2).join(' ') || 'no arguments'}). ` +
         'Install a native solc for other modes.', 2);
  }

  const solc = loadSolc();
  const input = readStdin();
  try {
    JSON.parse(input);
  } catch (err) {
    fail(`the standard JSON input is not valid JSON: ${err.message}`);
  }

  // solc-js may print diagnostics through console.log; keep stdout pure JSON.
  const originalLog = console.log;
  console.log = (...args) => process.stderr.write(`${args.join(' ')}\n`);
  let output;
  try {
    output = solc.compile(input, { import: makeImportCallback(opts) });
  } finally {
    console.log = originalLog;
  }
  process.stdout.write(output);
  process.stdout.write('\n');
}

main();
