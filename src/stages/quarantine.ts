/**
 * `--on_error=quarantine:FILE`: malformed lines go to FILE, which is treated
 * like the output: never the input or the output file (by device and inode
 * or real path, not by name), never a link, device or directory, an existing
 * file only with overwrite, and written through a temporary file that is
 * renamed into place when the run succeeds (util/atomic-file.ts).
 */
import { OutputError } from '../errors.js';
import { AtomicFileSync, checkReplaceable, sameFile } from '../util/atomic-file.js';

const WHAT = 'quarantine file';

/** Fails before any work when `file` cannot be the quarantine file of a run reading `input` and writing `output` ('-': stdin/stdout). */
export function checkQuarantine(file: string, o: { input?: string; output?: string; overwrite: boolean }): void {
  if (o.input !== undefined && o.input !== '-' && sameFile(file, o.input)) {
    throw new OutputError('ABP_OUTPUT_SAME_FILE', `cannot write ${WHAT} ${file}: it is the input file ${o.input}`);
  }
  if (o.output !== undefined && o.output !== '-' && sameFile(file, o.output)) {
    throw new OutputError('ABP_OUTPUT_SAME_FILE', `cannot write ${WHAT} ${file}: it is the output file ${o.output}`);
  }
  checkReplaceable(file, o.overwrite, WHAT);
}

/** The quarantine file of one run: appears at commit() (empty when no line was malformed), or not at all. */
export class QuarantineFile {
  private readonly file: AtomicFileSync;
  constructor(readonly path: string, overwrite: boolean) {
    this.file = new AtomicFileSync(path, overwrite, WHAT);
  }
  write(line: Uint8Array): void {
    this.file.write(line);
  }
  commit(): void {
    this.file.commit();
  }
  abort(): void {
    this.file.abort();
  }
}
