// Stand-ins for nvidia-smi (the real one cannot run here; the collect and
// watch tests point the collector at these): executable /bin/sh scripts in a
// temporary directory removed after the test file.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A directory for this test file's scripts, and a maker of scripts in it. */
export function fakeScripts(prefix: string): { dir: string; fake(name: string, body: string): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    fake(name: string, body: string): string {
      const p = join(dir, name);
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    },
  };
}
