#!/usr/bin/env node
/**
 * The `abp` command. `abp run ...` takes Morpheus' chained stage syntax
 * (parsed in run-command.ts); the other commands are yargs modules.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { collectCommand } from './collect-command.js';
import { detectCommand } from './detect-command.js';
import { reportCliError, runCommand } from './run-command.js';
import { watchCommand } from './watch-command.js';

/** Morpheus' global options before `run` (--log_level, --debug): accepted, they change nothing here. */
function stripGlobalOptions(args: string[]): string[] {
  const out = [...args];
  while (out.length && out[0].startsWith('--') && out[0] !== '--help' && out[0] !== '--version') {
    const t = out.shift()!;
    if ((t === '--log_level' || t === '--log_config_file' || t === '--plugin') && out.length) out.shift();
  }
  return out;
}

async function main(): Promise<number> {
  const args = hideBin(process.argv);
  const rest = stripGlobalOptions(args);
  if (rest[0] === 'run') return runCommand(rest.slice(1));
  let failed: number | undefined;
  await yargs(args)
    .scriptName('abp')
    .usage('$0 <command> [options]\n\nFinds GPUs abused for cryptocurrency mining from nvidia-smi telemetry (Morpheus ABP, in Node.js).')
    .command('run', "run a pipeline in Morpheus' stage syntax: abp run pipeline-fil from-file ... to-file ... (see abp run --help)", () => undefined, () => undefined)
    .command(detectCommand)
    .command(collectCommand)
    .command(watchCommand)
    .demandCommand(1, 'Give a command (detect, run, collect, watch).')
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`Usage: abp <command> [options]\nTry 'abp --help' for help.\n\nError: ${msg}\n`);
      failed = 2;
    })
    .help()
    .version()
    .parseAsync()
    .catch((err: unknown) => {
      failed = reportCliError(err);
    });
  return failed ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportCliError(err);
  },
);
