/**
 * `abp run [run options] pipeline-fil [pipeline options] STAGE [stage options] ...`:
 * Morpheus' chained stage syntax, parsed segment by segment with click-like
 * messages and exit status 2 for usage errors.
 */
import { AbpError, UsageError } from '../errors.js';
import { Pipeline, stderrLogger, type StageSpec } from '../pipeline/pipeline.js';
import type { InputFormat } from '../stages/from-file.js';
import type { OutputFormat } from '../stages/to-file.js';
import { printableLines } from '../util/printable.js';
import { PIPELINE_FIL, RUN_GROUP, STAGES, STAGE_BY_NAME, type CommandDef, type OptDef } from './stage-table.js';

/** A usage error with the command path it concerns (for the Usage/Try lines). */
export class CliUsageError extends UsageError {
  readonly command: string;
  constructor(command: string, message: string) {
    super('ABP_USAGE', message);
    this.command = command;
  }
}

export class HelpRequest extends Error {
  constructor(readonly text: string) {
    super('help');
  }
}

type Values = Record<string, string | number | boolean | string[] | undefined>;

function parseBool(v: string, name: string, cmd: string): boolean {
  if (/^(1|true|t|yes|y|on)$/i.test(v)) return true;
  if (/^(0|false|f|no|n|off)$/i.test(v)) return false;
  throw new CliUsageError(cmd, `Invalid value for '--${name}': '${v}' is not a valid boolean.`);
}

function convert(def: OptDef, raw: string, cmd: string): string | number | boolean {
  switch (def.kind) {
    case 'int': {
      if (!/^[-+]?\d+$/.test(raw.trim())) throw new CliUsageError(cmd, `Invalid value for '--${def.name}': '${raw}' is not a valid integer.`);
      const n = Number(raw);
      if (def.name !== 'num_threads' && n < 1) throw new CliUsageError(cmd, `Invalid value for '--${def.name}': ${raw} is not in the range x>=1.`);
      if (n < 0) throw new CliUsageError(cmd, `Invalid value for '--${def.name}': ${raw} is not in the range x>=0.`);
      return n;
    }
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new CliUsageError(cmd, `Invalid value for '--${def.name}': '${raw}' is not a valid float.`);
      return n;
    }
    case 'bool':
    case 'flag':
      return parseBool(raw, def.name, cmd);
    default:
      if (def.choices && !def.choices.includes(raw)) {
        throw new CliUsageError(cmd, `Invalid value for '--${def.name}': '${raw}' is not one of ${def.choices.map((c) => `'${c}'`).join(', ')}.`);
      }
      return raw;
  }
}

/** Consumes options of `def` from tokens[i...]; stops at the first non-option token. */
function parseSegment(def: CommandDef, cmdPath: string, tokens: string[], i: number, helpText: () => string): { values: Values; next: number } {
  const values: Values = {};
  while (i < tokens.length) {
    const t = tokens[i];
    if (t === '--help' || t === '-h') throw new HelpRequest(helpText());
    if (!t.startsWith('--')) break;
    const eq = t.indexOf('=');
    const name = (eq === -1 ? t.slice(2) : t.slice(2, eq)).replace(/-/g, '_');
    const opt = def.options.find((x) => x.name === name);
    if (!opt) throw new CliUsageError(cmdPath, `No such option: ${eq === -1 ? t : t.slice(0, eq)}`);
    let raw: string;
    if (eq !== -1) raw = t.slice(eq + 1);
    else if (opt.kind === 'flag') raw = 'true';
    else if (opt.kind === 'bool' && (i + 1 >= tokens.length || tokens[i + 1].startsWith('--') || STAGE_BY_NAME.has(tokens[i + 1]))) raw = 'true';
    else {
      if (i + 1 >= tokens.length) throw new CliUsageError(cmdPath, `Option '--${name}' requires an argument.`);
      raw = tokens[++i];
    }
    const v = convert(opt, raw, cmdPath);
    if (opt.kind === 'list') {
      const prev = values[name];
      values[name] = [...(Array.isArray(prev) ? prev : []), String(v)];
    } else {
      values[name] = v;
    }
    i++;
  }
  for (const opt of def.options) {
    if (values[opt.name] === undefined && opt.required) throw new CliUsageError(cmdPath, `Missing option '--${opt.name}'.`);
    if (values[opt.name] === undefined && opt.default !== undefined) values[opt.name] = opt.default;
  }
  return { values, next: i };
}

