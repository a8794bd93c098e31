import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobHistories, JobHistory } from '../src/collect/job-history.js';
import { openModelClassifier, openPartnerClassifier } from '../src/collect/model-classifier.js';
import { replayTicks } from '../src/collect/replay.js';
import { gpuIdOf, isIdle, watchTicks, type TickVerdict } from '../src/collect/watch.js';
import { WatchMetrics } from '../src/collect/metrics.js';
import { abp } from './pipeline-helpers.js';
import { ROOT, partnerGolden, partnersRead, records } from './watch-helpers.js';

// abp watch's job history on a real capture: `at`, in which miners and benign
// look-alikes join DL jobs that ran alone for 10 s on the same H200. The
// golden file is scripts/gpm/unmix.py's JobHistory (the reference) replayed
// over the same records by scripts/gpm/train-partner-model.py --golden, with
// the shipped abp-gpm-partner-xgb's probabilities from XGBoost itself.
const AT = join(ROOT, 'data/nvsmi-h200-gpm-at.jsonlines.gz');
const golden = partnerGolden('nvsmi-h200-gpm-partner.json');
const goldenAt = new Map(golden.partners.map((p) => [p.index, p]));

describe('job history: the partner unmixed out of a job, against the Python reference', () => {
  it('reads the same samples as a job plus a partner, with the same partner profile', async () => {
    const recs = await records(AT);
    expect(recs.length).toBe(golden.rows);
    const got = partnersRead(recs, new JobHistories());
    expect([...got.keys()]).toEqual(golden.partners.map((p) => p.index));
    expect(got.size).toBeGreaterThan(100);
    for (const g of golden.partners) {
      const p = got.get(g.index)!;
      golden.columns.forEach((c, k) => expect(p[c] as number, `record ${g.index} ${c}`).toBeCloseTo(g.partner[k], 9));
      // Everything that is not a GPM column is the sample's own.
      expect(p.timestamp).toBe(recs[g.index].timestamp);
      expect(p['nvidia_smi_log.gpu.uuid']).toBe(recs[g.index]['nvidia_smi_log.gpu.uuid']);
    }
  });

  it('keeps GPUs apart: samples of another GPU in between change nothing', async () => {
    const recs = await records(AT);
    const other = (await records(join(ROOT, 'data/nvsmi-h200-gpm-av.jsonlines.gz'))).map((r) => ({ ...r, 'nvidia_smi_log.gpu.uuid': 'GPU-other' }));
    const h = new JobHistories();
    const got: number[] = [];
    let otherReads = 0;
    recs.forEach((r, i) => {
      // One of the other GPU's samples before each of this one's, at the same time (one tick, two GPUs).
      const o = { ...other[i % other.length], timestamp: r.timestamp };
      if (!isIdle(o) && h.observe(`x\u0000GPU-other`, o, r.timestamp as number)) otherReads++;
      if (!isIdle(r) && h.observe(`x\u0000${gpuIdOf(r, 0)}`, r, r.timestamp as number)) got.push(i);
    });
    expect(got).toEqual(golden.partners.map((p) => p.index));
    expect(otherReads).toBeGreaterThan(0);
  });

  it('refuses settings that cannot work, with a coded error', () => {
    for (const bad of [{ baseline: 0 }, { settle: -1 }, { settle: 1.5 }, { gapS: 0 }, { gapS: Infinity }, { drop: 0 }, { drop: 1 }, { drop: NaN }]) {
      expect(() => new JobHistory(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'ABP_BAD_ARGUMENT' }));
      expect(() => new JobHistories(bad)).toThrow(/history/);
    }
    expect(() => new JobHistory({ settle: undefined, drop: 0.5 })).not.toThrow();
  });

  it('reads nothing during the jobs alone, and a partner during most samples of the pairs whose partner takes real SM time', async () => {
    const recs = await records(AT);
    const pairs = new Map<string, { n: number; read: number }>();
    recs.forEach((r, i) => {
      const w = String(r.workload);
      if (w === 'startup' || isIdle(r)) return;
      if (!w.includes('+')) {
        expect(goldenAt.has(i), `${w} alone, record ${i}`).toBe(false);
        return;
      }
      const e = pairs.get(w) ?? { n: 0, read: 0 };
      e.n++;
      if (goldenAt.has(i)) e.read++;
      pairs.set(w, e);
    });
    expect(pairs.size).toBe(12);
    // A partner that takes little SM time (a throttled or polling miner, or one beside LLM decode, whose tensor
    // share is low to start with) leaves the job's anchor pipe within the drop: those pairs are not read.
    expect([...pairs.values()].filter((e) => e.read / e.n > 0.5).length).toBeGreaterThanOrEqual(8);
  });

  it('abp watch scores each partner as XGBoost does, and flags a sample on either verdict', async () => {
    const classifier = await openModelClassifier();
    const partner = (await openPartnerClassifier())!;
    expect(partner).not.toBeNull();
    expect(partner.threshold).toBe(0.7);
    try {
      const verdicts: TickVerdict[] = [];
      const history = { classifier: partner, threshold: partner.threshold };
      for await (const v of watchTicks(replayTicks(AT), classifier, { threshold: 0.5, history })) verdicts.push(v);
      const samples = verdicts.flatMap((v) => v.samples);
      expect(samples.length).toBe(golden.rows);
      let flaggedByPartnerOnly = 0;
      samples.forEach((s, i) => {
        const g = goldenAt.get(i);
        if (!g) {
          expect(s.partnerProbability, `record ${i}`).toBeNull();
          expect(s.mining).toBe(s.probability > 0.5);
          return;
        }
        expect(s.partnerProbability!, `record ${i}`).toBeCloseTo(g.probability, 5);
        expect(s.mining).toBe(s.probability > 0.5 || s.partnerProbability! > 0.7);
        if (s.mining && !(s.probability > 0.5)) flaggedByPartnerOnly++;
      });
      expect(flaggedByPartnerOnly).toBeGreaterThan(0);
      // The metrics count every partner read, and show the partner's verdict only while the last sample has one.
      const m = new WatchMetrics({ processMetrics: false });
      let lastRead = -1;
      for (const [i, v] of verdicts.entries()) {
        m.observe(v);
        if (v.samples[0].partnerProbability !== null) lastRead = i;
        const gauge = (await m.registry.getSingleMetric('abp_gpu_partner_mining_probability')!.get()).values;
        if (i === lastRead) expect(gauge.map((g) => g.value)).toEqual([v.samples[0].partnerProbability]);
        else expect(gauge).toEqual([]);
      }
      const counter = (await m.registry.getSingleMetric('abp_partner_samples_total')!.get()).values[0].value;
      expect(counter).toBe(golden.partners.length);
      // Without the history, the same replay has no partner verdicts.
      const off: TickVerdict[] = [];
      for await (const v of watchTicks(replayTicks(AT), classifier, { threshold: 0.5 })) off.push(v);
      expect(off.flatMap((v) => v.samples).every((s) => s.partnerProbability === null)).toBe(true);
    } finally {
      classifier.dispose();
      partner.dispose();
    }
  });
});

