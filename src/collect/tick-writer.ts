/**
 * JSON-lines output where each tick lands whole or not at all: a tick's lines
 * are joined and handed to one write, and `close()` resolves only once all of
 * it has reached the file or pipe.
 */
import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { OutputError } from '../errors.js';

export type OutputMode = 'create' | 'overwrite' | 'append';

export interface LineSink {
  /** Writes a block of complete lines in one piece. */
  write(block: string): Promise<void>;
  /** Flushes and releases; safe to call twice. */
  close(): Promise<void>;
  /** Where the lines go, for messages. */
  readonly name: string;
}

class FileSink implements LineSink {
  private closed = false;
  /** `size` is the length of the file up to the last whole block. */
  constructor(private readonly fh: FileHandle, readonly name: string, private size: number) {}
  async write(block: string): Promise<void> {
    const buf = Buffer.from(block, 'utf8');
    let off = 0;
    try {
      while (off < buf.length) {
        const { bytesWritten } = await this.fh.write(buf, off, buf.length - off);
        off += bytesWritten;
      }
      this.size += buf.length;
    } catch (err) {
      // A full disk mid-block: cut the file back to the last whole block.
      await this.fh.truncate(this.size).catch(() => undefined);
      throw new OutputError('ABP_OUTPUT_WRITE', `${this.name}: write failed: ${(err as Error).message}`, { cause: err });
    }
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.sync().catch(() => undefined);
    await this.fh.close();
  }
}

class StreamSink implements LineSink {
  private failed: Error | null = null;
  private readonly onError = (err: Error) => {
    this.failed = err;
  };
  constructor(private readonly stream: Writable, readonly name: string) {
    stream.on('error', this.onError);
  }
  write(block: string): Promise<void> {
    if (this.failed) return Promise.reject(this.wrap(this.failed));
    return new Promise((resolve, reject) => {
      this.stream.write(block, (err) => (err ? reject(this.wrap(err)) : resolve()));
    });
  }
  private wrap(err: Error): OutputError {
    const code = (err as NodeJS.ErrnoException).code === 'EPIPE' ? 'ABP_OUTPUT_CLOSED' : 'ABP_OUTPUT_WRITE';
    return new OutputError(code, `${this.name}: ${err.message}`, { cause: err });
  }
  async close(): Promise<void> {
    // stdout is never ended (the process may still print); pending writes have
    // already resolved because write() waits for each callback.
    this.stream.off('error', this.onError);
  }
}

/** A sink for `-` (stdout) or a file path. Refuses to replace an existing file unless told. */
export async function openLineSink(target: string, mode: OutputMode = 'create', stdout: Writable = process.stdout): Promise<LineSink> {
  if (target === '-') return new StreamSink(stdout, 'stdout');
  // A live recording is appended to as it goes, so it cannot be a temporary file renamed into
  // place; instead it never follows a symbolic link (O_NOFOLLOW): --force or --append on a link
  // planted at the target must not write through it to another file.
  const { O_WRONLY, O_CREAT, O_TRUNC, O_APPEND, O_EXCL, O_NOFOLLOW } = fsConstants;
  const flags =
    O_WRONLY | O_CREAT | O_NOFOLLOW | (mode === 'append' ? O_APPEND : mode === 'overwrite' ? O_TRUNC : O_EXCL);
  try {
    const fh = await open(target, flags, 0o644);
    const size = mode === 'append' ? (await fh.stat()).size : 0;
    return new FileSink(fh, target, size);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new OutputError('ABP_OUTPUT_EXISTS', `${target} exists; pass --force to overwrite or --append to add to it`, { cause: err });
    if (e.code === 'ELOOP') throw new OutputError('ABP_OUTPUT_NOT_FILE', `${target} is a symbolic link; abp does not write through one (give the real path)`, { cause: err });
    throw new OutputError('ABP_OUTPUT_OPEN', `${target}: cannot open for writing: ${e.message}`, { cause: err });
  }
}

/** One JSON line per record, the whole tick as one block. */
export function recordsBlock(records: ReadonlyArray<Record<string, unknown>>): string {
  let s = '';
  for (const r of records) s += JSON.stringify(r) + '\n';
  return s;
}
