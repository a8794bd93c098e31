/**
 * Episode-level evaluation of `abp watch`'s alerts on held-out telemetry:
 * every recorded sample, in time order, through the real watch loop
 * (watchTicks: idle samples skipped, K of the last N working samples), each
 * scored by the model trained WITHOUT its family (leave-one-family-out
 * probabilities written by scripts/train-gpm-model.py as lofo.f32).
 *
 *   npx tsx scripts/eval-episodes.ts --features build-train/gpm [--window 5 --min-flagged 3] [--card models/abp-gpm-xgb/README.md]
 *     [--probs logo.f32 --held-out "its GPU" --marker episodes-gpu]
 *
 * --probs names the held-out probabilities in the features folder (default
 * lofo.f32; logo.f32 = each GPU's recordings scored by the model trained on
 * the other GPUs'), --held-out says what was held out in the printed text,
 * --marker which `<!-- MARKER:begin/end -->` block of the card to rewrite.
 *
 * An episode is a run of samples of one workload (start-up gaps between them
 * are not episodes). A hashing episode is caught when an alert is active
 * during it, and the delay is from its first sample to the first alerted one;
 * a benign episode raises a false alarm when an alert fires during it. Each
 * episode starts from a fresh watch state, so nothing carries over.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Tick } from '../src/collect/collector.js';
import type { NvsmiRecord } from '../src/collect/flatten.js';
import { isIdle, watchTicks, type MiningClassifier } from '../src/collect/watch.js';
import { DEFAULT_ALERT_POLICY } from '../src/collect/alerts.js';
import { readJsonLines } from './jsonlines.js';

const { values } = parseArgs({
  options: {
    features: { type: 'string', default: 'build-train/gpm' },
    window: { type: 'string', default: String(DEFAULT_ALERT_POLICY.window) },
    'min-flagged': { type: 'string', default: String(DEFAULT_ALERT_POLICY.minFlagged) },
    card: { type: 'string' },
    json: { type: 'string' },
    probs: { type: 'string', default: 'lofo.f32' },
    'held-out': { type: 'string', default: 'its family' },
    marker: { type: 'string', default: 'episodes' },
  },
});

const dir = values.features!;
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { input: string; rows: number };
// A small file's Buffer is a view into Node's shared pool: copy just its bytes.
const probBytes = readFileSync(join(dir, values.probs!));
const probs = new Float32Array(probBytes.buffer.slice(probBytes.byteOffset, probBytes.byteOffset + probBytes.byteLength));
const rowsMeta = JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8')) as { source: string; t: number | null }[];
if (probs.length !== meta.rows || rowsMeta.length !== meta.rows) throw new Error(`${dir}: ${values.probs} or rows.json does not match ${meta.rows} rows`);

interface Episode {
  source: string;
  workload: string;
  label: number;
  samples: number;
  working: number;
  /** Seconds from the episode's first sample to its first alerted sample; null if none. */
  alertAfterS: number | null;
  /** Working samples during which an alert was active (a catch that is held, or one that clears). */
  alertedWorking: number;
  /** Benign: an alert fired during it, or a carried-over one outlived N working samples. */
  falseAlarm: boolean;
}

const window = Number(values.window);
const minFlagged = Number(values['min-flagged']);
const episodes: Episode[] = [];
let row = 0;
for (const source of meta.input.split(',')) {
  const records = readJsonLines(source) as NvsmiRecord[];
  const p = new Map<NvsmiRecord, number>();
  for (const r of records) p.set(r, probs[row++]);
  const classifier: MiningClassifier = { probabilities: async (rs) => rs.map((r) => p.get(r) ?? NaN) };
  // Episodes: runs of one workload; start-up gaps between them are left out.
  const runs: NvsmiRecord[][] = [];
  let prev = '';
  for (const r of records) {
    const w = String(r.workload ?? '');
    if (w === 'startup' || w === '') {
      prev = '';
      continue;
    }
    if (w !== prev) runs.push([]);
    runs[runs.length - 1].push(r);
    prev = w;
  }
  // Each episode from a fresh watch state: no alert carried over from the one before counts for it or against it.
  for (const run of runs) {
    const first = run[0];
    const ep: Episode = { source, workload: String(first.workload), label: Number(first.label), samples: 0, working: 0, alertAfterS: null, alertedWorking: 0, falseAlarm: false };
    episodes.push(ep);
    const t0 = Number(first.timestamp);
    const ticks = (async function* (): AsyncGenerator<Tick> {
      let i = 0;
      for (const r of run) yield { index: i++, timestamp: Number(r.timestamp), records: [r] };
    })();
    for await (const v of watchTicks(ticks, classifier, { window, minFlagged })) {
      ep.samples++;
      const working = !isIdle(v.tick.records[0]);
      if (working) ep.working++;
      if (working && v.samples[0].alert) ep.alertedWorking++;
      if (v.samples[0].alert && ep.alertAfterS === null) ep.alertAfterS = v.tick.timestamp - t0;
      if (ep.label === 0 && v.samples[0].alert) ep.falseAlarm = true;
    }
  }
}

const mining = episodes.filter((e) => e.label === 1);
const benign = episodes.filter((e) => e.label === 0);
const caught = mining.filter((e) => e.alertAfterS !== null);
const within30 = mining.filter((e) => e.alertAfterS !== null && e.alertAfterS <= 30);
const alarms = benign.filter((e) => e.falseAlarm);
const fmt = (e: Episode) => (e.alertAfterS === null ? 'missed' : `${e.alertAfterS.toFixed(1)} s`);
const held = (e: Episode) => (e.label && e.working ? `${Math.round((100 * e.alertedWorking) / e.working)} %` : '');
const lines = [
  `Episodes replayed through \`abp watch\`'s alert logic (K=${minFlagged} of N=${window} working samples, idle samples skipped), every sample scored by the model trained without ${values['held-out']} (\`scripts/eval-episodes.ts\`):`,
  '',
  `- hashing episodes alerted: **${caught.length} of ${mining.length}** (${within30.length} within 30 s of their start)`,
  `- benign episodes with a false alarm: **${alarms.length} of ${benign.length}**`,
  '',
  '| episode | label | samples | working | first alert / false alarm | alert up (hashing, share of working samples) |',
  '|---|---:|---:|---:|---|---:|',
  ...episodes.map((e) => `| \`${e.workload}\` | ${e.label} | ${e.samples} | ${e.working} | ${e.label ? fmt(e) : e.falseAlarm ? '**false alarm**' : 'none'} | ${held(e)} |`),
];
console.log(lines.join('\n'));
if (values.json) writeFileSync(values.json, JSON.stringify({ window, minFlagged, episodes }, null, 2) + '\n');
if (values.card) {
  const card = readFileSync(values.card, 'utf8');
  const b = `<!-- ${values.marker}:begin -->`;
  const e = `<!-- ${values.marker}:end -->`;
  const i = card.indexOf(b);
  const j = card.indexOf(e);
  if (i < 0 || j < i) throw new Error(`${values.card}: markers ${b} / ${e} not found`);
  writeFileSync(values.card, card.slice(0, i + b.length) + '\n' + lines.join('\n') + '\n' + card.slice(j));
}
