import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PairWindow, PairWindows, conditionNumber } from '../src/collect/pair-window.js';
import { isIdle, watchTicks, type TickVerdict } from '../src/collect/watch.js';
import { openModelClassifier, openPartnerClassifier } from '../src/collect/model-classifier.js';
import { replayTicks } from '../src/collect/replay.js';
import { abp } from './pipeline-helpers.js';
import { ROOT, partnerGolden, partnersRead, records } from './watch-helpers.js';

// abp watch's pair window on a real capture: `bm`, in which miners and benign
// data work were started together with DL jobs on an H200 (no history of the
// job alone). The golden file is scripts/gpm/unmix.py's PairWindow (the
// reference) replayed over the same records by scripts/gpm/train-partner-model.py
// --golden --window, with the shipped abp-gpm-partner-xgb's probabilities.
const BM = join(ROOT, 'data/nvsmi-h200-gpm-bm.jsonlines.gz');
const golden = partnerGolden('nvsmi-h200-gpm-pair-window.json');

describe('pair window: the partner of a pair that started together, against the Python reference', () => {
  it('reads the same windows, with the same partner profile', async () => {
    const recs = await records(BM);
    expect(recs.length).toBe(golden.rows);
    const got = partnersRead(recs, new PairWindows());
    expect([...got.keys()]).toEqual(golden.partners.map((p) => p.index));
    expect(got.size).toBeGreaterThan(20);
    for (const g of golden.partners) {
      const p = got.get(g.index)!;
      golden.columns.forEach((c, k) => expect(p[c] as number, `record ${g.index} ${c}`).toBeCloseTo(g.partner[k], 6));
      expect(p.timestamp).toBe(recs[g.index].timestamp);
      expect(p['nvidia_smi_log.gpu.gpm.sm_activity']).toBe(100);
      expect(p['nvidia_smi_log.gpu.gpm.pcie_tx_bytes']).toBe(0);
    }
  });

  it('reads no window of a job alone, and some of the pairs', async () => {
    const recs = await records(BM);
    const read = new Set(golden.partners.map((p) => p.index));
    const pairs = new Set<string>();
    recs.forEach((r, i) => {
      const wl = String(r.workload);
      if (wl === 'startup' || isIdle(r)) return;
      if (!wl.includes('+')) expect(read.has(i), `${wl} alone, record ${i}`).toBe(false);
      else if (read.has(i)) pairs.add(wl);
    });
    expect(pairs.size).toBeGreaterThanOrEqual(3);
  });

  it('needs the job share to move: a steady pair reads nothing, and a gap empties the window', async () => {
    const all = await records(BM);
    const pair = String(all[golden.partners[0].index].workload); // a pair the reference reads
    const recs = all.filter((r) => r.workload === pair && !isIdle(r));
    expect(recs.length).toBeGreaterThan(20);
    const w = new PairWindow({ condMax: 1e9 });
    const base = recs[0];
    // The same sample again and again: tensor and SM exactly proportional, nothing to fit.
    for (let t = 0; t < 20; t++) expect(w.observe({ ...base }, 1000 + t)).toBeNull();
    const moving = new PairWindow({ condMax: 1e9 });
    let reads = 0;
    recs.slice(0, 30).forEach((r, k) => (reads += moving.observe(r, 2000 + k) ? 1 : 0));
    expect(reads).toBeGreaterThan(0);
    // After more than gapS seconds without work, minSamples are needed again.
    const later = recs.slice(0, 7).map((r, k) => moving.observe(r, 3000 + k));
    expect(later.every((p) => p === null)).toBe(true);
  });

  it('computes the condition number of two columns', () => {
    expect(conditionNumber(1, 1, 0)).toBeCloseTo(1, 12); // orthogonal
    expect(conditionNumber(4, 1, 2)).toBe(Infinity); // proportional
    expect(conditionNumber(2, 2, 1)).toBeCloseTo(Math.sqrt(3), 12); // 60 degrees apart
  });

  it('refuses settings that cannot work, with a coded error', () => {
    for (const bad of [{ window: 1 }, { window: 2.5 }, { minSamples: 1 }, { minSamples: 13 }, { tensorMin: -1 }, { condMax: 0.5 }, { condMax: NaN }, { gapS: 0 }]) {
      expect(() => new PairWindow(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'ABP_BAD_ARGUMENT' }));
      expect(() => new PairWindows(bad)).toThrow(/pair window/);
    }
  });
});

