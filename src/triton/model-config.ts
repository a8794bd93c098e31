/**
 * The configuration a model is loaded into Triton with. The repository's
 * config.pbtxt is never edited: when it does not fit the server or the FIL
 * backend at hand, the whole configuration goes to Triton as a load-time
 * override (TRITONSERVER_ServerLoadModelWithParameters' "config" parameter,
 * Triton's JSON form of ModelConfig), changed in two places only:
 * - instance_group kind: KIND_CPU where the pipeline runs on the CPU (a
 *   CPU-only Triton refuses KIND_GPU), KIND_GPU where it runs on a GPU;
 * - FIL's classifier switch: `output_class` (FIL before r25.09) is called
 *   `is_classifier` from r25.09 on, which warns about the old name.
 */
import fs from 'node:fs';
import { ModelConfigError } from '../errors.js';
import { field, fields, isMessage, parsePbtxt, type PbMessage, type PbValue } from '../model-repo/pbtxt.js';

export type InstanceKind = 'KIND_CPU' | 'KIND_GPU';
/** Which name the FIL backend at hand reads: r25.09 and newer `is_classifier`, older `output_class`. */
export type ClassifierParam = 'is_classifier' | 'output_class';

/*
 * Protocol buffers' text format does not say whether a field is repeated or
 * a map; its JSON form does (arrays, objects), and Triton's JSON parser is
 * strict. These are the repeated and map fields of Triton's model_config.proto
 * (ModelConfig and the messages under it), by field name.
 */
const REPEATED = new Set([
  'input', 'output', 'batch_input', 'batch_output', 'instance_group', 'model_warmup', 'dims', 'gpus',
  'secondary_devices', 'profile', 'shape', 'target_name', 'source_input', 'versions', 'dim', 'graph_spec',
  'gpu_execution_accelerator', 'cpu_execution_accelerator', 'preferred_batch_size', 'int32_false_true',
  'fp32_false_true', 'bool_false_true', 'control', 'control_input', 'state', 'initial_state', 'step',
  'op_library_filename', 'agents', 'buckets', 'metric_control', 'resources',
]);
const MAPS = new Set(['parameters', 'cc_model_filenames', 'metric_tags', 'input_map', 'output_map', 'priority_queue_policy', 'inputs']);
/** `input` is a map (name → shape) inside CUDA graph specs, a repeated ModelInput elsewhere. */
const MAP_UNDER: Record<string, string[]> = { input: ['graph_spec', 'lower_bound'] };

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function scalar(v: PbValue): Json {
  return isMessage(v) ? toJson(v, '') : v;
}

/** A parsed config.pbtxt (or any message of it) in Triton's JSON form. `parent`: the field holding `m`. */
export function toJson(m: PbMessage, parent = ''): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [name, vals] of m.fields) {
    if (MAPS.has(name) || MAP_UNDER[name]?.includes(parent)) {
      const obj: { [k: string]: Json } = {};
      for (const e of vals) {
        if (!isMessage(e)) continue;
        const key = field(e, 'key');
        const value = field(e, 'value');
        if (key === undefined || isMessage(key)) continue;
        obj[String(key)] = value === undefined ? null : isMessage(value) ? toJson(value, name) : value;
      }
      out[name] = obj;
    } else if (REPEATED.has(name)) {
      out[name] = vals.map((v) => (isMessage(v) ? toJson(v, name) : v));
    } else {
      const v = vals[vals.length - 1];
      out[name] = isMessage(v) ? toJson(v, name) : scalar(v);
    }
  }
  return out;
}

export interface LoadConfig {
  /** The configuration Triton gets, JSON; undefined when config.pbtxt fits as it is (plain load). */
  override?: string;
  /** What the override changes, for the log ("instance_group kind KIND_GPU → KIND_CPU"). */
  changes: string[];
}

/**
 * The load configuration for the model whose config.pbtxt is `configPath`, on instances of `kind`, for a
 * FIL backend reading `classifier`. Other backends keep their parameters.
 */
export function loadConfig(configPath: string, kind: InstanceKind, classifier: ClassifierParam): LoadConfig {
  let cfg: PbMessage;
  try {
    cfg = parsePbtxt(fs.readFileSync(configPath, 'utf8'), configPath);
  } catch (err) {
    if (err instanceof ModelConfigError) throw err;
    throw new ModelConfigError('ABP_MODEL_CONFIG', `cannot read ${configPath}: ${(err as Error).message}`, { cause: err });
  }
  const json = toJson(cfg);
  const changes: string[] = [];

  const groups = fields(cfg, 'instance_group').filter(isMessage);
  const jsonGroups = (json.instance_group as { [k: string]: Json }[] | undefined) ?? [];
  if (groups.length === 0) {
    // Triton's default (one KIND_GPU instance per GPU, else KIND_CPU) already follows the server; name it anyway,
    // so that a GPU Triton on a pipeline running on the CPU keeps the model off the GPU.
    json.instance_group = [{ kind, count: 1 }];
    changes.push(`instance_group [{ kind: ${kind} }] (none given)`);
  } else {
    jsonGroups.forEach((g, i) => {
      const was = String(g.kind ?? 'KIND_AUTO');
      if (was === kind || was === 'KIND_MODEL') return;
      g.kind = kind;
      if (kind === 'KIND_CPU') delete g.gpus; // gpus is for GPU groups only
      changes.push(`instance_group[${i}] kind ${was} → ${kind}`);
    });
  }

  const backend = field(cfg, 'backend');
  const params = json.parameters as { [k: string]: Json } | undefined;
  if (backend === 'fil' && params) {
    const from: ClassifierParam = classifier === 'is_classifier' ? 'output_class' : 'is_classifier';
    if (from in params) {
      if (!(classifier in params)) params[classifier] = params[from];
      delete params[from];
      changes.push(`parameter ${from} → ${classifier}`);
    }
  }
  return changes.length ? { override: JSON.stringify(json), changes } : { changes };
}
