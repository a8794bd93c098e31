/**
 * The real Triton the Triton tests run against: $TRITON_HOME when set, else
 * ../shared/triton/linux-x64-cpu beside the repository (a CPU build of Triton
 * r25.11 with the identity and FIL backends; see ../shared/triton/README.md),
 * so that every test run, CI included, exercises the real server. `missing`
 * names what is absent where nothing usable is found (the skip reason).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/native/addon.js';
import { libraryPath } from '../src/triton/index.js';

const ROOT = path.resolve(__dirname, '..');
export const SHARED_TRITON = path.resolve(ROOT, '../shared/triton/linux-x64-cpu');

export interface TestTriton {
  /** The install directory, or undefined when there is none to use. */
  home?: string;
  /** How it was chosen: 'TRITON_HOME' or '../shared'. */
  source?: string;
  library: string;
  identity: string;
  fil: string;
  hasLibrary: boolean;
  hasIdentity: boolean;
  hasFil: boolean;
  /** What is missing, for a skip message (empty when all three are there). */
  missing: string[];
}

export function testTriton(): TestTriton {
  const fromEnv = process.env.TRITON_HOME ? path.resolve(process.env.TRITON_HOME) : undefined;
  const home = fromEnv ?? SHARED_TRITON;
  const library = libraryPath(home);
  const identity = path.join(home, 'backends', 'identity', 'libtriton_identity.so');
  const fil = path.join(home, 'backends', 'fil', 'libtriton_fil.so');
  const has = (f: string) => fs.existsSync(f);
  const missing = [
    !has(library) && `${library} (server library)`,
    !has(identity) && `${identity} (identity backend)`,
    !has(fil) && `${fil} (FIL backend)`,
  ].filter((x): x is string => Boolean(x));
  const where = fromEnv ? `TRITON_HOME=${fromEnv}` : `${SHARED_TRITON} (TRITON_HOME unset)`;
  return {
    home: has(library) ? home : undefined,
    source: fromEnv ? 'TRITON_HOME' : '../shared',
    library,
    identity,
    fil,
    hasLibrary: has(library),
    hasIdentity: has(identity),
    hasFil: has(fil),
    missing: missing.map((m) => `${m} missing in ${where}`),
  };
}

/**
 * Runs a child Node process that starts a server on `repo`, loads `model`, answers 16 requests and then
 * leaves the way `how` says.
 */
export function runExitScript(repo: string, home: string, model: string, how: string, cols: number, names: { input: string; output: string }, config?: string) {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abp-triton-exit-')), 'exit.mjs');
  fs.writeFileSync(
    script,
    `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(path.join(packageRoot, 'package.json'))});
const t = require('node-gyp-build')(${JSON.stringify(packageRoot)}).triton;
t.load([${JSON.stringify(libraryPath(home))}]);
await t.startServer({ modelRepository: ${JSON.stringify(repo)}, backendDirectory: ${JSON.stringify(path.join(home, 'backends'))}, logInfo: true });
await t.loadModel(${JSON.stringify(model)}, undefined, ${JSON.stringify(config)});
const x = new Float32Array(${cols * 3}).fill(0.5);
const opts = { inputName: ${JSON.stringify(names.input)}, outputName: ${JSON.stringify(names.output)} };
const rs = await Promise.all(Array.from({ length: 16 }, () => t.infer(${JSON.stringify(model)}, x, 3, ${cols}, opts)));
console.log('answered ' + rs.length);
const how = ${JSON.stringify(how)};
if (how === 'exit0') process.exit(0);
if (how === 'exit1') process.exit(1);
if (how === 'exit0-in-flight') {
  for (let i = 0; i < 64; i++) t.infer(${JSON.stringify(model)}, x, 3, ${cols}, opts).catch(() => {});
  process.exit(0);
}
if (how === 'throw') setImmediate(() => { throw new Error('uncaught on purpose'); });
if (how === 'reject') Promise.reject(new Error('unhandled rejection on purpose'));
const hold = () => setTimeout(() => {}, 30000);
if (how === 'sigint-handler') { process.on('SIGINT', () => process.exit(130)); hold(); process.kill(process.pid, 'SIGINT'); }
if (how === 'sigterm-handler') { process.on('SIGTERM', () => process.exit(143)); hold(); process.kill(process.pid, 'SIGTERM'); }
if (how === 'sigint') { hold(); process.kill(process.pid, 'SIGINT'); }
if (how === 'sigterm') { hold(); process.kill(process.pid, 'SIGTERM'); }
`,
  );
  try {
    return spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000 });
  } finally {
    fs.rmSync(path.dirname(script), { recursive: true, force: true });
  }
}


/**
 * Runs a child Node process that starts a server on `repo` with Triton's error log on, tries to load
 * `model` once (expecting a refusal), prints `refused: MESSAGE` and exits 0. In a child because a load
 * that Triton retries without end would otherwise hold the test worker: the child is killed at 60 s.
 */
export function runRefusedLoad(repo: string, home: string, model: string, config?: string) {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'abp-triton-refused-')), 'refused.mjs');
  fs.writeFileSync(
    script,
    `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(path.join(packageRoot, 'package.json'))});
const t = require('node-gyp-build')(${JSON.stringify(packageRoot)}).triton;
t.load([${JSON.stringify(libraryPath(home))}]);
await t.startServer({ modelRepository: ${JSON.stringify(repo)}, backendDirectory: ${JSON.stringify(path.join(home, 'backends'))}, logError: true });
try {
  await t.loadModel(${JSON.stringify(model)}, undefined, ${JSON.stringify(config)});
  console.log('loaded');
} catch (e) {
  console.log('refused: ' + e.message);
}
`,
  );
  try {
    return spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
  } finally {
    fs.rmSync(path.dirname(script), { recursive: true, force: true });
  }
}
