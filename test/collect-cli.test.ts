import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeScripts } from './fake-nvidia-smi.js';

// `abp collect` end to end, as a child process, against stand-ins for
// nvidia-smi (the real one cannot run here; scripts/device-collect-watch.sh
// runs it on a GPU machine).
const ROOT = new URL('..', import.meta.url).pathname;
const ENTRY = new URL('../src/cli/main.ts', import.meta.url).pathname;
const XML_FILE = new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url).pathname;
const { dir, fake } = fakeScripts('abp-collect-cli-');

// Two GPUs in one document: the real GPU and a copy with another bus id and UUID.
const xml = readFileSync(XML_FILE, 'utf8');
const gpu = xml.slice(xml.indexOf('<gpu id='), xml.indexOf('</gpu>') + '</gpu>'.length);
const twoGpuXml = xml.replace(
  '</gpu>',
  '</gpu>\n' + gpu.replace('id="00000000:00:06.0"', 'id="00000000:00:07.0"').replace(/<uuid>[^<]*<\/uuid>/, '<uuid>GPU-00000000-1111-2222-3333-444444444444</uuid>'),
);
writeFileSync(join(dir, 'two.xml'), twoGpuXml);
const good = fake('good', `cat '${XML_FILE}'`);
const two = fake('two', `sleep 0.05; cat '${join(dir, 'two.xml')}'`);
const slowGood = fake('slow-good', `sleep 0.4; cat '${XML_FILE}'`);
const flaky = fake('flaky', `n=$(cat '${dir}/count' 2>/dev/null || echo 0); echo $((n+1)) > '${dir}/count'\nif [ $((n % 2)) -eq 1 ]; then echo 'not xml'; exit 0; fi\ncat '${XML_FILE}'`);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function abp(args: string[], opts: { interruptAfterMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (opts.interruptAfterMs !== undefined) {
      // Wait until the first sample is out, then Ctrl-C.
      const poll = setInterval(() => {
        if (stdout.length > 0 || existsSync(join(dir, 'live.jsonl'))) {
          clearInterval(poll);
          setTimeout(() => child.kill('SIGINT'), opts.interruptAfterMs);
        }
      }, 50);
      child.on('close', () => clearInterval(poll));
    }
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('abp collect', () => {
  it('--count=3 writes three samples to stdout, one JSON record per GPU per sample', async () => {
    const r = await abp(['collect', '--gpm=off', '--count=3', '--interval=100ms', '--nvidia-smi', good]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const recs = lines(r.stdout).map((l) => JSON.parse(l));
    expect(recs).toHaveLength(3);
    for (const rec of recs) {
      expect(Object.keys(rec)).toHaveLength(218 + 14);
      expect(rec['nvidia_smi_log.gpu.pci.tx_util']).toBe('836 KB/s');
      expect(typeof rec.timestamp).toBe('number');
      expect(typeof rec.hostname).toBe('string');
    }
    // Samples start 100 ms apart; arrival times vary with each call's latency.
    expect(recs[2].timestamp - recs[0].timestamp).toBeGreaterThan(0.1);
  });

  it('several GPUs give several records per sample, sharing its timestamp; --gpu picks', async () => {
    const r = await abp(['collect', '--gpm=off', '--count=2', '--interval=0', '--nvidia-smi', two]);
    const recs = lines(r.stdout).map((l) => JSON.parse(l));
    expect(recs.map((x) => x['nvidia_smi_log.gpu.@id'])).toEqual(['00000000:00:06.0', '00000000:00:07.0', '00000000:00:06.0', '00000000:00:07.0']);
    expect(recs[0].timestamp).toBe(recs[1].timestamp);
    expect(recs[2].timestamp).toBe(recs[3].timestamp);
    expect(recs[2].timestamp).toBeGreaterThan(recs[0].timestamp);

    const dash = await abp(['collect', '--gpm=off', '--count=1', '--nvidia-smi', two, '--output', '-']);
    expect(lines(dash.stdout)).toHaveLength(2);

    const one = await abp(['collect', '--gpm=off', '--count=2', '--interval=0', '--nvidia-smi', two, '--gpu', 'GPU-00000000-1111-2222-3333-444444444444']);
    expect(lines(one.stdout).map((l) => JSON.parse(l)['nvidia_smi_log.gpu.@id'])).toEqual(['00000000:00:07.0', '00000000:00:07.0']);

    const none = await abp(['collect', '--gpm=off', '--count=2', '--nvidia-smi', two, '--gpu', '5']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--gpu 5 matches no GPU \(present: 0=GPU-5dd2bfd5-7daa-9be5-4a7f-8f2acff29ee6, 1=GPU-00000000-1111/);
  });

  it('writes a file, refuses to overwrite it, appends with --append', async () => {
    const out = join(dir, 'out.jsonl');
    expect((await abp(['collect', '--gpm=off', '--count=2', '--interval=0', '--nvidia-smi', good, '-o', out])).code).toBe(0);
    expect(lines(readFileSync(out, 'utf8'))).toHaveLength(2);
    const again = await abp(['collect', '--gpm=off', '--count=1', '--nvidia-smi', good, '-o', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/out\.jsonl exists; pass --force to overwrite or --append/);
    expect(lines(readFileSync(out, 'utf8'))).toHaveLength(2);
    expect((await abp(['collect', '--gpm=off', '--count=1', '--nvidia-smi', good, '-o', out, '--append'])).code).toBe(0);
    expect(lines(readFileSync(out, 'utf8'))).toHaveLength(3);
    expect((await abp(['collect', '--gpm=off', '--count=1', '--nvidia-smi', good, '-o', out, '--force'])).code).toBe(0);
    expect(lines(readFileSync(out, 'utf8'))).toHaveLength(1);
  });

  it('never writes through a symbolic link at the target, with --force or --append', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me\n');
    const link = join(dir, 'link.jsonl');
    symlinkSync(victim, link);
    for (const flag of ['--force', '--append']) {
      const r = await abp(['collect', '--gpm=off', '--count=1', '--nvidia-smi', good, '-o', link, flag]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/link\.jsonl is a symbolic link; abp does not write through one/);
      expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    }
  });

  it('a missing nvidia-smi is a clear error and leaves no output file', async () => {
    const out = join(dir, 'never.jsonl');
    const r = await abp(['collect', '--gpm=off', '--count=1', '--nvidia-smi', join(dir, 'nvidia-smi-missing'), '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^abp collect: .*nvidia-smi-missing not found.*\[ABP_NVSMI_NOT_FOUND\]\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('with a GPM dmon child running, a missing nvidia-smi still stops with the error and status 1', async () => {
    // stdbuf starts before it finds out nvidia-smi is missing: the run ends
    // while the child may still be up, and closing it must not let the
    // process quit silently with status 0.
    const r = await abp(['collect', '--gpm=dmon', '--count=1', '--nvidia-smi', join(dir, 'nvidia-smi-missing')]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).at(-1)).toMatch(/^abp collect: .*nvidia-smi-missing not found.*\[ABP_NVSMI_NOT_FOUND\]$/);
  });

  it('a malformed document stops the run, or is logged and skipped with --on-error=skip', async () => {
    rmSync(join(dir, 'count'), { force: true });
    const fail = await abp(['collect', '--gpm=off', '--count=3', '--interval=0', '--nvidia-smi', flaky]);
    expect(fail.code).toBe(1);
    expect(lines(fail.stdout)).toHaveLength(1);
    expect(fail.stderr).toMatch(/malformed XML.*\[ABP_NVSMI_MALFORMED\]/);

    rmSync(join(dir, 'count'), { force: true });
    const skip = await abp(['collect', '--gpm=off', '--count=3', '--interval=0', '--on-error=skip', '--nvidia-smi', flaky]);
    expect(skip.code).toBe(0);
    expect(lines(skip.stdout)).toHaveLength(3);
    expect(lines(skip.stderr)).toHaveLength(2);
    expect(skip.stderr).toMatch(/skipped a sample: .*malformed XML/);
  });

  it('rejects bad option values', async () => {
    const r = await abp(['collect', '--gpm=off', '--interval=soon', '--nvidia-smi', good]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--interval: expected a duration/);
  });

  it('Ctrl-C ends cleanly with every finished sample flushed whole', async () => {
    const out = join(dir, 'live.jsonl');
    const r = await abp(['collect', '--gpm=off', '--interval=100ms', '--nvidia-smi', two, '-o', out], { interruptAfterMs: 1000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const m = /stopped after (\d+) sample\(s\)/.exec(r.stderr);
    expect(m).not.toBeNull();
    const n = Number(m![1]);
    expect(n).toBeGreaterThanOrEqual(2);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const recs = lines(text).map((l) => JSON.parse(l));
    // Whole samples only: two records (two GPUs) each.
    expect(recs).toHaveLength(2 * n);
    for (let i = 0; i < recs.length; i += 2) expect(recs[i].timestamp).toBe(recs[i + 1].timestamp);
  });

  it('a write that fails mid-sample (file size limit) is cut back to the last whole sample', async () => {
    const out = join(dir, 'limited.jsonl');
    // 40 blocks of 512 bytes: room for one 13 KB sample, not two.
    const r = await new Promise<Run>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', `ulimit -f 40; trap "" XFSZ; exec "$0" --import tsx "$1" collect --interval=0 --count=5 --nvidia-smi "$2" -o "$3"`, process.execPath, ENTRY, good, out], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/limited\.jsonl: write failed: EFBIG.*\[ABP_OUTPUT_WRITE\]/);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(lines(text).map((l) => JSON.parse(l))).toHaveLength(1);
  });

  it('Ctrl-C from a terminal (SIGINT to the whole process group, nvidia-smi included) still ends cleanly', async () => {
    const out = join(dir, 'group.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'collect', '--gpm=off', '--interval=0', '--nvidia-smi', slowGood, '-o', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait for two samples, then interrupt while the third call is running.
    for (let i = 0; i < 100 && !(existsSync(out) && lines(readFileSync(out, 'utf8')).length >= 2); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 150));
    process.kill(-child.pid!, 'SIGINT');
    expect(await done).toBe(0);
    const n = Number(/stopped after (\d+) sample\(s\)/.exec(stderr)?.[1]);
    expect(n).toBeGreaterThanOrEqual(2);
    expect(stderr).not.toMatch(/killed by SIGINT/);
    expect(lines(readFileSync(out, 'utf8'))).toHaveLength(n);
  });
});
