// `abp watch` as a child process for the metrics tests and the bench: started
// with --metrics-listen, its URL read from stderr; test files call
// afterAll(killWatches) so none outlives them, whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';

export const ROOT = new URL('..', import.meta.url).pathname;
const ENTRY = new URL('../src/cli/main.ts', import.meta.url).pathname;

const running = new Set<ChildProcess>();
/** SIGKILLs every watch started here that is still running. */
export function killWatches(): void {
  for (const c of running) c.kill('SIGKILL');
}

export interface WatchProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** The /metrics URL it printed (rejects when it exits first). */
  url: Promise<string>;
  /** Exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `abp watch ARGS`; with `stdin: 'pipe'` the caller feeds `child.stdin` (for `--input -`). */
export function startWatch(args: string[], opts: { stdin?: 'ignore' | 'pipe' } = {}): WatchProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'watch', ...args], { cwd: ROOT, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let gotUrl: (u: string) => void;
  let noUrl: (e: Error) => void;
  const url = new Promise<string>((res, rej) => {
    gotUrl = res;
    noUrl = rej;
  });
  url.catch(() => undefined);
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    const m = /serving metrics on (http:\/\/\S+)\n/.exec(stderr);
    if (m) gotUrl(m[1]);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      noUrl(new Error(`abp watch exited (${code ?? signal}) before serving metrics: ${stderr}`));
      resolve({ code, signal });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    url,
    exited,
  };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export async function scrape(url: string): Promise<Sample[]> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
  return parseExposition(await r.text());
}

export const valueOf = (samples: Sample[], name: string): number | undefined => samples.find((s) => s.name === name)?.value;
