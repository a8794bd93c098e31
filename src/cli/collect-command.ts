/**
 * `abp collect`: records `nvidia-smi -q -x` as JSON lines, one record per GPU
 * per tick, in the layout of the training data.
 */
import { existsSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { AbpError, OutputError, UsageError } from '../errors.js';
import { collectTicks, type ErrorPolicy } from '../collect/collector.js';
import { parseDuration } from '../collect/duration.js';
import { parseGpuSelectors } from '../collect/gpu-select.js';
import { GPM_MODES, type GpmMode } from '../collect/gpm/index.js';
import { abortOnInterrupt } from '../collect/interrupt.js';
import { openLineSink, recordsBlock, type LineSink, type OutputMode } from '../collect/tick-writer.js';
import { printable, printableLines } from '../util/printable.js';

export interface CollectArgs {
  interval: string;
  count?: number;
  output: string;
  gpu?: Array<string | number>;
  'nvidia-smi'?: string;
  timeout: string;
  'on-error': ErrorPolicy;
  'max-errors': number;
  force: boolean;
  append: boolean;
  gpm: GpmMode;
}

/** Options shared by `collect` and `watch` (how to sample). */
export function samplingOptions<T>(y: Argv<T>, onErrorDefault: ErrorPolicy) {
  return y
    .option('interval', { type: 'string', default: '1s', describe: 'time between samples (500ms, 1s, 2m; a bare number is seconds)' })
    .option('count', { type: 'number', describe: 'stop after this many samples (default: until Ctrl-C); with --on-error=skip, as many failed samples end the run' })
    .option('gpu', { type: 'string', array: true, describe: 'only these GPUs: index, UUID or PCI bus id (repeat or comma-separate)' })
    .option('nvidia-smi', { type: 'string', describe: 'nvidia-smi binary (default: $ABP_NVIDIA_SMI or nvidia-smi on PATH)' })
    .option('timeout', { type: 'string', default: '10s', describe: 'kill an nvidia-smi call that takes longer than this' })
    .option('on-error', {
      choices: ['fail', 'skip'] as const,
      default: onErrorDefault,
      describe: 'a failing nvidia-smi call or malformed document: stop with the error, or log it and skip the sample',
    })
    .option('max-errors', { type: 'number', default: 30, describe: 'with --on-error=skip, give up after this many failed samples in a row' })
    .option('gpm', {
      choices: GPM_MODES,
      default: 'auto' as GpmMode,
      describe: 'GPM work-activity keys (Hopper and newer): auto, nvml, dmon (nvidia-smi dmon child), or off (keys null)',
    });
}

/** Prints, once per GPU, why its GPM keys are null (and which source reads them). */
export function gpmNotice(command: string): (gpu: string, message: string) => void {
  return (gpu, message) => process.stderr.write(`abp ${command}: ${printable(gpu)}: ${printableLines(message)}\n`);
}

/** Prints an error the way every abp command does and sets the exit status. */
export function reportError(command: string, err: unknown): void {
  const e = err as AbpError;
  const code = e instanceof AbpError ? ` [${e.code}]` : '';
  process.stderr.write(`abp ${command}: ${printableLines(e?.message ?? String(err))}${code}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}

function checkCount(count: number | undefined): number | undefined {
  if (count === undefined) return undefined;
  if (!Number.isInteger(count) || count < 0) throw new UsageError('ABP_BAD_ARGUMENT', `--count must be a non-negative integer, got ${count}`);
  return count;
}

export async function runCollect(argv: CollectArgs): Promise<void> {
  const ac = new AbortController();
  let sink: LineSink | null = null;
  let ticks = 0;
  const stop = abortOnInterrupt(ac);
  try {
    if (argv.force && argv.append) throw new UsageError('ABP_BAD_ARGUMENT', '--force and --append exclude each other');
    const mode: OutputMode = argv.append ? 'append' : argv.force ? 'overwrite' : 'create';
    if (mode === 'create' && argv.output !== '-' && existsSync(argv.output)) {
      throw new OutputError('ABP_OUTPUT_EXISTS', `${argv.output} exists; pass --force to overwrite or --append to add to it`);
    }
    const source = collectTicks({
      intervalMs: parseDuration(argv.interval, 'interval'),
      count: checkCount(argv.count),
      gpus: parseGpuSelectors(argv.gpu),
      nvidiaSmi: argv['nvidia-smi'],
      timeoutMs: parseDuration(argv.timeout, 'timeout'),
      onError: argv['on-error'],
      maxConsecutiveErrors: argv['max-errors'],
      onSkip: (e) => process.stderr.write(`abp collect: skipped a sample: ${printableLines(e.message)} [${e.code}]\n`),
      signal: ac.signal,
      gpm: argv.gpm,
      onGpmNotice: gpmNotice('collect'),
    });
    for await (const tick of source) {
      // Opened at the first sample so a run that fails at once leaves no file behind.
      sink ??= await openLineSink(argv.output, mode);
      await sink.write(recordsBlock(tick.records));
      ticks++;
    }
    if (ac.signal.aborted) process.stderr.write(`abp collect: stopped after ${ticks} sample(s)\n`);
  } catch (err) {
    // A reader that went away (`abp collect | head`) ends the run quietly.
    if (err instanceof OutputError && err.code === 'ABP_OUTPUT_CLOSED') return;
    reportError('collect', err);
  } finally {
    stop();
    await sink?.close();
  }
}

export const collectCommand: CommandModule<object, CollectArgs> = {
  command: 'collect',
  describe: 'record nvidia-smi telemetry as JSON lines (one record per GPU per sample)',
  builder: (y) =>
    samplingOptions(y, 'fail')
      .option('output', { alias: 'o', type: 'string', nargs: 1, default: '-', describe: 'file to write, or - for stdout' })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing output file' })
      .option('append', { type: 'boolean', default: false, describe: 'append to an existing output file' })
      .example('abp collect --count=5', 'five samples of every GPU to stdout')
      .example('abp collect --interval=500ms --gpu 0 -o gpu0.jsonl', 'GPU 0 twice a second into a file until Ctrl-C') as unknown as Argv<CollectArgs>,
  handler: (argv) => runCollect(argv),
};

export default collectCommand;
