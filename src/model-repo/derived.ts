/**
 * Derived features: model inputs computed from the preprocessed columns, read
 * from an optional `derived_fil.txt` beside a model's `columns_fil.txt`. The
 * GPM model needs them: a pipe's activity as a share of SM activity says what
 * kind of work runs whether the GPU is busy all the time or a third of it (a
 * throttled or low-occupancy miner keeps its mix of pipes, not its level).
 *
 * One feature a line, `NAME = OP(ARG, ...)`; an ARG names a column of
 * columns_fil.txt or an earlier derived feature. The model's input is the
 * columns, then the derived features, in file order. Ops:
 *   ratio(a, b)      a / b, missing (NaN) when b <= floor or either is missing
 *                    (floor is 1: below 1 % SM activity there is no mix to speak of)
 *   sum(a, b, ...)   missing if any is missing
 *   max(a, b, ...)   missing if all are missing
 * Training (scripts/make-features.ts) applies the same code, so the two
 * cannot drift.
 */
import fs from 'node:fs';
import { ModelConfigError } from '../errors.js';

type Op = 'ratio' | 'sum' | 'max';
const OPS: Record<Op, { min: number; max: number }> = { ratio: { min: 2, max: 2 }, sum: { min: 1, max: 64 }, max: { min: 1, max: 64 } };
const RATIO_FLOOR = 1;

export interface DerivedFeature {
  name: string;
  op: Op;
  /** Indices into the widened row (columns first, then derived features). */
  args: number[];
}

export interface DerivedFeatures {
  file: string;
  features: DerivedFeature[];
  /** n rows of `width` columns → n rows of width + features.length. */
  apply(input: Float32Array, n: number, width: number): Float32Array;
}

function fail(file: string, line: number, msg: string): never {
  throw new ModelConfigError('ABP_MODEL_CONFIG', `${file}:${line}: ${msg}`);
}

export function parseDerived(text: string, columns: readonly string[], file: string): DerivedFeatures {
  const names = new Map<string, number>();
  columns.forEach((c, i) => names.set(c, i));
  const features: DerivedFeature[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([^=\s]+)\s*=\s*([a-z]+)\s*\((.*)\)$/.exec(line);
    if (!m) fail(file, i + 1, `expected NAME = OP(ARG, ...), got "${line.slice(0, 120)}"`);
    const [, name, opName, argText] = m;
    if (!(opName in OPS)) fail(file, i + 1, `unknown op "${opName}" (known: ${Object.keys(OPS).join(', ')})`);
    const op = opName as Op;
    if (names.has(name)) fail(file, i + 1, `"${name}" is already a column or derived feature`);
    const args = argText.split(',').map((a) => a.trim());
    if (args.length < OPS[op].min || args.length > OPS[op].max) fail(file, i + 1, `${op} takes ${OPS[op].min === OPS[op].max ? OPS[op].min : `${OPS[op].min} to ${OPS[op].max}`} arguments, got ${args.length}`);
    const idx = args.map((a) => {
      const k = names.get(a);
      if (k === undefined) fail(file, i + 1, `"${a}" is not a column of columns_fil.txt or an earlier derived feature`);
      return k;
    });
    names.set(name, columns.length + features.length);
    features.push({ name, op, args: idx });
  });
  return {
    file,
    features,
    apply(input, n, width) {
      const d = features.length;
      const w = width + d;
      const out = new Float32Array(n * w);
      for (let r = 0; r < n; r++) {
        const o = r * w;
        out.set(input.subarray(r * width, r * width + width), o);
        for (let f = 0; f < d; f++) {
          const { op, args } = features[f];
          let v: number;
          if (op === 'ratio') {
            const a = out[o + args[0]];
            const b = out[o + args[1]];
            v = b >= RATIO_FLOOR && !Number.isNaN(a) ? a / b : NaN;
          } else if (op === 'sum') {
            v = 0;
            for (const k of args) v += out[o + k];
          } else {
            v = NaN;
            for (const k of args) {
              const x = out[o + k];
              if (!Number.isNaN(x) && !(x <= v)) v = x;
            }
          }
          out[o + width + f] = v;
        }
      }
      return out;
    },
  };
}

/** Reads `derived_fil.txt` when it exists. */
export function readDerived(file: string, columns: readonly string[]): DerivedFeatures | undefined {
  if (!fs.existsSync(file)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelConfigError('ABP_MODEL_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
  }
  return parseDerived(text, columns, file);
}
