import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openModelClassifier } from '../src/collect/model-classifier.js';
import { replayTicks } from '../src/collect/replay.js';
import { ROOT, records } from './watch-helpers.js';
import { IDLE_PERCENT, isIdle, watchTicks, type TickVerdict } from '../src/collect/watch.js';

// The watch's no-work rule (isIdle) on real H200 records from the project's
// captures: a sample that shows no work does not enter the alert window, so a
// miner the rule calls idle can never be alerted on.
const Z1 = join(ROOT, 'data/nvsmi-h200-gpm-z1.jsonlines.gz'); // mulxs/short hidden under a key-value store
const X = join(ROOT, 'data/nvsmi-h200-gpm-x.jsonlines.gz'); // Autolykos-like hashing cycling 4 s on, 4 s off
const CLASSIC = join(ROOT, 'data/nvsmi-h200-train.jsonlines.gz'); // no GPM keys
const SM = 'nvidia_smi_log.gpu.gpm.sm_activity';
const UTIL = 'nvidia_smi_log.gpu.utilization.gpu_util';
const MINER = 'hash_mulxs/short+kvstore/get';

const num = (v: unknown) => (typeof v === 'string' ? Number.parseFloat(v) : Number.NaN);

describe('isIdle: the watch\'s no-work rule on real H200 records', () => {
  it('counts a small-grid miner at 99 % utilisation and under 5 % SM activity as working', async () => {
    const miner = (await records(Z1)).filter((r) => r.workload === MINER);
    const hidden = miner.filter((r) => num(r[SM]) < IDLE_PERCENT && num(r[UTIL]) >= IDLE_PERCENT);
    // Most of that miner's samples read below 5 % SM activity: a rule on SM activity alone skipped them.
    expect(hidden.length).toBeGreaterThan(miner.length / 2);
    for (const r of hidden) expect(isIdle(r), `${String(r[SM])} SM, ${String(r[UTIL])} util`).toBe(false);
  });

  it('calls a cycling miner\'s off phase and an idle classic record idle, and unknown not idle', async () => {
    const cycling = (await records(X)).filter((r) => r.workload === 'hash_autolykos/cycling');
    const off = cycling.filter((r) => num(r[SM]) < IDLE_PERCENT && num(r[UTIL]) < IDLE_PERCENT);
    const on = cycling.filter((r) => num(r[SM]) >= IDLE_PERCENT);
    expect(off.length).toBeGreaterThan(3);
    expect(on.length).toBeGreaterThan(3);
    expect(off.every(isIdle)).toBe(true);
    expect(on.some(isIdle)).toBe(false);
    const classic = (await records(CLASSIC)).filter((r) => r[SM] === undefined && num(r[UTIL]) < IDLE_PERCENT);
    expect(classic.length).toBeGreaterThan(5);
    expect(classic.every(isIdle)).toBe(true);
    expect(isIdle({})).toBe(false);
    expect(isIdle({ [SM]: null, [UTIL]: 'N/A' })).toBe(false);
  });

  it('lets abp watch alert on that miner within 30 s, from samples a rule on SM activity alone would skip', async () => {
    const classifier = await openModelClassifier();
    const verdicts: TickVerdict[] = [];
    for await (const v of watchTicks(replayTicks(Z1), classifier, { threshold: classifier.threshold })) verdicts.push(v);
    const inMiner = verdicts.filter((v) => v.tick.records[0].workload === MINER);
    expect(inMiner.length).toBeGreaterThan(30);
    const start = inMiner[0].tick.timestamp;
    const fired = inMiner.find((v) => v.alerts.some((a) => a.state === 'firing'));
    expect(fired, 'an alert during the miner').toBeDefined();
    expect(fired!.tick.timestamp - start).toBeLessThan(30);
    // The alert stays up on samples that read under 5 % SM activity.
    const low = inMiner.filter((v) => num(v.tick.records[0][SM]) < IDLE_PERCENT && v.samples[0].alert);
    expect(low.length).toBeGreaterThan(inMiner.length / 2);
  });
});
