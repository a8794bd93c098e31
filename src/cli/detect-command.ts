/** `abp detect IN [OUT]`: the whole ABP pipeline on the default model, with a summary of what was flagged. */
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_MODEL, Pipeline, stderrLogger } from '../pipeline/pipeline.js';
import type { DetectionSummary } from '../pipeline/summary.js';
import { reportCliError } from './run-command.js';

export interface DetectArgs {
  input: string;
  output?: string;
  model_name?: string;
  model_repository?: string;
  columns_file?: string;
  threshold?: number;
  on_error: string;
  max_line_bytes?: number;
  overwrite: boolean;
  pipeline_batch_size: number;
  model_max_batch_size: number;
  num_threads: number;
  device: string;
  morpheus_digits: boolean;
  json: boolean;
}

export function formatSummary(s: DetectionSummary, input: string, output: string | undefined): string {
  const lines = [
    `input:        ${input}`,
    ...(output ? [`output:       ${output}`] : []),
    `rows read:    ${s.rows}`,
    `rows flagged: ${s.flagged} (${s.label})`,
  ];
  const gpus = Object.entries(s.byGpu).sort((a, b) => b[1] - a[1]);
  const hosts = Object.entries(s.byHost).sort((a, b) => b[1] - a[1]);
  if (gpus.length) lines.push('flagged rows per GPU:', ...gpus.map(([k, v]) => `  ${k}  ${v}`));
  if (hosts.length) lines.push('flagged rows per host:', ...hosts.map(([k, v]) => `  ${k}  ${v}`));
  return lines.join('\n') + '\n';
}

export async function runDetect(a: DetectArgs): Promise<number> {
  try {
    const p = new Pipeline({
      pipelineBatchSize: a.pipeline_batch_size,
      modelMaxBatchSize: a.model_max_batch_size,
      numThreads: a.num_threads,
      columnsFile: a.columns_file,
      onError: a.on_error,
      maxLineBytes: a.max_line_bytes,
      logger: stderrLogger,
    })
      .fromFile(a.input)
      .deserialize()
      .preprocess({ rule: a.morpheus_digits ? 'morpheus-digits' : 'first-number' })
      .inference({ stage: 'inf-fil', modelName: a.model_name, modelRepository: a.model_repository, engineOptions: { device: a.device } })
      .addClass({ threshold: a.threshold })
      .summarize()
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
      .option('model_name', { type: 'string', describe: 'model in the model repository (default: abp-gpm-xgb when the input carries GPM values, else abp-nvsmi-xgb)' })
      .option('model_repository', { type: 'string', describe: "model repository directory (default: the package's models/)" })
      .option('columns_file', { type: 'string', describe: "feature columns, one per line (default: the model's columns_fil.txt)" })
      .option('threshold', { type: 'number', describe: "mining when probability > threshold (default: the model's, 0.5)" })
      .option('on_error', { type: 'string', default: 'fail', describe: 'malformed lines: fail, skip or quarantine:FILE' })
      .option('max_line_bytes', { type: 'number', describe: 'longest input line in bytes (default 64 MiB); a longer line is a bad line under --on_error' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing output file' })
      .option('pipeline_batch_size', { type: 'number', default: 1024, describe: 'rows per record batch of Arrow output' })
      .option('model_max_batch_size', { type: 'number', default: 8192, describe: 'rows per engine call' })
      .option('num_threads', { type: 'number', default: 0, describe: 'threads working on blocks of input, and engine threads per call (0 = one per core)' })
      .option('device', { type: 'string', default: 'auto', describe: 'engine device: auto (the GPU when one works, else the CPU), cpu, gpu, gpu:N' })
      .option('morpheus_digits', { type: 'boolean', default: false, describe: "Morpheus' first-digits rule (\"61.77 W\" -> 61)" })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' })
      .example('abp detect data/nvsmi-h200-train.jsonlines.gz out.jsonlines', 'classify the bundled telemetry') as unknown as Argv<DetectArgs>,
  handler: async (a) => {
    process.exitCode = await runDetect(a);
  },
};
