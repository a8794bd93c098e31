import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TelemetryError } from '../src/errors.js';
import { flattenDocument, flattenNvsmi, type NvsmiRecord } from '../src/collect/flatten.js';
import { selectGpus } from '../src/collect/gpu-select.js';

// One raw `nvidia-smi -q -x` document (copy of shared/data/nvidia-smi-q-x-h200.xml)
// and the training records capture.py flattened on the same machine type and driver.
const XML = readFileSync(new URL('./fixtures/collect/nvidia-smi-q-x-h200.xml', import.meta.url), 'utf8');
const TRAIN: NvsmiRecord[] = gunzipSync(readFileSync(new URL('../data/nvsmi-h200-train.jsonlines.gz', import.meta.url)))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

// Fields that change from sample to sample: exactly the fields that take more
// than one value across the 1,020 training records (checked below, so this
// list cannot hide a field that is really constant).
const TIME_VARYING = new Set([
  'nvidia_smi_log.timestamp',
  'nvidia_smi_log.gpu.bar1_memory_usage.free',
  'nvidia_smi_log.gpu.bar1_memory_usage.used',
  'nvidia_smi_log.gpu.clocks.graphics_clock',
  'nvidia_smi_log.gpu.clocks.sm_clock',
  'nvidia_smi_log.gpu.clocks.video_clock',
  'nvidia_smi_log.gpu.clocks_event_reasons.clocks_event_reason_gpu_idle',
  'nvidia_smi_log.gpu.clocks_event_reasons.clocks_event_reason_sw_power_cap',
  'nvidia_smi_log.gpu.clocks_event_reasons_counters.clocks_event_reasons_counters_sw_power_cap',
  'nvidia_smi_log.gpu.fb_memory_usage.free',
  'nvidia_smi_log.gpu.fb_memory_usage.used',
  'nvidia_smi_log.gpu.gpu_memory_power_readings.average_power_draw',
  'nvidia_smi_log.gpu.gpu_power_readings.average_power_draw',
  'nvidia_smi_log.gpu.gpu_power_readings.instant_power_draw',
  'nvidia_smi_log.gpu.inforom_bbx_flush.latest_duration',
  'nvidia_smi_log.gpu.inforom_bbx_flush.latest_timestamp',
  'nvidia_smi_log.gpu.pci.rx_util',
  'nvidia_smi_log.gpu.pci.tx_util',
  'nvidia_smi_log.gpu.temperature.gpu_temp',
  'nvidia_smi_log.gpu.temperature.gpu_temp_tlimit',
  'nvidia_smi_log.gpu.temperature.memory_temp',
  'nvidia_smi_log.gpu.utilization.gpu_util',
  'nvidia_smi_log.gpu.utilization.memory_util',
  'nvidia_smi_log.gpu.processes',
  'timestamp',
]);
// The XML was taken on another H200 board of the same machine type: these
// identify the board, so they are constant in the records but not equal.
const BOARD_IDENTITY: Record<string, RegExp> = {
  'nvidia_smi_log.gpu.serial': /^\d{13}$/,
  'nvidia_smi_log.gpu.uuid': /^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  'nvidia_smi_log.gpu.pdi': /^0x[0-9a-f]{16}$/,
  'nvidia_smi_log.gpu.board_part_number': /^692-2G520-0282-00\d$/,
  'nvidia_smi_log.gpu.platformInfo.module_id': /^\d$/,
};
const GROUND_TRUTH = new Set(['label', 'workload']);
const PROCESS_PREFIX = 'nvidia_smi_log.gpu.processes.';

const collectorKeys = (r: NvsmiRecord) => Object.keys(r).filter((k) => !GROUND_TRUTH.has(k));