describe('abp watch --history', () => {
  it('is on by default, prints the partner verdict, and --no-history turns it off', async () => {
    const on = await abp(['watch', '--input', AT, '--format', 'json']);
    expect(on.code, on.stderr).toBe(0);
    const samples = on.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'sample');
    expect(samples.filter((s) => s.partnerFrom === 'history').length).toBe(golden.partners.length);
    const text = await abp(['watch', '--input', AT]);
    expect(text.stdout).toMatch(/ partner p=0\.\d{3}\n/);
    const off = await abp(['watch', '--input', AT, '--format', 'json', '--no-history']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout.trim().split('\n').map((l) => JSON.parse(l)).every((e) => e.partnerProbability === null)).toBe(true);
    const bad = await abp(['watch', '--input', AT, '--history-threshold', '1.5']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--history-threshold must be a probability from 0 to 1, got 1.5/);
  });

  it('says so and goes on without it when the model repository has no partner model', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'abp-repo-'));
    try {
      for (const m of ['abp-nvsmi-xgb', 'abp-gpm-xgb']) cpSync(join(ROOT, 'models', m), join(repo, m), { recursive: true });
      const r = await abp(['watch', '--input', AT, '--format', 'json', '--model-repository', repo]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('abp watch: job history off: the model repository has no abp-gpm-partner-xgb');
      expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).every((e) => e.partnerProbability === null)).toBe(true);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
