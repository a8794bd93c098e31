// Loader for the golden XGBoost fixtures in test/fixtures/ (see README.md there).
// Files over 512 KiB are stored gzipped; every reader here gunzips transparently.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export type FixtureFormat = 'binary' | 'json' | 'ubjson';

export interface FixtureModel {
  name: string;
  objective: string;
  numFeature: number;
  /** Margin columns per row: num_class for multi:*, else 1. */
  numGroup: number;
  rows: number;
  /** Columns of `expected`: 1 for multi:softmax (class index), else numGroup. */
  expectedCols: number;
  /** File names relative to FIXTURES_DIR (ending in .gz when gzipped). */
  files: Record<FixtureFormat, string>;
  input: string;
  expected: string;
  margin: string;
  /** base_score as XGBoost stores it (probability space for logistic objectives), as float32. */
  baseScore: number;
  /** base_score string exactly as written in the JSON model, e.g. "3E-1". */
  baseScoreJson: string;
  /** The starting margin XGBoost adds trees to, as float32. */
  baseMargin: number;
  numTrees: number;
  numParallelTree: number;
  maxDepth: number;
  usedFeatures: number[];
  /** Test rows whose margins change if `x < split` is replaced by `x <= split`. */
  boundaryRows: number;
  exercises: string;
}

export interface FixtureManifest {
  xgboostVersion: string;
  numpyVersion: string;
  generator: string;
  models: FixtureModel[];
}

/** Absolute path of a fixture file named in the manifest. */
export function fixturePath(file: string): string {
  return join(FIXTURES_DIR, file);
}

export function loadManifest(): FixtureManifest {
  return JSON.parse(readFileSync(fixturePath('manifest.json'), 'utf8')) as FixtureManifest;
}

export function getFixture(name: string): FixtureModel {
  const model = loadManifest().models.find((m) => m.name === name);
  if (!model) throw new Error(`no fixture model named ${name}`);
  return model;
}

/** File bytes, gunzipped when the name ends in .gz. Accepts names relative to FIXTURES_DIR or absolute paths. */
export function readBytes(path: string): Buffer {
  const full = resolve(FIXTURES_DIR, path);
  const raw = readFileSync(full);
  return full.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** Raw little-endian float32 file (NaN kept) as a Float32Array. */
export function readF32(path: string): Float32Array {
  const bytes = readBytes(path);
  if (bytes.byteLength % 4 !== 0) throw new Error(`${path}: ${bytes.byteLength} bytes is not a whole number of float32`);
  // Copy into a fresh, aligned buffer (Buffer slices from the pool may be unaligned).
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * A path the model loader can open directly: the fixture itself, or for a gzipped
 * model a gunzipped copy in the OS temp dir (written once per process).
 */
export function modelFile(model: FixtureModel, format: FixtureFormat): string {
  const file = model.files[format];
  if (!file.endsWith('.gz')) return fixturePath(file);
  const dir = join(tmpdir(), `abp-fil-fixtures-${process.pid}`);
  const out = join(dir, file.slice(0, -3));
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(out, readBytes(file));
  }
  return out;
}

/** `rows` rows of width `width` made by repeating `src`'s rows in order (for batches larger than a fixture). */
export function tileRows(src: Float32Array, width: number, rows: number): Float32Array {
  const out = new Float32Array(rows * width);
  const srcRows = src.length / width;
  for (let r = 0; r < rows; r += srcRows) out.set(src.subarray(0, Math.min(srcRows, rows - r) * width), r * width);
  return out;
}
