/**
 * The output-file rules (util/atomic-file.ts, stages/quarantine.ts) hold for
 * the block-parallel pipeline too: per-block gzip members written by worker
 * threads go through the same temporary file (stale ones removed, mode kept,
 * removed on SIGINT), and the main thread's quarantine writer for bad lines
 * found on workers appears only when the run succeeds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../src/index.js';
import { interruptMidWrite, deadPid, tempFiles } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'abp-pof-'));
const quiet = { info: () => undefined, warn: () => undefined };

/** Starts of gzip members in a file: a gzip header (1f 8b 08) from which the rest inflates. */
function members(buf: Buffer): number {
  let n = 0;
  for (let at = buf.indexOf(MAGIC); at !== -1; at = buf.indexOf(MAGIC, at + 1)) {
    try {
      zlib.gunzipSync(buf.subarray(at));
      n++;
    } catch {
      // deflate bytes that happen to look like a header
    }
  }
  return n;
}
const MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

describe('block-parallel output files', () => {
  it('per-block gzip output on 2 worker threads replaces a file keeping its mode, removes a dead run temporary, leaves none of its own', async () => {
    const dir = tmp();
    try {
      const out = path.join(dir, 'out.jsonlines.gz');
      fs.writeFileSync(out, 'old');
      fs.chmodSync(out, 0o640);
      const stale = `.out.jsonlines.gz.abp-tmp-${deadPid()}-deadbeef`;
      fs.writeFileSync(path.join(dir, stale), 'partial');
      const r = await new Pipeline({ numThreads: 2, logger: quiet }).fromFile(DATA).deserialize().serialize().toFile(out, { overwrite: true }).run();
      expect(r.threads).toBe(2);
      expect(fs.statSync(out).mode & 0o7777).toBe(0o640);
      expect(tempFiles(dir)).toEqual([]);
      const bytes = fs.readFileSync(out);
      // Several blocks, one gzip member each, together the whole input's rows.
      expect(members(bytes)).toBeGreaterThan(1);
      const text = zlib.gunzipSync(bytes).toString();
      expect(text.split('\n').filter(Boolean).length).toBe(r.rowsOut);
      const one = path.join(dir, 'one.jsonlines');
      await new Pipeline({ numThreads: 1, logger: quiet }).fromFile(DATA).deserialize().serialize().toFile(one).run();
      expect(text).toBe(fs.readFileSync(one, 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quarantine of bad lines found on worker threads: whole on success; on a mid-run failure the previous file stays and no temporary is left', async () => {
    const dir = tmp();
    try {
      const real = zlib.gunzipSync(fs.readFileSync(DATA));
      const input = path.join(dir, 'in.jsonlines');
      fs.writeFileSync(input, Buffer.concat([real, Buffer.from('{"broken": \n'), real, Buffer.from('{"also broken\n')]));
      const q = path.join(dir, 'q.txt');
      const run = (out: string) =>
        new Pipeline({ numThreads: 2, onError: `quarantine:${q}`, logger: quiet }).fromFile(input).deserialize().serialize().toFile(out, { overwrite: true }).run();
      const r = await run(path.join(dir, 'out.jsonlines'));
      expect(r.threads).toBe(2);
      expect(r.malformed.quarantined).toBe(2);
      expect(fs.readFileSync(q, 'utf8')).toBe('{"broken": \n{"also broken\n');
      expect(tempFiles(dir)).toEqual([]);

      // Arrow output fixes its schema from the first rows and refuses a column first seen later: the run fails
      // after bad lines were quarantined; the quarantine file from the run before is left as it was.
      fs.writeFileSync(input, Buffer.concat([real, Buffer.from('{"broken": \n'), real, Buffer.from('{"a":1}\n'.repeat(17_000) + '{"late":1}\n')]));
      fs.writeFileSync(q, 'previous\n');
      await expect(run(path.join(dir, 'out.arrow'))).rejects.toMatchObject({ code: 'ABP_OUTPUT_SCHEMA' });
      expect(fs.readFileSync(q, 'utf8')).toBe('previous\n');
      expect(fs.existsSync(path.join(dir, 'out.arrow'))).toBe(false);
      expect(tempFiles(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGINT while worker threads write gzip members removes the temporary file and exits 130', async () => {
    const dir = tmp();
    const out = path.join(dir, 'out.jsonlines.gz');
    try {
      const r = await interruptMidWrite(dir, ['run', '--num_threads=2', 'pipeline-fil', 'from-file', `--filename=${DATA}`, '--repeat=400', 'deserialize', 'serialize', 'to-file', `--filename=${out}`], 'SIGINT');
      expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 130, signal: null });
      expect(tempFiles(dir)).toEqual([]);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
