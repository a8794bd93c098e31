/**
 * Reads a Triton-style model repository: <repo>/<name>/config.pbtxt,
 * <repo>/<name>/<version>/<model file>, plus Morpheus' columns_fil.txt and
 * labels.txt beside the config. Everything a pipeline needs to run a model is
 * learned here, and every disagreement is a ModelConfigError naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ModelConfigError } from '../errors.js';
import { packageRoot } from '../native/addon.js';
import { readDerived } from './derived.js';
import { field, fields, isMessage, parsePbtxt, type PbMessage, type PbValue } from './pbtxt.js';

export type ModelFileFormat = 'binary' | 'json' | 'ubjson';

/** Triton FIL backend model_type → XGBoost file format and default file name. */
const MODEL_TYPES: Record<string, { format: ModelFileFormat; file: string }> = {
  xgboost: { format: 'binary', file: 'xgboost.model' },
  xgboost_json: { format: 'json', file: 'xgboost.json' },
  xgboost_ubj: { format: 'ubjson', file: 'xgboost.ubj' },
};

export interface ModelEntry {
  name: string;
  /** The model's directory in the repository. */
  dir: string;
  configPath: string;
  backend: string;
  maxBatchSize: number;
  /** Features per row declared by the config's first input (dims). */
  featureCount: number;
  modelType: string;
  format: ModelFileFormat;
  version: string;
  /** Absolute path of the model file. */
  modelFile: string;
  /** Decision threshold from the config's "threshold" parameter (default 0.5). */
  threshold: number;
  /** When true the model outputs classes (probability > threshold) instead of probabilities, like Triton FIL. */
  outputClass: boolean;
  /** Ordered feature column names from columns_fil.txt, when present. */
  columns?: string[];
  columnsFile?: string;
  /** derived_fil.txt (features computed from the columns), when present. */
  derivedFile?: string;
  /** Class labels from labels.txt, when present. */
  labels?: string[];
  labelsFile?: string;
}

/** Beside columns_fil.txt: features computed from the columns (see derived.ts). */
export const DERIVED_FILE = 'derived_fil.txt';

/** The model repository bundled with the package. */
export function defaultModelRepository(): string {
  return path.join(packageRoot, 'models');
}

function configError(message: string): never {
  throw new ModelConfigError('ABP_MODEL_CONFIG', message);
}

/** Largest config.pbtxt and name list read (real ones are a few KiB): a link to /dev/zero or a huge file is refused, not read until memory runs out. */
const MAX_CONFIG_BYTES = 1 << 20;
const MAX_LIST_BYTES = 16 << 20;

/** A repository text file: a regular file (links followed) of at most `limit` bytes, or a ModelConfigError naming it. */
function readText(file: string, limit: number): string {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return configError(`cannot read ${file}: it is not a regular file`);
    if (st.size > limit) return configError(`cannot read ${file}: ${st.size} bytes is more than the ${limit} allowed`);
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ModelConfigError) throw err;
    return configError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Reads a one-name-per-line file (columns_fil.txt, labels.txt): blank lines and surrounding spaces dropped. */
export function readNameList(file: string): string[] {
  const text = readText(file, MAX_LIST_BYTES);
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

function str(v: PbValue | undefined): string | undefined {
  return v === undefined || isMessage(v) ? undefined : String(v);
}

/** Triton parameters: [{ key: "k" value: { string_value: "v" } }, ...] → Map. */
function parameters(cfg: PbMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of fields(cfg, 'parameters')) {
    if (!isMessage(p)) continue;
    const key = str(field(p, 'key'));
    const value = field(p, 'value');
    if (key === undefined) continue;
    out.set(key, isMessage(value) ? (str(field(value, 'string_value')) ?? '') : (str(value) ?? ''));
  }
  return out;
}

function parseBool(v: string | undefined, fallback: boolean, what: string): boolean {
  if (v === undefined || v === '') return fallback;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  return configError(`${what}: expected "true" or "false", got "${v}"`);
}

/** Highest numeric version directory, as Triton's default version policy picks. */
function latestVersion(dir: string): string | undefined {
  let best: string | undefined;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    return configError(`cannot read the model directory ${dir}: ${(err as Error).message}`);
  }
  for (const e of entries) {
    if (e.isDirectory() && /^\d+$/.test(e.name) && (best === undefined || Number(e.name) > Number(best))) best = e.name;
  }
  return best;
}

/** Names of the models in a repository (directories holding a config.pbtxt). */
export function listModels(repository = defaultModelRepository()): string[] {
  if (!fs.existsSync(repository)) return [];
  return fs
    .readdirSync(repository, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(repository, e.name, 'config.pbtxt')))
    .map((e) => e.name)
    .sort();
}

