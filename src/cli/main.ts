#!/usr/bin/env node
/**
 * The `abp` command. `abp run ...` takes Morpheus' chained stage syntax
 * (parsed in run-command.ts); the other commands are yargs modules.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { collectCommand } from './collect-command.js';
import { detectCommand } from './detect-command.js';
import { normalizeArgs, restoreStdio } from './options.js';
import { CliUsageError, reportCliError, runCommand } from './run-command.js';
import { packageVersion } from './version.js';
import { watchCommand } from './watch-command.js';

const COMMANDS = new Set(['detect', 'collect', 'watch']);

/** Morpheus' global options before `run` (--log_level, --debug): accepted, they change nothing here. */
function stripGlobalOptions(args: string[]): string[] {
  const out = [...args];
  while (out.length && out[0].startsWith('--') && out[0] !== '--help' && out[0] !== '--version') {
    const t = out.shift()!;
    const name = t.replace(/-/g, '_');
    if ((name === '__log_level' || name === '__log_config_file' || name === '__plugin') && out.length) out.shift();
  }
  return out;
}

async function main(): Promise<number> {
  const args = hideBin(process.argv);
  const rest = stripGlobalOptions(args);
  if (rest[0] === 'run') return runCommand(rest.slice(1));
  let failed: number | undefined;
  const command = COMMANDS.has(args[0]) ? `abp ${args[0]}` : 'abp';
  await yargs(normalizeArgs(args))
    .scriptName('abp')
    .usage('$0 <command> [options]\n\nFinds GPUs abused for cryptocurrency mining from nvidia-smi telemetry (Morpheus ABP, in Node.js).')
    .middleware(restoreStdio, true)
    .command('run', "run a pipeline in Morpheus' stage syntax: abp run pipeline-fil from-file ... to-file ... (see abp run --help)", () => undefined, () => undefined)
    .command(detectCommand)
    .command(collectCommand)
    .command(watchCommand)
    .demandCommand(1, 'Give a command (detect, run, collect, watch).')
    .strict()
    // A usage error stops here, before the command's handler runs (yargs would carry on if this returned).
    .fail((msg, err) => {
      if (err) throw err;
      // yargs' words for a missing positional say nothing about which one.
      if (command === 'abp detect' && /^Not enough non-option arguments/.test(msg)) msg = 'give the input: abp detect IN [OUT] (IN or OUT - for stdin/stdout)';
      throw new CliUsageError(command, msg);
    })
    .help()
    .version(packageVersion())
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
