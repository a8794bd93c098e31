/** `abp detect IN [OUT]`: the whole ABP pipeline on the default model, with a summary of what was flagged. */
import type { Argv, CommandModule } from 'yargs';
import { Pipeline, stderrLogger } from '../pipeline/pipeline.js';
import type { DetectionSummary } from '../pipeline/summary.js';
import { reportCliError } from './run-command.js';
import { printable } from '../util/printable.js';

export interface DetectArgs {
  input: string;
  output?: string;
  'model-name'?: string;
  'model-repository'?: string;
  'columns-file'?: string;
  threshold?: number;
  'on-error': string;
  'max-line-bytes'?: number;
  overwrite: boolean;
  'pipeline-batch-size': number;
  'model-max-batch-size': number;
  'num-threads': number;
  device: string;
  'morpheus-digits': boolean;
  json: boolean;
  progress?: boolean;
}

const PROGRESS_EVERY_MS = 5000;

export function formatSummary(s: DetectionSummary, input: string, output: string | undefined): string {
  const lines = [
    `input:        ${printable(input)}`,
    ...(output ? [`output:       ${printable(output)}`] : []),
    `rows read:    ${s.rows}`,
    `rows flagged: ${s.flagged} (${printable(s.label)})`,
  ];
  const gpus = Object.entries(s.byGpu).sort((a, b) => b[1] - a[1]);
  const hosts = Object.entries(s.byHost).sort((a, b) => b[1] - a[1]);
  // GPU ids and hostnames are record values: escaped, never sent to the terminal raw.
  if (gpus.length) lines.push('flagged rows per GPU:', ...gpus.map(([k, v]) => `  ${printable(k)}  ${v}`));
  if (hosts.length) lines.push('flagged rows per host:', ...hosts.map(([k, v]) => `  ${printable(k)}  ${v}`));
  return lines.join('\n') + '\n';
}

export async function runDetect(a: DetectArgs): Promise<number> {
  try {
    const p = new Pipeline({
      pipelineBatchSize: a['pipeline-batch-size'],
      modelMaxBatchSize: a['model-max-batch-size'],
      numThreads: a['num-threads'],
      columnsFile: a['columns-file'],
      onError: a['on-error'],
      maxLineBytes: a['max-line-bytes'],
      logger: stderrLogger,
    })
      .fromFile(a.input)
      .deserialize()
      .preprocess({ rule: a['morpheus-digits'] ? 'morpheus-digits' : 'first-number' })
      .inference({ stage: 'inf-fil', modelName: a['model-name'], modelRepository: a['model-repository'], engineOptions: { device: a.device } })
      .addClass({ threshold: a.threshold });
    // Progress on stderr: live on a terminal; when asked for elsewhere, a line every 5 s.
    const progress = a.progress ?? Boolean(process.stderr.isTTY);
    if (progress) p.monitor({ description: 'abp detect', unit: 'rows', periodicMs: process.stderr.isTTY ? undefined : PROGRESS_EVERY_MS });
    p.summarize()
      .serialize();
    if (a.output) p.toFile(a.output, { overwrite: a.overwrite });
    const res = await p.run();
    const text = a.json ? JSON.stringify({ ...res.summary, seconds: res.seconds, malformed: res.malformed }) + '\n' : formatSummary(res.summary!, a.input, a.output);
    // Keep stdout for the records when they go there.
    (a.output === '-' ? process.stderr : process.stdout).write(text);
    return 0;
  } catch (err) {
    return reportCliError(err);
  }
}

export const detectCommand: CommandModule<object, DetectArgs> = {
  command: 'detect <input> [output]',
  describe: 'flag GPUs used for mining in JSON-lines telemetry (IN, - for stdin); writes every record with a boolean mining column to OUT (- for stdout) and prints a summary',
  builder: (y) =>
    (y as Argv)
      .positional('input', { type: 'string', describe: 'telemetry: JSON lines (.gz) or Arrow IPC; - for stdin' })
      .positional('output', { type: 'string', describe: 'output: JSON lines, .gz or .arrow; - for stdout; omit for the summary only' })
      .option('model-name', { type: 'string', describe: 'model in the model repository (default: abp-gpm-xgb when the input carries GPM values, else abp-nvsmi-xgb)' })
      .option('model-repository', { type: 'string', describe: "model repository directory (default: the package's models/)" })
      .option('columns-file', { type: 'string', describe: "feature columns, one per line (default: the model's columns_fil.txt)" })
      .option('threshold', { type: 'number', describe: "mining when probability > threshold (default: the model's, 0.5)" })
      .option('on-error', { type: 'string', default: 'fail', describe: 'malformed lines: fail, skip or quarantine:FILE' })
      .option('max-line-bytes', { type: 'number', describe: 'longest input line in bytes (default 64 MiB); a longer line is a bad line under --on-error' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing output file' })
      .option('pipeline-batch-size', { type: 'number', default: 1024, describe: 'rows per record batch of Arrow output' })
      .option('model-max-batch-size', { type: 'number', default: 8192, describe: 'rows per engine call' })
      .option('num-threads', { type: 'number', default: 0, describe: 'threads working on blocks of input, and engine threads per call (0 = one per core)' })
      .option('device', { type: 'string', default: 'auto', describe: 'engine device: auto (the GPU when one works, else the CPU), cpu, gpu, gpu:N' })
      .option('morpheus-digits', { type: 'boolean', default: false, describe: "Morpheus' first-digits rule (\"61.77 W\" -> 61)" })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' })
      .option('progress', { type: 'boolean', describe: 'show progress on stderr: rows, rate and how much of the input is read (default: when stderr is a terminal; elsewhere a line every 5 s)' })
      .example('abp detect data/nvsmi-h200-train.jsonlines.gz out.jsonlines', 'classify the bundled telemetry') as unknown as Argv<DetectArgs>,
  handler: async (a) => {
    process.exitCode = await runDetect(a);
  },
};