/** Reads and checks a model's repository entry (no model bytes are loaded here). */
export function readModelEntry(name: string, repository = defaultModelRepository()): ModelEntry {
  if (!name || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
    configError(`invalid model name '${name}'`);
  }
  const dir = path.resolve(repository, name);
  const configPath = path.join(dir, 'config.pbtxt');
  if (!fs.existsSync(dir)) {
    const known = listModels(repository);
    configError(
      `model '${name}' not found in the model repository ${repository}` +
        (known.length ? ` (models there: ${known.join(', ')})` : ' (it holds no models)'),
    );
  }
  if (!fs.existsSync(configPath)) configError(`model '${name}': ${configPath} is missing`);
  const cfg = parsePbtxt(readText(configPath, MAX_CONFIG_BYTES), configPath);

  const cfgName = str(field(cfg, 'name'));
  if (cfgName !== undefined && cfgName !== name) {
    configError(`${configPath}: name "${cfgName}" does not match the directory name '${name}'`);
  }
  const backend = str(field(cfg, 'backend')) ?? str(field(cfg, 'platform')) ?? '';
  if (backend !== 'fil') configError(`${configPath}: backend "${backend}" is not supported (only "fil" forest models run here)`);

  const params = parameters(cfg);
  const modelType = params.get('model_type') ?? 'xgboost';
  const type = MODEL_TYPES[modelType];
  if (!type) {
    configError(`${configPath}: model_type "${modelType}" is not supported (supported: ${Object.keys(MODEL_TYPES).join(', ')})`);
  }

  const inputs = fields(cfg, 'input').filter(isMessage);
  if (inputs.length !== 1) configError(`${configPath}: expected exactly one input, found ${inputs.length}`);
  const dims = fields(inputs[0], 'dims').map(Number);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    configError(`${configPath}: input dims must be a positive feature count, e.g. dims: [ 29 ]`);
  }
  const featureCount = dims.reduce((a, b) => a * b, 1);
  const dataType = str(field(inputs[0], 'data_type'));
  if (dataType !== undefined && dataType !== 'TYPE_FP32') configError(`${configPath}: input data_type ${dataType} is not supported (TYPE_FP32 only)`);

  const maxBatchSize = Number(str(field(cfg, 'max_batch_size')) ?? 0);
  const threshold = Number(params.get('threshold') ?? '0.5');
  if (!Number.isFinite(threshold)) configError(`${configPath}: threshold "${params.get('threshold')}" is not a number`);
  const outputClass = parseBool(params.get('output_class'), false, `${configPath}: output_class`);

  const version = latestVersion(dir);
  if (version === undefined) configError(`model '${name}': no version directory (e.g. ${path.join(dir, '1')}) holding the model file`);
  const fileName = str(field(cfg, 'default_model_filename')) ?? type.file;
  // A file name inside the version directory, as Triton takes it: no path out of the repository.
  if (!fileName || fileName.includes('/') || fileName.includes('\\') || fileName === '.' || fileName === '..') {
    configError(`${configPath}: default_model_filename "${fileName}" is not a file name`);
  }
  const modelFile = path.join(dir, version, fileName);
  if (!fs.existsSync(modelFile)) {
    configError(`model '${name}': model file ${modelFile} is missing (model_type "${modelType}" expects ${fileName})`);
  }

  const entry: ModelEntry = {
    name, dir, configPath, backend, maxBatchSize, featureCount, modelType,
    format: type.format, version, modelFile, threshold, outputClass,
  };
  const columnsFile = path.join(dir, 'columns_fil.txt');
  const derivedFile = path.join(dir, DERIVED_FILE);
  if (fs.existsSync(derivedFile)) entry.derivedFile = derivedFile;
  if (fs.existsSync(columnsFile)) {
    entry.columnsFile = columnsFile;
    entry.columns = readNameList(columnsFile);
    const derived = entry.derivedFile ? readDerived(entry.derivedFile, entry.columns) : undefined;
    const width = entry.columns.length + (derived?.features.length ?? 0);
    if (width !== featureCount) {
      configError(
        `${columnsFile} lists ${entry.columns.length} columns${derived ? ` and ${derived.file} ${derived.features.length} derived features` : ''} but ${configPath} declares ${featureCount} features (input dims)`,
      );
    }
  }
  const labelsFile = path.join(dir, 'labels.txt');
  if (fs.existsSync(labelsFile)) {
    entry.labelsFile = labelsFile;
    entry.labels = readNameList(labelsFile);
  }
  return entry;
}