describe('abp watch with the pair window', () => {
  it('scores the window partner as XGBoost does where the history read none, and flags above 0.9', async () => {
    const classifier = await openModelClassifier();
    const partner = (await openPartnerClassifier())!;
    try {
      const byIndex = new Map(golden.partners.map((p) => [p.index, p]));
      const run = async (window: boolean) => {
        const out: TickVerdict[] = [];
        const history = { classifier: partner, threshold: 0.7, window: window ? {} : undefined };
        for await (const v of watchTicks(replayTicks(BM), classifier, { threshold: 0.5, history })) out.push(v);
        return out.flatMap((v) => v.samples);
      };
      const on = await run(true);
      expect(on.length).toBe(golden.rows);
      let fromWindow = 0;
      // The shipped model was trained on bm, so it flags these miners itself; held out, the window adds them (README).
      let windowAbove = 0;
      on.forEach((s, i) => {
        if (s.partnerFrom === 'window') {
          fromWindow++;
          const g = byIndex.get(i);
          expect(g, `record ${i}`).toBeDefined();
          expect(s.partnerProbability!, `record ${i}`).toBeCloseTo(g!.probability, 5);
          if (s.partnerProbability! > 0.9) windowAbove++;
          expect(s.mining).toBe(s.probability > 0.5 || s.partnerProbability! > 0.9 || s.heldShare !== null);
        } else if (s.partnerFrom === 'history') {
          expect(s.mining).toBe(s.probability > 0.5 || s.partnerProbability! > 0.7 || s.heldShare !== null);
        } else {
          expect(s.partnerProbability).toBeNull();
        }
      });
      expect(fromWindow).toBeGreaterThan(20);
      expect(windowAbove).toBeGreaterThan(0);
      // Off, nothing comes from a window, and the history's own reads are the same.
      const off = await run(false);
      expect(off.some((s) => s.partnerFrom === 'window')).toBe(false);
      off.forEach((s, i) => {
        if (s.partnerFrom === 'history') expect(on[i].partnerFrom).toBe('history');
      });
    } finally {
      classifier.dispose();
      partner.dispose();
    }
  });

  it('refuses a window threshold that is not a probability', async () => {
    const classifier = await openModelClassifier();
    const partner = (await openPartnerClassifier())!;
    try {
      const it = watchTicks(replayTicks(BM), classifier, { history: { classifier: partner, threshold: 0.7, window: { threshold: 1.5 } } });
      await expect(it.next()).rejects.toMatchObject({ code: 'ABP_BAD_ARGUMENT' });
    } finally {
      classifier.dispose();
      partner.dispose();
    }
  });

  it('is on by default in the CLI, says so in its lines, and --no-pair-window turns it off', async () => {
    const on = await abp(['watch', '--input', BM, '--format', 'json']);
    expect(on.code, on.stderr).toBe(0);
    const samples = on.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'sample');
    expect(samples.filter((s) => s.partnerFrom === 'window').length).toBeGreaterThan(20);
    const text = await abp(['watch', '--input', BM]);
    expect(text.stdout).toMatch(/ partner p=0\.\d{3} \(pair window\)\n/);
    const off = await abp(['watch', '--input', BM, '--format', 'json', '--no-pair-window']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout.trim().split('\n').map((l) => JSON.parse(l)).some((e) => e.partnerFrom === 'window')).toBe(false);
  });
});
