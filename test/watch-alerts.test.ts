import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertTracker } from '../src/collect/alerts.js';
import { AlertHookQueue, runAlertHook } from '../src/collect/on-alert.js';
import { alertLine, formatEvent, sampleLine } from '../src/collect/format.js';
import type { AlertEvent, GpuSample } from '../src/collect/watch.js';
import { UsageError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'abp-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a 0/1 string through a tracker; returns the state string and the changes with their positions. */
function run(bits: string, window = 5, minFlagged = 3) {
  const t = new AlertTracker({ window, minFlagged });
  let states = '';
  const changes: string[] = [];
  [...bits].forEach((b, i) => {
    const s = t.update('gpu', b === '1');
    states += s.active ? 'A' : '.';
    if (s.change) changes.push(`${s.change}@${i}`);
  });
  return { states, changes };
}

describe('AlertTracker (K of the last N)', () => {
  it('fires on the K-th flagged tick within N and clears on the K-th clean one', () => {
    expect(run('0011100000')).toEqual({ states: '....AAA...', changes: ['fired@4', 'cleared@7'] });
    // Non-consecutive flags inside the window count too; with K=3 of N=5 the
    // next clean sample after 3-of-5 already makes 3 clean.
    expect(run('1010100000').changes).toEqual(['fired@4', 'cleared@5']);
  });

  it('ignores isolated noisy samples, both ways', () => {
    expect(run('0100010000100').changes).toEqual([]);
    expect(run('1101100111').changes[0]).toBe('fired@3');
    // A single clean sample inside a flagged run does not clear.
    expect(run('1111101111').changes).toEqual(['fired@2']);
    // Two flagged in a window of 5 never fire with K=3.
    expect(run('1100011000110001100').changes).toEqual([]);
  });

  it('has a dead band when K > (N+1)/2: K=4, N=5 holds its state at 2 or 3 flagged', () => {
    expect(run('1111011001000', 5, 4)).toEqual({ states: '...AAAAAAAA..', changes: ['fired@3', 'cleared@11'] });
    // Steady 3 of 5: does not fire from clean, does not clear once firing.
    expect(run('10110'.repeat(4), 5, 4).changes).toEqual([]);
    expect(run('1111' + '01101'.repeat(4), 5, 4).changes).toEqual(['fired@3']);
  });

  it('keeps GPUs apart', () => {
    const t = new AlertTracker({ window: 3, minFlagged: 2 });
    t.update('a', true);
    t.update('b', false);
    expect(t.update('a', true).change).toBe('fired');
    expect(t.update('b', true).change).toBeNull();
    expect(t.active()).toEqual(['a']);
  });

  it('rejects K and N that could fire and clear on the same window', () => {
    expect(() => new AlertTracker({ window: 4, minFlagged: 2 })).toThrow(UsageError);
    expect(() => new AlertTracker({ window: 5, minFlagged: 6 })).toThrow(/from 1 to window/);
    expect(() => new AlertTracker({ window: 0, minFlagged: 1 })).toThrow(/window must be/);
    expect(new AlertTracker({ window: 1, minFlagged: 1 }).update('g', true).change).toBe('fired');
  });
});

const alert: AlertEvent = {
  type: 'alert',
  state: 'firing',
  time: 1795944954.5,
  hostname: 'vm',
  gpu: 'GPU-8caf8210-5aea-c543-c8df-e0160da9557f',
  busId: '00000000:00:06.0',
  model: 'abp-gpm-xgb',
  probability: 0.9871,
  partnerProbability: null,
  partnerFrom: null,
  heldShare: null,
  flagged: 3,
  seen: 5,
  window: 5,
  minFlagged: 3,
};

describe('watch output lines', () => {
  it('formats samples and alerts as readable text and as JSON', () => {
    const s: GpuSample = { type: 'sample', time: 1795944954.5, hostname: 'vm', gpu: alert.gpu, busId: alert.busId, model: 'abp-nvsmi-xgb', probability: 0.0123, partnerProbability: null, partnerFrom: null, heldShare: null, mining: false, flagged: 1, seen: 5, window: 5, alert: false };
    expect(sampleLine(s)).toBe('2026-11-29T09:35:54.500Z  vm GPU-8caf8210-5aea-c543-c8df-e0160da9557f (00000000:00:06.0)  p=0.012  ok       flagged 1/5');
    // With the job history, a sample read as a job plus a partner shows the partner's verdict too.
    expect(sampleLine({ ...s, partnerProbability: 0.9412, mining: true })).toBe(
      '2026-11-29T09:35:54.500Z  vm GPU-8caf8210-5aea-c543-c8df-e0160da9557f (00000000:00:06.0)  p=0.012  mining?  flagged 1/5  partner p=0.941',
    );
    expect(alertLine({ ...alert, partnerProbability: 0.9412 })).toMatch(/working samples \(p=0\.987, partner p=0\.941\)$/);
    // A partner read by the pair window (a pair that started together) says so.
    expect(sampleLine({ ...s, partnerProbability: 0.9412, partnerFrom: 'window', mining: true })).toMatch(/flagged 1\/5  partner p=0\.941 \(pair window\)$/);
    expect(alertLine({ ...alert, partnerProbability: 0.9412, partnerFrom: 'window' })).toMatch(/\(p=0\.987, partner p=0\.941 \(pair window\)\)$/);
    expect(alertLine(alert)).toBe(
      '2026-11-29T09:35:54.500Z  ALERT    vm GPU-8caf8210-5aea-c543-c8df-e0160da9557f (00000000:00:06.0): mining suspected, flagged in 3 of the last 5 working samples (p=0.987)',
    );
    expect(alertLine({ ...alert, state: 'cleared', flagged: 2 })).toMatch(/CLEARED  vm .*: clean in 3 of the last 5 working samples/);
    expect(JSON.parse(formatEvent(alert, 'json'))).toEqual(alert);
    // A sample's JSON names the model that scored it.
    expect(JSON.parse(formatEvent(s, 'json'))).toEqual(s);
    expect(formatEvent(s, 'json')).toContain('"model":"abp-nvsmi-xgb"');
  });
});

describe('--on-alert hooks', () => {
  it('gets the alert as JSON on stdin, with its state in the environment', async () => {
    const out = join(dir, 'hook.jsonl');
    const r = await runAlertHook(`cat >> '${out}'; echo "$ABP_ALERT_STATE $ABP_ALERT_GPU $ABP_ALERT_MODEL" >> '${out}'`, alert);
    expect(r).toEqual({ code: 0, signal: null, timedOut: false });
    const [json, env] = readFileSync(out, 'utf8').trim().split('\n');
    expect(JSON.parse(json)).toEqual(alert);
    expect(env).toBe(`firing ${alert.gpu} abp-gpm-xgb`);
  });

  it('runs hooks one at a time in order, reports failures and kills hooks past their timeout', async () => {
    const out = join(dir, 'order.txt');
    const failures: string[] = [];
    const q = new AlertHookQueue(`read line; case "$ABP_ALERT_STATE" in firing) sleep 0.2; echo fired >> '${out}';; cleared) echo cleared >> '${out}'; exit 3;; esac`, {
      onFailure: (m) => failures.push(m),
    });
    q.push(alert);
    q.push({ ...alert, state: 'cleared' });
    expect(q.size).toBe(2);
    await q.drain();
    expect(readFileSync(out, 'utf8')).toBe('fired\ncleared\n');
    expect(failures).toEqual([`--on-alert command for cleared ${alert.gpu} exited with status 3`]);

    const slow = new AlertHookQueue('sleep 20', { timeoutMs: 200, onFailure: (m) => failures.push(m) });
    const t0 = Date.now();
    slow.push(alert);
    await slow.drain();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(failures[1]).toMatch(/killed after 200 ms/);
  });
});
