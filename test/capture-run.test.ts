import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fakeScripts } from './fake-nvidia-smi.js';

// scripts/capture/run-capture.py end to end with the real `abp collect` (from
// src/ through tsx) against a stand-in nvidia-smi that prints the real H200
// document, then scripts/capture/label.ts on what it wrote. No GPU here: the
// workloads run against a stand-in `torch` module that has only `zeros`, so
// `idle` runs as it does on the GPU machine and `sort` fails (the crash path).
const ROOT = new URL('..', import.meta.url).pathname;
const XML_FILE = new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url).pathname;
const python = spawnSync('python3', ['--version']).status === 0;
if (!python) console.log('capture-run: skipped, no python3 on PATH');

type Rec = Record<string, unknown>;

describe.skipIf(!python)('scripts/capture/run-capture.py', () => {
  const { dir, fake } = fakeScripts('abp-capture-run-');
  const smi = fake('nvidia-smi', `cat '${XML_FILE}'`);
  mkdirSync(join(dir, 'stub', 'torch'), { recursive: true });
  writeFileSync(join(dir, 'stub', 'torch', '__init__.py'), 'def zeros(*args, **kwargs):\n    return None\n');
  const schedule = join(dir, 'schedule.txt');
  writeFileSync(schedule, '# a comment\nidle 2\nidle/ctx+idle 2  # two at once\nidle/ctx+idle/ctx@1 2  # the second joins 1 s in\nidle/ctx^1+idle/ctx 2  # the first stops 1 s in\n\nsort/int64 1\nidle 100\n');
  const out = join(dir, 'out');

  it('runs the schedule beside abp collect, logs each episode, skips what does not fit the budget', () => {
    const run = spawnSync(
      'python3',
      ['scripts/capture/run-capture.py', schedule, out, '--budget-s', '52', '--interval', '250ms', '--gpm', 'off',
        '--abp', `${process.execPath} --import tsx src/cli/main.ts`],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ABP_NVIDIA_SMI: smi, PYTHONPATH: join(dir, 'stub') }, timeout: 110_000 },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('5 episodes');
    expect(run.stdout).toContain('skipped (budget): idle/ctx 100');
    expect(run.stdout).toContain('failed: sort/int64 rc 1');

    const eps = readFileSync(join(out, 'episodes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(eps.map((e) => [e.workload, e.label, e.family, e.rc])).toEqual([
      ['idle/ctx', 0, 'idle', 0],
      ['idle/ctx+idle/ctx', 0, 'idle+idle', 0],
      ['idle/ctx+idle/ctx', 0, 'idle+idle', 0],
      ['idle/ctx+idle/ctx', 0, 'idle+idle', 0],
      ['sort/int64', 0, 'data', 1],
    ]);
    expect(eps[0].end - eps[0].start).toBeCloseTo(2, 0);
    // co-located parts start together, on the runner's GO
    expect(eps[1].parts[0].start).toBe(eps[1].parts[1].start);
    expect(eps[1].join_s).toBeUndefined();
    // `@1`: the second part is told GO a second after the first, and both end with the episode
    const [first, late] = eps[2].parts;
    expect(eps[2].join_s).toEqual([0, 1]);
    expect(late.start - first.start).toBeGreaterThanOrEqual(1);
    expect(late.start - first.start).toBeLessThan(1.5);
    expect(late.end).toBeCloseTo(first.end, 0);
    // `^1`: the first part exits a second after GO, the second works to the episode's end (a hand-over)
    const [quit, stay] = eps[3].parts;
    expect(eps[3].stop_s).toEqual([1, null]);
    expect(eps[2].stop_s).toBeUndefined();
    expect(quit.start).toBe(stay.start);
    expect(quit.end - quit.start).toBeCloseTo(1, 0);
    expect(stay.end - stay.start).toBeCloseTo(2, 0);
    expect(eps[3].end).toBe(stay.end);
    expect(eps[4].start).toBeNull();
    expect(readFileSync(join(out, 'logs', '04-sort-int64-0.log'), 'utf8')).toContain('sort/int64 failed');
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.skipped).toEqual(['idle/ctx 100']);
    expect(meta.collect_rc).toBe(0);

    const labelled = join(dir, 'labelled.jsonlines.gz');
    const lab = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/capture/label.ts', out, labelled], { cwd: ROOT, encoding: 'utf8' });
    expect(lab.status, lab.stderr).toBe(0);
    expect(lab.stdout).toContain('warning: sort/int64 (episode 5) never started (rc 1)');
    const recs: Rec[] = gunzipSync(readFileSync(labelled)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    const count = (w: string) => recs.filter((r) => r.workload === w).length;
    // 2 s at 4 samples a second, give or take the edges
    expect(count('idle/ctx')).toBeGreaterThanOrEqual(6);
    expect(count('idle/ctx+idle/ctx')).toBeGreaterThanOrEqual(10);
    const joinAlone = recs.filter((r) => (r.timestamp as number) >= first.start && (r.timestamp as number) < late.start);
    expect(joinAlone.length).toBeGreaterThanOrEqual(2);
    expect(count('startup')).toBeGreaterThan(0);
    expect(count('sort/int64')).toBe(0);
    for (const r of recs) {
      expect(r.label).toBe(0);
      expect(typeof r['nvidia_smi_log.gpu.@id']).toBe('string');
      const t = r.timestamp as number;
      const inFirst = t >= eps[0].start && t <= eps[0].end;
      // before the late part's GO, the join episode's records are its first part alone
      const alone = t >= first.start && t < late.start;
      // after the quitting part's end, the hand-over episode's records are the part that stayed, alone
      const after = t > quit.end && t <= stay.end;
      expect(r.workload === 'idle/ctx', String(t)).toBe(inFirst || alone || after);
    }
    expect(existsSync(join(out, 'telemetry.jsonlines'))).toBe(true);
  });

  it('refuses a stop not inside the part\'s time, or on every part, naming the line', () => {
    for (const [line, msg] of [
      ['idle/ctx^4+idle 4', '^STOP must be a number of seconds above 0'],
      ['idle/ctx+idle@1^3 4', '^STOP must be a number of seconds above 0'],
      ['idle/ctx^1+idle^2 4', '^STOP on every part'],
    ] as const) {
      const bad = join(dir, 'bad.txt');
      writeFileSync(bad, `idle 2\n${line}\n`);
      const run = spawnSync('python3', ['scripts/capture/check-schedules.py', bad], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status, line).toBe(1);
      expect(run.stderr, line).toContain(`${bad}:2: ${msg}`);
    }
  });

  it('refuses a join delay on the first part, or one not below the episode length, naming the line', () => {
    for (const [line, n] of [['idle/ctx@1+idle 4', 2], ['idle/ctx+idle@4 4', 2], ['idle/ctx+idle@x 4', 2]] as const) {
      const bad = join(dir, 'bad.txt');
      writeFileSync(bad, `idle 2\n${line}\n`);
      const run = spawnSync('python3', ['scripts/capture/check-schedules.py', bad], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status, line).toBe(1);
      expect(run.stderr, line).toContain(`${bad}:${n}: @DELAY must be a number of seconds below SECONDS`);
    }
  });
});