describe('flattenNvsmi on the real H200 document', () => {
  const [rec] = flattenNvsmi(XML, { hostname: 'vm', timestamp: 1795944854.5 });

  it('writes one record with the training records\' keys in the same order', () => {
    // Records captured while no process ran have the idle document's shape.
    const idle = TRAIN.filter((r) => r['nvidia_smi_log.gpu.processes'] === null);
    expect(idle.length).toBeGreaterThan(100);
    for (const r of idle) expect(Object.keys(rec)).toEqual(collectorKeys(r));
    expect(Object.keys(rec)).toHaveLength(218);
  });

  it('matches every training record field by field, except fields that change over time or name the board', () => {
    const varying = new Set<string>();
    const keys = new Set(TRAIN.flatMap((r) => Object.keys(r)));
    for (const k of keys) {
      if (GROUND_TRUTH.has(k) || k.startsWith(PROCESS_PREFIX)) continue;
      const values = new Set(TRAIN.map((r) => (k in r ? JSON.stringify(r[k]) : 'absent')));
      if (values.size > 1) varying.add(k);
    }
    // `processes` is null when idle and absent (replaced by process_info keys) otherwise.
    expect([...varying].sort()).toEqual([...TIME_VARYING].sort());

    let compared = 0;
    const mismatches: string[] = [];
    for (const r of TRAIN) {
      for (const k of Object.keys(rec)) {
        if (TIME_VARYING.has(k)) continue;
        if (k in BOARD_IDENTITY) {
          if (!BOARD_IDENTITY[k].test(String(rec[k])) || !BOARD_IDENTITY[k].test(String(r[k]))) mismatches.push(`${k}: ${rec[k]} / ${r[k]}`);
          continue;
        }
        if (rec[k] !== r[k]) mismatches.push(`${k}: ${JSON.stringify(rec[k])} != ${JSON.stringify(r[k])} (record at ${r.timestamp})`);
        compared++;
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(TRAIN.length * (218 - TIME_VARYING.size - Object.keys(BOARD_IDENTITY).length));
  });

  it('keeps units and text as written, null for empty elements, attributes with @', () => {
    expect(rec['nvidia_smi_log.gpu.@id']).toBe('00000000:00:06.0');
    expect(rec['nvidia_smi_log.gpu.pci.tx_util']).toBe('836 KB/s');
    expect(rec['nvidia_smi_log.gpu.fb_memory_usage.total']).toBe('143771 MiB');
    expect(rec['nvidia_smi_log.gpu.gpu_power_readings.instant_power_draw']).toBe('126.78 W');
    expect(rec['nvidia_smi_log.gpu.temperature.gpu_temp_max_tlimit_threshold']).toBe('-8 C');
    expect(rec['nvidia_smi_log.gpu.fan_speed']).toBe('N/A');
    // "<mig_devices>\n\t\t\tNone\n\t\t</mig_devices>": whitespace stripped.
    expect(rec['nvidia_smi_log.gpu.mig_devices']).toBe('None');
    // "<processes>\n\t\t</processes>": empty element.
    expect(rec['nvidia_smi_log.gpu.processes']).toBeNull();
    expect(Object.keys(rec).some((k) => k.includes('supported_clocks') || k.includes('supported_graphics_clock'))).toBe(false);
    expect(rec.hostname).toBe('vm');
    expect(rec.timestamp).toBe(1795944854.5);
    const keys = Object.keys(rec);
    expect(keys.slice(-2)).toEqual(['hostname', 'timestamp']);
  });
});

/** The real document with `gpu`'s `<processes>` element replaced. */
function withProcesses(xml: string, inner: string): string {
  const out = xml.replace(/<processes>\s*<\/processes>/, `<processes>${inner}</processes>`);
  expect(out).not.toBe(xml);
  return out;
}

const PROC = (pid: number, mem: string) =>
  `<process_info><gpu_instance_id>N/A</gpu_instance_id><compute_instance_id>N/A</compute_instance_id><pid>${pid}</pid><type>C</type><process_name>/opt/torch/.venv/bin/python3</process_name><used_memory>${mem}</used_memory></process_info>`;

describe('flattenNvsmi rule details', () => {
  it('a single process_info is not indexed, as in the training records', () => {
    const [rec] = flattenNvsmi(withProcesses(XML, PROC(529, '636 MiB')), { hostname: 'h', timestamp: 0 });
    const busy = TRAIN.find((r) => r['nvidia_smi_log.gpu.processes.process_info.pid'] === '529')!;
    const procKeys = (r: NvsmiRecord) => Object.keys(r).filter((k) => k.startsWith(PROCESS_PREFIX));
    expect(procKeys(rec)).toEqual(procKeys(busy));
    expect(collectorKeys(busy)).toEqual(Object.keys(rec));
    expect(rec['nvidia_smi_log.gpu.processes.process_info.used_memory']).toBe('636 MiB');
    expect(rec['nvidia_smi_log.gpu.processes']).toBeUndefined();
  });

  it('indexes a tag only when it repeats under one parent', () => {
    const [rec] = flattenNvsmi(withProcesses(XML, PROC(1, '1 MiB') + PROC(2, '2 MiB') + PROC(3, '3 MiB')), { hostname: 'h', timestamp: 0 });
    expect(rec['nvidia_smi_log.gpu.processes.process_info.0.pid']).toBe('1');
    expect(rec['nvidia_smi_log.gpu.processes.process_info.2.used_memory']).toBe('3 MiB');
    expect(rec['nvidia_smi_log.gpu.processes.process_info.pid']).toBeUndefined();
    const order = Object.keys(rec).filter((k) => k.startsWith(PROCESS_PREFIX));
    expect(order.slice(0, 7)).toEqual([
      'nvidia_smi_log.gpu.processes.process_info.0.gpu_instance_id',
      'nvidia_smi_log.gpu.processes.process_info.0.compute_instance_id',
      'nvidia_smi_log.gpu.processes.process_info.0.pid',
      'nvidia_smi_log.gpu.processes.process_info.0.type',
      'nvidia_smi_log.gpu.processes.process_info.0.process_name',
      'nvidia_smi_log.gpu.processes.process_info.0.used_memory',
      'nvidia_smi_log.gpu.processes.process_info.1.gpu_instance_id',
    ]);
    // `clocks` under gpu and `graphics_clock` in several parents: no index, one per parent.
    expect(rec['nvidia_smi_log.gpu.max_clocks.graphics_clock']).toBe('1980 MHz');
  });

  it('keeps attributes and text of a leaf, drops the text of an element with children, decodes entities', () => {
    const xml = XML.replace('<fan_speed>N/A</fan_speed>', '<fan_speed unit="%" src="a&amp;b">  42 &lt;x&gt;  </fan_speed>').replace(
      '<mig_mode>',
      '<mig_mode mode="m">stray text',
    );
    const [rec] = flattenNvsmi(xml, { hostname: 'h', timestamp: 0 });
    const keys = Object.keys(rec);
    expect(rec['nvidia_smi_log.gpu.fan_speed.@unit']).toBe('%');
    expect(rec['nvidia_smi_log.gpu.fan_speed.@src']).toBe('a&b');
    expect(rec['nvidia_smi_log.gpu.fan_speed']).toBe('42 <x>');
    expect(keys.indexOf('nvidia_smi_log.gpu.fan_speed.@unit')).toBe(keys.indexOf('nvidia_smi_log.gpu.fan_speed') - 2);
    expect(rec['nvidia_smi_log.gpu.mig_mode.@mode']).toBe('m');
    expect(rec['nvidia_smi_log.gpu.mig_mode']).toBeUndefined();
    expect(rec['nvidia_smi_log.gpu.mig_mode.current_mig']).toBe('Disabled');
  });

  it('writes one record per GPU, each with the shared top-level keys first', () => {
    const gpu = XML.slice(XML.indexOf('<gpu id='), XML.indexOf('</gpu>') + '</gpu>'.length);
    const second = gpu
      .replace('id="00000000:00:06.0"', 'id="00000000:00:07.0"')
      .replace(/<uuid>[^<]*<\/uuid>/, '<uuid>GPU-00000000-1111-2222-3333-444444444444</uuid>');
    const xml = XML.replace('</gpu>', `</gpu>\n${second}`).replace('<attached_gpus>1</attached_gpus>', '<attached_gpus>2</attached_gpus>');
    const recs = flattenNvsmi(xml, { hostname: 'h', timestamp: 5 });
    expect(recs).toHaveLength(2);
    for (const r of recs) {
      expect(Object.keys(r).slice(0, 4)).toEqual([
        'nvidia_smi_log.timestamp',
        'nvidia_smi_log.driver_version',
        'nvidia_smi_log.cuda_version',
        'nvidia_smi_log.attached_gpus',
      ]);
      expect(r['nvidia_smi_log.attached_gpus']).toBe('2');
      expect(r.timestamp).toBe(5);
    }
    expect(recs.map((r) => r['nvidia_smi_log.gpu.@id'])).toEqual(['00000000:00:06.0', '00000000:00:07.0']);
    // Selection by index, UUID (any case) and PCI bus id.
    expect(selectGpus(recs, ['1'])).toEqual([recs[1]]);
    expect(selectGpus(recs, ['gpu-00000000-1111-2222-3333-444444444444'])).toEqual([recs[1]]);
    expect(selectGpus(recs, ['00000000:00:06.0', '1'])).toEqual(recs);
    expect(() => selectGpus(recs, ['2'])).toThrow(/--gpu 2 matches no GPU \(present: 0=GPU-5dd2bfd5/);
  });

  it('rejects malformed documents with a clear error', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /malformed XML/],
      ['garbage', /malformed XML at line 1/],
      [XML.slice(0, XML.length / 2), /malformed XML/],
      ['<?xml version="1.0" ?><other><gpu/></other>', /expected one <nvidia_smi_log> document, got <other>/],
      ['Failed to initialize NVML: Driver/library version mismatch', /malformed XML/],
    ];
    for (const [doc, re] of cases) {
      let err: unknown;
      try {
        flattenDocument(doc);
      } catch (e) {
        err = e;
      }
      expect(err, doc.slice(0, 30)).toBeInstanceOf(TelemetryError);
      expect((err as TelemetryError).code).toBe('ABP_NVSMI_MALFORMED');
      expect((err as Error).message).toMatch(re);
    }
  });
});
