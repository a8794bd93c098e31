/**
 * Where Triton might be installed, and what each place has: the server
 * library and the FIL backend. Order: --triton_home, TRITON_HOME, then
 * /opt/tritonserver (NVIDIA's container).
 */
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_TRITON_HOME = '/opt/tritonserver';

export interface TritonHomeReport {
  home: string;
  library: string;
  backends: string;
  filBackend: string;
  hasLibrary: boolean;
  hasFilBackend: boolean;
}

export function tritonHomes(explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const h of [explicit, env.TRITON_HOME, DEFAULT_TRITON_HOME]) {
    if (h && !out.includes(path.resolve(h))) out.push(path.resolve(h));
  }
  return out;
}

export function libraryPath(home: string): string {
  return path.join(home, 'lib', 'libtritonserver.so');
}

export function inspectHome(home: string): TritonHomeReport {
  const library = libraryPath(home);
  const backends = path.join(home, 'backends');
  const filBackend = path.join(backends, 'fil', 'libtriton_fil.so');
  return { home, library, backends, filBackend, hasLibrary: isFile(library), hasFilBackend: isFile(filBackend) };
}

/** One line per home: what was looked for and what was missing. */
export function describeHomes(reports: TritonHomeReport[]): string {
  return reports
    .map((r) => {
      const missing = [!r.hasLibrary && `${r.library} (server library)`, !r.hasFilBackend && `${r.filBackend} (FIL backend)`].filter(Boolean);
      return `  ${r.home}: ${missing.length ? `missing ${missing.join(', ')}` : 'library and FIL backend present'}`;
    })
    .join('\n');
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
