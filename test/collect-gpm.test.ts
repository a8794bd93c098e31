import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fakeScripts } from './fake-nvidia-smi.js';
import { collectTicks } from '../src/collect/collector.js';
import { DmonTable, GPM_KEYS, GpmAttacher, withGpm, type GpmSource } from '../src/collect/gpm/index.js';
import { flattenNvsmi } from '../src/collect/flatten.js';

// The real nvidia-smi cannot run here. These stand-ins answer `-q -x` with
// the real H200 document and `dmon --gpm-metrics ...` with dmon's table (the
// header and line layout nvidia-smi 580 prints on the H200, values from
// ../shared/data/README.md's table for bf16 GEMM).
const XML_FILE = new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url).pathname;
const SHARED_GPM = new URL('../../shared/data/nvsmi-h200-gpm-train.jsonlines.gz', import.meta.url).pathname;
const { fake } = fakeScripts('abp-gpm-');

const HEADER = [
  '# gpu     sm    mem    enc    dec    jpg    ofa  gract smutil  smocc intutil mmaact  dfmat  hmmat  immat   dram   fp64   fp32   fp16  pcitx  pcirx',
  '# Idx      %      %      %      %      %      %      %      %      %       %      %      %      %      %      %      %      %      %  MiB/s  MiB/s',
].join('\n');
const dmonLoop = (rows: string) => `printf '%s\\n' '${HEADER.split('\n')[0]}' '${HEADER.split('\n')[1]}'
printf '%s\\n' '    0      -      -      -      -      -      -      -      -      -       -      -      -      -      -      -      -      -      -      -      -'
while true; do
${rows}
sleep 0.1
done`;
const withDmon = fake(
  'gpm-good',
  `if [ "$1" = dmon ]; then
${dmonLoop(`printf '%s\\n' '    0     99     14      0      0      0      0     95     95     27        1     92      0     92      0     17      0      0      0      4     13'`)}
fi
[ "$1 $2" = "-q -x" ] || exit 9
cat '${XML_FILE}'`,
);
// An older GPU: dmon refuses GPM.
const noGpm = fake(
  'gpm-unsupported',
  `if [ "$1" = dmon ]; then echo "GPM metrics are not supported on this device" >&2; exit 3; fi
cat '${XML_FILE}'`,
);
// MIG enabled: the document says so.
const migXml = readFileSync(XML_FILE, 'utf8').replace(/<current_mig>[^<]*<\/current_mig>/, '<current_mig>Enabled</current_mig>');
const mig = fake('gpm-mig', `if [ "$1" = dmon ]; then ${dmonLoop(`echo '    0     99     14      0      0      0      0     95     95     27        1     92      0     92      0     17      0      0      0      4     13'`)}; fi\ncat <<'XML'\n${migXml}\nXML`);

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('GPM keys in collected records', () => {
  it('the 14 keys sit after the GPU keys and before hostname, in the layout of the shared GPM data', () => {
    const shared = gunzipSync(readFileSync(SHARED_GPM)).toString('utf8').split('\n')[0];
    const ref = JSON.parse(shared) as Record<string, unknown>;
    const refKeys = Object.keys(ref).filter((k) => k !== 'label' && k !== 'workload');
    const rec = withGpm(flattenNvsmi(readFileSync(XML_FILE, 'utf8'), { hostname: 'h', timestamp: 1 })[0], null);
    const keys = Object.keys(rec);
    // The same key sequence around the GPM block as capture.py's records.
    const gpmAt = keys.indexOf(GPM_KEYS[0]);
    expect(keys.slice(gpmAt, gpmAt + 14)).toEqual([...GPM_KEYS]);
    expect(keys.slice(gpmAt + 14)).toEqual(['hostname', 'timestamp']);
    expect(refKeys.slice(refKeys.indexOf(GPM_KEYS[0]))).toEqual(keys.slice(gpmAt));
    expect(keys[gpmAt - 1]).toBe(refKeys[refKeys.indexOf(GPM_KEYS[0]) - 1]);
  });

  it('dmon lines become record text with units; "-" is null; MIG instance rows are ignored', () => {
    const t = new DmonTable();
    t.push(HEADER.split('\n')[0], 0);
    t.push(HEADER.split('\n')[1], 0);
    t.push('    0     99     14      0      0      0      0     95     95     27        1     92      0     92      0     17      0      0      0      4     13', 5);
    expect(t.latest.get('0')!.values).toMatchObject({ sm_activity: '95 %', tensor_activity: '92 %', integer_activity: '1 %', pcie_rx_bytes: '13 MiB/s', dfma_tensor_activity: '0 %' });
    t.push('    1      -      -      -      -      -      -      -      -      -       -      -      -      -      -      -      -      -      -      -      -', 6);
    expect(Object.values(t.latest.get('1')!.values).every((v) => v === null)).toBe(true);
    const m = new DmonTable();
    m.push('# gpu gi ci smutil intutil', 0);
    m.push('    0  0  0     50      40', 1);
    m.push('    0  -  -     60      45', 1);
    expect(m.latest.get('0')!.values).toMatchObject({ sm_activity: '60 %', integer_activity: '45 %' });
  });

  it('collect attaches the newest dmon values to every record', async () => {
    const ticks = await all(collectTicks({ nvidiaSmi: withDmon, intervalMs: 300, count: 4, gpm: 'dmon' }));
    const last = ticks.at(-1)!.records[0];
    expect(last['nvidia_smi_log.gpu.gpm.sm_activity']).toBe('95 %');
    expect(last['nvidia_smi_log.gpu.gpm.hmma_tensor_activity']).toBe('92 %');
    expect(last['nvidia_smi_log.gpu.gpm.pcie_tx_bytes']).toBe('4 MiB/s');
    for (const t of ticks) for (const k of GPM_KEYS) expect(k in t.records[0]).toBe(true);
  });

  it('where GPM is not supported the keys are null and one notice per GPU says why', async () => {
    const notices: string[] = [];
    const ticks = await all(collectTicks({ nvidiaSmi: noGpm, intervalMs: 200, count: 4, gpm: 'dmon', onGpmNotice: (g, m) => notices.push(`${g}: ${m}`) }));
    for (const t of ticks) for (const k of GPM_KEYS) expect(t.records[0][k]).toBeNull();
    // One for the choice of source, one for the GPU (not one per tick).
    const gpuNotices = notices.filter((n) => n.startsWith('GPU 0'));
    expect(gpuNotices).toHaveLength(1);
    expect(gpuNotices[0]).toMatch(/GPU 0 \(GPU-5dd2bfd5.*exited with status 3: GPM metrics are not supported/);
    // Everything else is as without GPM.
    expect(ticks[0].records[0]['nvidia_smi_log.gpu.pci.tx_util']).toBe('836 KB/s');
  });

  it('a GPU in MIG mode gets null keys with a notice, not whole-GPU values', async () => {
    const notices: string[] = [];
    const ticks = await all(collectTicks({ nvidiaSmi: mig, intervalMs: 300, count: 3, gpm: 'dmon', onGpmNotice: (g, m) => notices.push(`${g}: ${m}`) }));
    expect(ticks.at(-1)!.records[0]['nvidia_smi_log.gpu.gpm.sm_activity']).toBeNull();
    expect(notices.filter((n) => /MIG mode is enabled/.test(n))).toHaveLength(1);
  });

  it('a control character in a GPU id is escaped in the notice', async () => {
    const notices: string[] = [];
    const source: GpmSource = { kind: 'dmon', sample: async (r) => r.map(() => ({ values: null, reason: 'test' })), close: async () => {} };
    const rec = flattenNvsmi(readFileSync(XML_FILE, 'utf8'), { hostname: 'h', timestamp: 1 })[0];
    rec['nvidia_smi_log.gpu.uuid'] = 'GPU-\u001b[31mred';
    await new GpmAttacher(source, (g, m) => notices.push(`${g}: ${m}`)).attach([rec]);
    expect(notices[0]).toBe('GPU 0 (GPU-\\x1b[31mred): test');
  });
});
