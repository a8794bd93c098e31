/** Runs the abp CLI from source (node --import tsx), as a user would run the built one. */
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(__dirname, '..');
// tsx by path, so that a run from another working directory finds it.
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** `timeoutMs`: kill the child after that long (for inputs that would otherwise run on, e.g. /dev/zero). */
export function abp(args: string[], opts: { input?: string; cwd?: string; timeoutMs?: number } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['--import', TSX, path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: opts.cwd ?? ROOT, maxBuffer: 1 << 28, timeout: opts.timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** A pid that no process has now: that of a child that has exited. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

/** Temporary output files (`.OUT.abp-tmp-PID-*`) in a directory. */
export const tempFiles = (dir: string) => fs.readdirSync(dir).filter((n) => n.includes('.abp-tmp-'));

/**
 * Starts `abp ARGS` (a long run writing into `dir`), waits until its temporary
 * output file has data, sends `signal`, and returns how it exited and what it
 * printed. A child still alive afterwards is killed, so no long writer is left
 * behind a failed assertion.
 */
export async function interruptMidWrite(dir: string, args: string[], signal: NodeJS.Signals) {
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const t = tempFiles(dir);
      if (t.length && fs.statSync(path.join(dir, t[0])).size > 0) break;
      if (Date.now() > deadline) throw new Error(`no temporary file appeared: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill(signal);
    return { ...(await exited), stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
