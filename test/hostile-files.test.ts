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
import { abp, interruptMidWrite, deadPid, tempFiles } from './pipeline-helpers.js';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'abp-hf-'));
const quiet = { info: () => undefined, warn: () => undefined };

describe('interrupted runs', () => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-run removes the temporary file and exits ${status}`, async () => {
      const dir = tmp();
      const out = path.join(dir, 'out.jsonlines');
      try {
        const r = await interruptMidWrite(dir, ['run', 'pipeline-fil', 'from-file', `--filename=${DATA}`, '--repeat=400', 'deserialize', 'serialize', 'to-file', `--filename=${out}`], signal);
        expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: status, signal: null });
        expect(tempFiles(dir)).toEqual([]);
        expect(fs.existsSync(out)).toBe(false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('SIGKILL leaves the temporary file beside the target; the next run over that target removes it', async () => {
    const dir = tmp();
    const out = path.join(dir, 'out.jsonlines');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'run', 'pipeline-fil', 'from-file', `--filename=${DATA}`, '--repeat=400', 'deserialize', 'serialize', 'to-file', `--filename=${out}`],
      { cwd: ROOT, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!tempFiles(dir).some((n) => fs.statSync(path.join(dir, n)).size > 0)) {
        if (Date.now() > deadline) throw new Error('no temporary file appeared');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await exited;
      const left = tempFiles(dir);
      expect(left).toEqual([expect.stringMatching(new RegExp(`^\\.out\\.jsonlines\\.abp-tmp-${child.pid}-`))]);
      fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n');
      const r = await abp(['run', 'pipeline-fil', 'from-file', `--filename=${path.join(dir, 'in.jsonlines')}`, 'deserialize', 'serialize', 'to-file', `--filename=${out}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(tempFiles(dir)).toEqual([]);
      expect(fs.readFileSync(out, 'utf8')).toBe('{"a":1}\n');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a run removes the temporary files that killed runs left beside its target, and only those', async () => {
    const dir = tmp();
    const out = path.join(dir, 'out.jsonlines');
    const dead = `.out.jsonlines.abp-tmp-${deadPid()}-deadbeef`;
    const live = `.out.jsonlines.abp-tmp-${process.pid}-a1b2c3d4`;
    const other = `.other.jsonlines.abp-tmp-${deadPid()}-deadbeef`;
    for (const n of [dead, live, other]) fs.writeFileSync(path.join(dir, n), 'partial');
    fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n');
    await new Pipeline({ logger: quiet }).fromFile(path.join(dir, 'in.jsonlines')).deserialize().serialize().toFile(out).run();
    expect(tempFiles(dir).sort()).toEqual([live, other].sort());
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

  it('carries permission bits over, never set-user-id or set-group-id bits', async () => {
    const dir = tmp();
    const out = path.join(dir, 'out.jsonlines');
    fs.writeFileSync(out, 'old');
    fs.chmodSync(out, 0o6750);
    fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n');
    await new Pipeline({ logger: quiet }).fromFile(path.join(dir, 'in.jsonlines')).deserialize().serialize().toFile(out, { overwrite: true }).run();
    expect(fs.statSync(out).mode & 0o7777).toBe(0o750);
  });

  it('refuses a symbolic link and a directory as the output, and leaves them alone; writes a character device (/dev/null) straight to it', async () => {
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
    // No temporary beside it, no rename over it (test/read-ahead-sinks.test.ts has the FIFO and the command line).
    const dev = await run('/dev/null');
    expect(dev.rowsOut).toBe(1);
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
  const cases = [['jsonlines', 1, false], ['jsonlines.gz', 1, false], ['jsonlines', 2, false], ['jsonlines.gz', 2, false], ['jsonlines', 2, true]] as const;
  for (const [ext, threads, inPlace] of cases) {
    // inPlace: written in place from the workers' placed blocks (PositionalWriter, ABP_OUTPUT_INPLACE=1).
    it(`names the ${ext} output in the error and leaves no temporary file (${threads} thread(s)${inPlace ? ', written in place' : ''})`, async () => {
      const out = path.join(full, `out.${ext}`);
      if (inPlace) process.env.ABP_OUTPUT_INPLACE = '1';
      const err = await new Pipeline({ logger: quiet, numThreads: threads })
        .fromFile(DATA, { repeat: 3 }).deserialize().serialize().toFile(out).run()
        .catch((e) => e)
        .finally(() => delete process.env.ABP_OUTPUT_INPLACE);
      expect(err).toBeInstanceOf(OutputError);
      expect(err.code).toBe('ABP_OUTPUT_WRITE');
      expect(err.message).toContain(out);
      expect(err.message).toContain('ENOSPC');
      expect(tempFiles(full)).toEqual([]);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});

describe('--on_error=quarantine:FILE is treated like the output', () => {
  const bad = '{"a":1}\n{"a": 2\n{"a":3}\n[4]\n';
  /** `abp detect`-like CLI run through `abp run`, so the options are parsed as a user gives them. */
  const run = (dir: string, q: string, out: string, extra: string[] = []) =>
    abp(['run', '--on_error', `quarantine:${q}`, 'pipeline-fil', 'from-file', `--filename=${path.join(dir, 'in.jsonlines')}`, 'deserialize', 'serialize', 'to-file', `--filename=${out}`, ...extra]);
  const setup = () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'in.jsonlines'), bad);
    return dir;
  };

  it('refuses the input file, under any name (relative, through a link, a hard link), and leaves it whole', async () => {
    const dir = setup();
    const inp = path.join(dir, 'in.jsonlines');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync(dir, path.join(dir, 'alias'));
    fs.linkSync(inp, path.join(dir, 'hard.jsonlines'));
    for (const q of [inp, path.join(dir, 'sub/../in.jsonlines'), path.join(dir, 'alias/in.jsonlines'), path.join(dir, 'hard.jsonlines')]) {
      const r = await run(dir, q, path.join(dir, 'out.jsonlines'), ['--overwrite']);
      expect(r.code, q).toBe(1);
      expect(r.stderr).toContain('it is the input file');
      expect(fs.readFileSync(inp, 'utf8')).toBe(bad);
      expect(fs.existsSync(path.join(dir, 'out.jsonlines'))).toBe(false);
    }
  });

  it('refuses the output file, existing or not', async () => {
    const dir = setup();
    const out = path.join(dir, 'out.jsonlines');
    let r = await run(dir, out, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('it is the output file');
    fs.writeFileSync(out, 'previous\n');
    r = await run(dir, path.join(dir, '.', 'out.jsonlines'), out, ['--overwrite']);
    expect(r.stderr).toContain('it is the output file');
    expect(fs.readFileSync(out, 'utf8')).toBe('previous\n');
  });

  it('refuses an existing file without --overwrite, replaces it with one', async () => {
    const dir = setup();
    const q = path.join(dir, 'q.txt');
    fs.writeFileSync(q, 'earlier quarantine\n');
    fs.chmodSync(q, 0o600);
    let r = await run(dir, q, path.join(dir, 'out.jsonlines'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/q\.txt: the file exists and --overwrite was not given/);
    expect(fs.readFileSync(q, 'utf8')).toBe('earlier quarantine\n');
    r = await run(dir, q, path.join(dir, 'out.jsonlines'), ['--overwrite']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(q, 'utf8')).toBe('{"a": 2\n[4]\n');
    expect(fs.statSync(q).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain(`2 malformed line(s) written to ${q}`);
  });

  it('never follows a symbolic link: the file it points to is left alone', async () => {
    const dir = setup();
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'keep me\n');
    fs.symlinkSync(victim, path.join(dir, 'q.txt'));
    const r = await run(dir, path.join(dir, 'q.txt'), path.join(dir, 'out.jsonlines'), ['--overwrite']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('symbolic link');
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me\n');
  });

  it('appears only when the run succeeds, never half-written; no temporary file is left', async () => {
    const dir = setup();
    const q = path.join(dir, 'q.txt');
    // The output's directory does not exist, found before any work: nothing is written.
    let r = await run(dir, q, path.join(dir, 'nodir/out.jsonlines'));
    expect(r.code).toBe(1);
    expect(fs.existsSync(q)).toBe(false);
    // A failure mid-run after a malformed line was quarantined: the Arrow writer fixes its schema from
    // the first 16,384 rows and refuses a column first seen after them (ABP_OUTPUT_SCHEMA).
    fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n{"a": \n' + '{"a":1}\n'.repeat(17000) + '{"late":1}\n');
    r = await abp(['run', '--on_error', `quarantine:${q}`, '--pipeline_batch_size=16', 'pipeline-fil', 'from-file', `--filename=${path.join(dir, 'in.jsonlines')}`, 'deserialize', 'serialize', 'to-file', `--filename=${path.join(dir, 'out.arrow')}`]);
    expect(r.code, r.stderr).toBe(1);
    expect(fs.existsSync(q)).toBe(false);
    expect(tempFiles(dir)).toEqual([]);
    // With no malformed line the file is still this run's: empty.
    fs.writeFileSync(path.join(dir, 'in.jsonlines'), '{"a":1}\n');
    r = await run(dir, q, path.join(dir, 'out.jsonlines'));
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(q, 'utf8')).toBe('');
  });
});
