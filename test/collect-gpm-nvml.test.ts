// The NVML GPM source against a stand-in libnvidia-ml (test/fixtures/nvml-stub.c,
// compiled here with cc: there is no driver on this machine). The stub's
// devices and their behaviour come from $ABP_NVML_STUB, read at nvmlInit_v2.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectTicks } from '../src/collect/collector.js';
import { GPM_KEYS, GPM_METRICS, GpmAttacher, NvmlGpmSource, openGpmSource } from '../src/collect/gpm/index.js';
import { flattenNvsmi, type NvsmiRecord } from '../src/collect/flatten.js';
import { fakeScripts } from './fake-nvidia-smi.js';

const STUB_C = new URL('./fixtures/nvml-stub.c', import.meta.url).pathname;
const XML_FILE = new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url).pathname;
const H200_UUID = 'GPU-5dd2bfd5-7daa-9be5-4a7f-8f2acff29ee6';
const dir = mkdtempSync(join(tmpdir(), 'abp-nvml-'));
const stub = join(dir, 'libnvidia-ml-stub.so');
const stubNoGpm = join(dir, 'libnvidia-ml-old.so');
const { fake } = fakeScripts('abp-nvml-smi-');

beforeAll(() => {
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', stub, STUB_C]);
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-DSTUB_NO_GPM', '-o', stubNoGpm, STUB_C]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every source a test opens is closed after it, pass or fail: the stub reads
// its devices at the first nvmlInit only, so one left open would leak its
// devices into the next test.
const opened: { close(): Promise<void> }[] = [];
async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const s = await p;
  opened.push(s);
  return s;
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

const saved = { lib: process.env.ABP_NVML_LIBRARY, stub: process.env.ABP_NVML_STUB, log: process.env.ABP_NVML_STUB_LOG, init: process.env.ABP_NVML_STUB_INIT };
afterEach(() => {
  for (const [k, v] of [
    ['ABP_NVML_LIBRARY', saved.lib],
    ['ABP_NVML_STUB', saved.stub],
    ['ABP_NVML_STUB_LOG', saved.log],
    ['ABP_NVML_STUB_INIT', saved.init],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** Stub devices: [uuid, pci bus id, mode]. */
function useStub(devices: [string, string, string][], library = stub): string {
  process.env.ABP_NVML_LIBRARY = library;
  process.env.ABP_NVML_STUB = devices.map((d) => d.join(',')).join(';');
  const log = join(dir, `log-${Math.random().toString(36).slice(2)}`);
  process.env.ABP_NVML_STUB_LOG = log;
  return log;
}

const rec = (uuid: string | null, pci: string | null): NvsmiRecord => ({ 'nvidia_smi_log.gpu.uuid': uuid, 'nvidia_smi_log.gpu.pci.pci_bus_id': pci });
/** What the stub answers for metric `id` of device `dev` over the interval that starts at its sample `n`. */
const expected = (dev: number, id: number, n: number) => 10 * dev + id + n / 2;

describe('NVML GPM source (stand-in libnvidia-ml)', () => {
  it('values for the interval since the previous sample, one GPU after another; the first sample is quietly null', async () => {
    const log = useStub([
      ['GPU-a', '00000000:01:00.0', 'gpm'],
      ['GPU-b', '00000000:02:00.0', 'gpm'],
    ]);
    const s = await track(NvmlGpmSource.open());
    expect(s.devices.map((d) => [d.uuid, d.gpm])).toEqual([
      ['GPU-a', true],
      ['GPU-b', true],
    ]);
    // nvidia-smi's order need not be NVML's: records name GPU-b first.
    const records = [rec('GPU-b', '00000000:02:00.0'), rec('GPU-a', '00000000:01:00.0')];
    const first = await s.sample(records);
    expect(first).toEqual([
      { values: null, quiet: true },
      { values: null, quiet: true },
    ]);
    for (let n = 1; n <= 3; n++) {
      const r = await s.sample(records);
      // The stub refuses non-consecutive or reversed samples, so values mean the right pair was used.
      for (const [i, dev] of [
        [0, 1],
        [1, 0],
      ]) {
        const v = r[i].values!;
        for (const m of GPM_METRICS) expect(v[m.name]).toBe(`${expected(dev, m.id, n)} ${m.unit}`);
      }
    }
    await s.close();
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    // Two sample buffers per GPU, all freed before nvmlShutdown.
    expect(lines.filter((l) => l === 'alloc')).toHaveLength(4);
    expect(lines.filter((l) => l === 'free')).toHaveLength(4);
    expect(lines[0]).toBe('init');
    expect(lines.at(-1)).toBe('shutdown');
    expect(await s.sample(records)).toEqual([
      { values: null, reason: 'NVML is closed' },
      { values: null, reason: 'NVML is closed' },
    ]);
  });

  it('finds a GPU by PCI bus id when NVML does not know its UUID; a GPU it does not know at all gets a reason', async () => {
    useStub([['GPU-a', '00000000:01:00.0', 'gpm']]);
    const s = await track(NvmlGpmSource.open());
    const records = [rec('GPU-renamed', '00000000:01:00.0'), rec('GPU-z', '00000000:09:00.0')];
    await s.sample(records);
    const r = await s.sample(records);
    expect(r[0].values!.sm_activity).toBe(`${expected(0, 2, 1)} %`);
    expect(r[1].values).toBeNull();
    expect(r[1].reason).toMatch(/NVML does not know this GPU: nvmlDeviceGetHandleByUUID: Not Found .*nvmlDeviceGetHandleByPciBusId_v2: Not Found/);
    await s.close();
  });

  it('unsupported, MIG and failing GPUs: reasons, a failed sample starts a new interval, one missing metric is null', async () => {
    useStub([
      ['GPU-n', '00000000:01:00.0', 'nogpm'],
      ['GPU-m', '00000000:02:00.0', 'mig'],
      ['GPU-i', '00000000:03:00.0', 'migdev'],
      ['GPU-f', '00000000:04:00.0', 'fail'],
      ['GPU-p', '00000000:05:00.0', 'partial'],
    ]);
    const s = await track(NvmlGpmSource.open());
    expect(s.gpmDevices).toBe(3);
    expect(s.devices.find((d) => d.uuid === 'GPU-n')!.reason).toMatch(/GPM is not supported on this GPU/);
    expect(s.devices.find((d) => d.uuid === 'GPU-i')!.reason).toMatch(/a MIG instance/);
    const records = ['n', 'm', 'i', 'f', 'p'].map((x, i) => rec(`GPU-${x}`, `00000000:0${i + 1}:00.0`));
    const ticks = [];
    for (let t = 0; t < 5; t++) ticks.push(await s.sample(records));
    for (const t of ticks) {
      expect(t[0]).toEqual({ values: null, reason: 'GPM is not supported on this GPU (Hopper or newer; not on virtual GPUs)' });
      expect(t[1].reason).toMatch(/^MIG mode is enabled/);
      expect(t[2].reason).toMatch(/^a MIG instance/);
    }
    // fail: samples 1, 2 fine, the third call fails, the fourth starts over, the fifth has values again.
    expect(ticks.map((t) => t[3].values?.sm_activity ?? t[3].reason ?? (t[3].quiet ? 'quiet' : '?'))).toEqual([
      'quiet',
      `${expected(3, 2, 1)} %`,
      'nvmlGpmSampleGet: Unknown Error (NVML 999)',
      'quiet',
      `${expected(3, 2, 3)} %`,
    ]);
    const p = ticks[1][4].values!;
    expect(p.imma_tensor_activity).toBeNull();
    expect(p.tensor_activity).toBe(`${expected(4, 5, 1)} %`);
    await s.close();
  });

  it('a driver without GPM functions: every GPU says why', async () => {
    useStub([['GPU-a', '00000000:01:00.0', 'gpm']], stubNoGpm);
    const s = await track(NvmlGpmSource.open());
    expect(s.gpmDevices).toBe(0);
    const [r] = await s.sample([rec('GPU-a', null)]);
    expect(r.values).toBeNull();
    expect(r.reason).toMatch(/no GPM functions.*driver 520 or newer/);
    await s.close();
  });

  it('no libnvidia-ml, or nvmlInit failing: a clear reason; auto falls back to nvidia-smi dmon, nvml gives null keys', async () => {
    process.env.ABP_NVML_LIBRARY = join(dir, 'no-such-libnvidia-ml.so.1');
    await expect(NvmlGpmSource.open()).rejects.toMatchObject({ code: 'ABP_NVML_UNAVAILABLE', message: expect.stringMatching(/cannot load .*no-such-libnvidia-ml\.so\.1 \(no NVIDIA driver here\?\)/) });
    const choices: string[] = [];
    const auto = await track(openGpmSource('auto', { nvidiaSmi: '/bin/false', onChoice: (m) => choices.push(m) }));
    expect(auto.kind).toBe('dmon');
    await auto.close();
    expect(choices[0]).toMatch(/^GPM: nvidia-smi dmon \(NVML: cannot load .*no-such-libnvidia-ml/);
    const asked = await track(openGpmSource('nvml', { onChoice: (m) => choices.push(m) }));
    expect(asked.kind).toBe('nvml');
    const [r] = await asked.sample([rec(H200_UUID, null)]);
    expect(r.values).toBeNull();
    expect(r.reason).toMatch(/cannot load/);

    useStub([['GPU-a', '00000000:01:00.0', 'gpm']]);
    process.env.ABP_NVML_STUB_INIT = '9';
    await expect(NvmlGpmSource.open()).rejects.toThrow('nvmlInit_v2: Driver Not Loaded (NVML 9)');
  });

  it('auto picks NVML when a GPU reads GPM through it, dmon when none does', async () => {
    useStub([
      ['GPU-n', '00000000:01:00.0', 'nogpm'],
      ['GPU-a', '00000000:02:00.0', 'gpm'],
    ]);
    const choices: string[] = [];
    const s = await track(openGpmSource('auto', { nvidiaSmi: '/bin/false', onChoice: (m) => choices.push(m) }));
    expect(s.kind).toBe('nvml');
    expect(choices).toEqual([`GPM: NVML (${stub}: 1 of 2 GPU(s) read GPM)`]);
    await s.close();
    useStub([['GPU-n', '00000000:01:00.0', 'nogpm']]);
    const d = await track(openGpmSource('auto', { nvidiaSmi: '/bin/false', onChoice: (m) => choices.push(m) }));
    expect(d.kind).toBe('dmon');
    await d.close();
    expect(choices[1]).toBe('GPM: nvidia-smi dmon (NVML: no GPU reads GPM through NVML (GPM is not supported on this GPU (Hopper or newer; not on virtual GPUs)))');
  });
});

describe('collect with --gpm=nvml (stand-in libnvidia-ml)', () => {
  // Three H200s in one document: the real one, one NVML knows only by PCI bus
  // id, and one whose GPM is not supported.
  const xml = readFileSync(XML_FILE, 'utf8');
  const gpu = xml.slice(xml.indexOf('<gpu id='), xml.indexOf('</gpu>') + '</gpu>'.length);
  const other = (pci: string, uuid: string) =>
    gpu.replaceAll('00000000:00:06.0', pci).replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuid}</uuid>`);
  const three = xml.replace('</gpu>', `</gpu>\n${other('00000000:00:07.0', 'GPU-record-only')}\n${other('00000000:00:08.0', 'GPU-old')}`);
  const threeFile = join(dir, 'three.xml');
  writeFileSync(threeFile, three);
  const smi = fake('three', `cat '${threeFile}'`);
  const devices: [string, string, string][] = [
    [H200_UUID, '00000000:00:06.0', 'gpm'],
    ['GPU-nvml-name', '00000000:00:07.0', 'gpm'],
    ['GPU-old', '00000000:00:08.0', 'nogpm'],
  ];

  it('every record carries the keys; values from the second tick on; one notice for the GPU without GPM', async () => {
    useStub(devices);
    const notices: string[] = [];
    const ticks = [];
    for await (const t of collectTicks({ nvidiaSmi: smi, intervalMs: 0, count: 4, gpm: 'nvml', onGpmNotice: (g, m) => notices.push(`${g}: ${m}`) })) ticks.push(t);
    expect(ticks.map((t) => t.records.length)).toEqual([3, 3, 3, 3]);
    for (const t of ticks) for (const r of t.records) expect(Object.keys(r).slice(-16)).toEqual([...GPM_KEYS, 'hostname', 'timestamp']);
    for (const k of GPM_KEYS) expect(ticks[0].records[0][k]).toBeNull();
    expect(ticks[1].records[0]['nvidia_smi_log.gpu.gpm.sm_activity']).toBe(`${expected(0, 2, 1)} %`);
    expect(ticks[3].records[1]['nvidia_smi_log.gpu.gpm.pcie_rx_bytes']).toBe(`${expected(1, 21, 3)} MiB/s`);
    for (const t of ticks) for (const k of GPM_KEYS) expect(t.records[2][k]).toBeNull();
    expect(notices).toEqual([
      `all GPUs: GPM: NVML (asked for; ${stub}: 2 of 3 GPU(s) read GPM)`,
      'GPU 2 (GPU-old): GPM is not supported on this GPU (Hopper or newer; not on virtual GPUs)',
    ]);
    // Everything else is as without GPM.
    expect(ticks[0].records[0]['nvidia_smi_log.gpu.pci.tx_util']).toBe('836 KB/s');
  });

  it('a GPU whose record says MIG is enabled keeps null keys even though NVML would read it', async () => {
    useStub(devices);
    const notices: string[] = [];
    const migXml = three.replace(/<current_mig>[^<]*<\/current_mig>/, '<current_mig>Enabled</current_mig>');
    const records = () => flattenNvsmi(migXml, { hostname: 'h', timestamp: 1 });
    const s = await track(NvmlGpmSource.open());
    const a = new GpmAttacher(s, (g, m) => notices.push(`${g}: ${m}`));
    await a.attach(records());
    const out = await a.attach(records());
    await a.close();
    expect(out[0]['nvidia_smi_log.gpu.gpm.sm_activity']).toBeNull();
    expect(out[1]['nvidia_smi_log.gpu.gpm.sm_activity']).toBe(`${expected(1, 2, 1)} %`);
    expect(notices.filter((n) => n.startsWith('GPU 0'))).toEqual([`GPU 0 (${H200_UUID}): MIG mode is enabled: whole-GPU GPM activity cannot be attributed to one instance`]);
  });
});
