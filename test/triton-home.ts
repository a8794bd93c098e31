/**
 * The real Triton the Triton tests run against: $TRITON_HOME when set, else
 * ../shared/triton/linux-x64-cpu beside the repository (a CPU build of Triton
 * r25.11 with the identity and FIL backends; see ../shared/triton/README.md),
 * so that every test run, CI included, exercises the real server. `missing`
 * names what is absent where nothing usable is found (the skip reason).
 */
import fs from 'node:fs';
import path from 'node:path';
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