function optionsHelp(def: CommandDef): string {
  const lines = def.options.map((opt) => {
    const meta = opt.kind === 'flag' ? '' : opt.kind === 'bool' ? ' BOOLEAN' : opt.kind === 'int' ? ' INTEGER' : opt.kind === 'float' ? ' FLOAT' : ' TEXT';
    const extra = [opt.required ? 'required' : '', opt.default !== undefined && opt.default !== '' ? `default: ${opt.default}` : '', opt.kind === 'list' ? 'repeatable' : '']
      .filter(Boolean)
      .join('; ');
    return `  --${opt.name}${meta}`.padEnd(38) + ` ${opt.help}${extra ? `  [${extra}]` : ''}`;
  });
  return ['Options:', ...lines, '  --help'.padEnd(38) + ' Show this message and exit.'].join('\n');
}

export function runHelp(): string {
  return `Usage: abp run [OPTIONS] COMMAND [ARGS]...\n\n  ${RUN_GROUP.help}\n\n${optionsHelp(RUN_GROUP)}\n\nCommands:\n  pipeline-fil  Run the inference pipeline with a FIL model\n`;
}

export function pipelineHelp(): string {
  const stages = STAGES.map((s) => `  ${s.name.padEnd(12)}  ${s.help.split('\n')[0]}`).join('\n');
  return `Usage: abp run pipeline-fil [OPTIONS] COMMAND1 [ARGS]... [COMMAND2 [ARGS]...]...\n\n  ${PIPELINE_FIL.help.replace(/\n/g, '\n  ')}\n\n${optionsHelp(PIPELINE_FIL)}\n\nCommands:\n${stages}\n`;
}

export function stageHelp(def: CommandDef): string {
  return `Usage: abp run pipeline-fil ${def.name} [OPTIONS]\n\n  ${def.help}\n\n${optionsHelp(def)}\n`;
}

function inputFormat(t: string | undefined): InputFormat | undefined {
  return t === 'gz' ? 'jsonlines-gz' : t === 'arrow' ? 'arrow' : t === 'json' || t === 'jsonlines' ? 'jsonlines' : undefined;
}

function outputFormat(t: string | undefined): OutputFormat | undefined {
  return t === 'gz' ? 'jsonlines-gz' : t === 'arrow' ? 'arrow-file' : t === 'arrows' ? 'arrow-stream' : t === 'json' || t === 'jsonlines' ? 'jsonlines' : undefined;
}

/** Builds the pipeline from the tokens after `run`. */
export function buildRunPipeline(tokens: string[]): Pipeline {
  const run = parseSegment(RUN_GROUP, 'abp run', tokens, 0, runHelp);
  let i = run.next;
  if (i >= tokens.length) throw new HelpRequest(runHelp());
  const group = tokens[i];
  if (group === 'pipeline-nlp' || group === 'pipeline-ae' || group === 'pipeline-other' || group === 'pipeline') {
    throw new CliUsageError('abp run', `'${group}' is not available here; only pipeline-fil (forest models) runs.`);
  }
  if (group !== 'pipeline-fil') throw new CliUsageError('abp run', `No such command '${group}'.`);
  const pf = parseSegment(PIPELINE_FIL, 'abp run pipeline-fil', tokens, i + 1, pipelineHelp);
  i = pf.next;
  if (i >= tokens.length) throw new HelpRequest(pipelineHelp());

  const r = run.values;
  const p = pf.values;
  const pipeline = new Pipeline({
    numThreads: r.num_threads as number,
    pipelineBatchSize: r.pipeline_batch_size as number,
    modelMaxBatchSize: r.model_max_batch_size as number,
    onError: r.on_error as string,
    columnsFile: p.columns_file as string | undefined,
    labelsFile: p.labels_file as string | undefined,
    labels: p.label as string[] | undefined,
    featureLength: p.model_fea_length as number | undefined,
    logger: stderrLogger,
  });

  while (i < tokens.length) {
    const name = tokens[i];
    const def = STAGE_BY_NAME.get(name);
    if (!def) throw new CliUsageError('abp run pipeline-fil', `No such command '${name}'.`);
    const seg = parseSegment(def, `abp run pipeline-fil ${name}`, tokens, i + 1, () => stageHelp(def));
    i = seg.next;
    pipeline.add(stageSpec(name, seg.values));
  }
  try {
    pipeline.validate();
  } catch (err) {
    if (err instanceof UsageError) throw new CliUsageError('abp run pipeline-fil', err.message);
    throw err;
  }
  return pipeline;
}

