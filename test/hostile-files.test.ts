/**
 * Output and quarantine files under faults: interrupted runs, temporary files
 * left by killed ones, a full disk, replaced files' permissions, and
 * quarantine paths that name the input, the output, a link or an existing file.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputError, Pipeline } from '../src/index.js';
import { abp } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'abp-hf-'));
const quiet = { info: () => undefined, warn: () => undefined };
const temps = (dir: string) => fs.readdirSync(dir).filter((n) => n.includes('.abp-tmp-'));

/** A pid that no process has now: one of a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('interrupted runs', () => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-run removes the temporary file and exits ${status}`, async () => {
      const dir = tmp();
      const out = path.join(dir, 'out.jsonlines');
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'run', 'pipeline-fil', 'from-file', `--filename=${DATA}`, '--repeat=400', 'deserialize', 'serialize', 'to-file', `--filename=${out}`],
        { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
      // Wait until output is being written (the temporary file has data), then interrupt.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const t = temps(dir);
        if (t.length && fs.statSync(path.join(dir, t[0])).size > 0) break;
        if (Date.now() > deadline) throw new Error(`no temporary file appeared: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill(signal);
      const r = await exited;
      expect(r, stderr).toEqual({ code: status, signal: null });
      expect(temps(dir)).toEqual([]);
      expect(fs.existsSync(out)).toBe(false);
    });
  }

  it('a run removes the temporary files that killed runs left beside its target, and only those', async () => {
    const dir = tmp();
    const out = path.join(dir, 'out.jsonlines');
    const dead = `.out.jsonlines.abp-tmp-${deadPid()}-deadbeef`;
    const live = `.out.jsonlines.abp-tmp-${process.pid}-a1b2c3d4`;
    const other = `.other.jsonlines.abp-tmp-${deadPid()}-deadbeef`;
    for (const n of [dead, live, other]) fs.writeFileSync(path.join(dir, n), 'partial');
    fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n');
    await new Pipeline({ logger: quiet }).fromFile(path.join(dir, 'in.jsonlines')).deserialize().serialize().toFile(out).run();
    expect(temps(dir).sort()).toEqual([live, other].sort());
    expect(fs.readFileSync(out, 'utf8')).toBe('{"a":1}\n');
  });
});

describe('replacing a file', () => {
  for (const ext of ['jsonlines', 'jsonlines.gz', 'arrow']) {
    it(`keeps the permission bits of the ${ext} file it replaces`, async () => {
      const dir = tmp();
      const out = path.join(dir, `out.${ext}`);
      fs.writeFileSync(out, 'old');
      fs.chmodSync(out, 0o640);
      fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n');
      await new Pipeline({ logger: quiet }).fromFile(path.join(dir, 'in.jsonlines')).deserialize().serialize().toFile(out, { overwrite: true }).run();
      expect(fs.statSync(out).mode & 0o7777).toBe(0o640);
      expect(fs.readFileSync(out).toString('latin1')).not.toBe('old');
    });
  }

  it('refuses a symbolic link, a device and a directory as the output, and leaves them alone', async () => {
    const dir = tmp();
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'keep me');
    fs.symlinkSync(victim, path.join(dir, 'link.jsonlines'));
    fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n');
    const run = (out: string) =>
      new Pipeline({ logger: quiet }).fromFile(path.join(dir, 'in.jsonlines')).deserialize().serialize().toFile(out, { overwrite: true }).run().catch((e) => e);
    const link = await run(path.join(dir, 'link.jsonlines'));
    expect(link).toBeInstanceOf(OutputError);
    expect(link.message).toMatch(/link\.jsonlines: it is a symbolic link/);
    expect(fs.lstatSync(path.join(dir, 'link.jsonlines')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    const dev = await run('/dev/null');
    expect(dev.message).toMatch(/\/dev\/null: it is not a regular file/);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect((await run(dir)).message).toMatch(/it is a directory/);
  });
});

// A small tmpfs makes a real full disk; mounting one needs root (CAP_SYS_ADMIN).
const full = path.join(os.tmpdir(), `abp-hf-full-${process.pid}`);
fs.mkdirSync(full, { recursive: true });
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]).status === 0;
if (!mounted) console.log(`skipping the full-disk tests: cannot mount a tmpfs at ${full} (needs root)`);
afterAll(() => {
  if (mounted) spawnSync('umount', [full]);
  fs.rmSync(full, { recursive: true, force: true });
});

describe.skipIf(!mounted)('a full disk (64 KiB tmpfs)', () => {
  for (const ext of ['jsonlines', 'jsonlines.gz']) {
    it(`names the ${ext} output in the error and leaves no temporary file`, async () => {
      const out = path.join(full, `out.${ext}`);
      const err = await new Pipeline({ logger: quiet }).fromFile(DATA).deserialize().serialize().toFile(out).run().catch((e) => e);
      expect(err).toBeInstanceOf(OutputError);
      expect(err.code).toBe('ABP_OUTPUT_WRITE');
      expect(err.message).toContain(out);
      expect(err.message).toContain('ENOSPC');
      expect(temps(full)).toEqual([]);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});
