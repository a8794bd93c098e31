/**
 * Command-line spelling rules shared by every yargs command (detect, watch,
 * collect, and any added later), applied to the raw arguments before yargs
 * sees them:
 *
 * - Options are declared in kebab-case (`--model-repository`) and that is the
 *   spelling help shows; `--model_repository` (Morpheus' snake_case) is the
 *   same option, because `_` in an option's name becomes `-` here. So a new
 *   option needs nothing more than a kebab-case declaration.
 * - A lone `-` (stdin/stdout) survives yargs, which would otherwise parse it
 *   as an option with an empty name (`true`, or `""` for a string positional).
 *
 * `abp run` has its own parser (run-command.ts), which accepts both spellings
 * the other way round: it shows Morpheus' snake_case names.
 */

/** Stands for a lone `-` while yargs parses; no real argument can hold a NUL. */
const STDIO_TOKEN = '\u0000-';

/** `--foo_bar[=v]` → `--foo-bar[=v]`; a lone `-` → a placeholder; nothing after `--`. */
export function normalizeArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let positionalOnly = false;
  for (const t of args) {
    if (t === '-') out.push(STDIO_TOKEN);
    else if (positionalOnly || !t.startsWith('--')) out.push(t);
    else if (t === '--') {
      positionalOnly = true;
      out.push(t);
    } else {
      const eq = t.indexOf('=');
      const name = eq === -1 ? t.slice(2) : t.slice(2, eq);
      out.push('--' + name.replace(/_/g, '-') + (eq === -1 ? '' : t.slice(eq)));
    }
  }
  return out;
}

/** yargs middleware (run before validation): puts back the `-` that normalizeArgs hid. */
export function restoreStdio(a: Record<string, unknown>): void {
  for (const k of Object.keys(a)) {
    const v = a[k];
    if (v === STDIO_TOKEN) a[k] = '-';
    else if (Array.isArray(v)) a[k] = v.map((x) => (x === STDIO_TOKEN ? '-' : x));
  }
}