function stageSpec(name: string, v: Values): StageSpec {
  const str = (k: string) => v[k] as string | undefined;
  const list = (k: string) => v[k] as string[] | undefined;
  const num = (k: string) => v[k] as number | undefined;
  switch (name) {
    case 'from-file':
      return { type: 'from-file', filename: str('filename')!, format: inputFormat(str('file_type')), repeat: num('repeat'), maxLineBytes: num('max_line_bytes') };
    case 'deserialize':
      return { type: 'deserialize', onError: str('on_error') };
    case 'preprocess':
      return { type: 'preprocess', rule: v.morpheus_digits ? 'morpheus-digits' : 'first-number' };
    case 'inf-triton':
    case 'inf-fil':
      return {
        type: 'inference',
        stage: name,
        modelName: str('model_name'),
        modelRepository: str('model_repository'),
        serverUrl: str('server_url'),
        engineOptions: { device: str('device') ?? 'auto' },
        ...(name === 'inf-triton' ? { engine: str('engine') as 'auto' | 'triton' | 'embedded' | undefined, tritonHome: str('triton_home') } : {}),
      };
    case 'add-class':
      return { type: 'add-class', threshold: num('threshold'), labels: list('label'), prefix: str('prefix') };
    case 'add-scores':
      return { type: 'add-scores', labels: list('label'), prefix: str('prefix') };
    case 'filter':
      return { type: 'filter', threshold: num('threshold') };
    case 'monitor':
      return { type: 'monitor', description: str('description'), unit: str('unit') };
    case 'serialize':
      return { type: 'serialize', include: list('include'), exclude: list('exclude') };
    case 'to-file':
      return { type: 'to-file', filename: str('filename')!, overwrite: Boolean(v.overwrite), format: outputFormat(str('file_type')) };
    default:
      throw new CliUsageError('abp run pipeline-fil', `No such command '${name}'.`);
  }
}

/** Runs `abp run ...`; returns the exit status. */
export async function runCommand(tokens: string[]): Promise<number> {
  let pipeline: Pipeline;
  try {
    pipeline = buildRunPipeline(tokens);
  } catch (err) {
    return reportCliError(err);
  }
  process.stderr.write('Configuring Pipeline via CLI\n');
  try {
    const res = await pipeline.run();
    // Without to-file nothing is written: say where the rows went instead.
    const out = pipeline.stages.some((s) => s.type === 'to-file') ? `${res.rowsOut} rows written` : `${res.rowsOut} rows out, none written (no to-file stage)`;
    process.stderr.write(`Pipeline complete: ${res.rowsIn} rows read, ${out} in ${res.seconds.toFixed(2)} s\n`);
    return 0;
  } catch (err) {
    return reportCliError(err);
  }
}

/** Prints an error the click way; returns 2 for usage errors, 1 otherwise. */
export function reportCliError(err: unknown): number {
  if (err instanceof HelpRequest) {
    process.stdout.write(err.text);
    return 0;
  }
  if (err instanceof CliUsageError) {
    process.stderr.write(`Usage: ${err.command} [OPTIONS]\nTry '${err.command} --help' for help.\n\nError: ${printableLines(err.message)}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`Error: ${printableLines(err.message)}\n`);
    return 2;
  }
  const msg = err instanceof AbpError ? err.message : err instanceof Error ? err.message : String(err);
  // Messages quote input (a malformed line, a file name): escaped for the terminal.
  process.stderr.write(`Error: ${printableLines(msg)}\n`);
  if (process.env.ABP_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}
