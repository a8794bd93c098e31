/**
 * Files that appear whole or not at all (the output and the quarantine file):
 * written under a temporary name beside the target, `.NAME.abp-tmp-PID-RANDOM`,
 * and renamed into place only when the run succeeded.
 *
 * Temporary files are removed on failure, at exit, and on SIGINT/SIGTERM/SIGHUP
 * (then the process exits with 128 + the signal number, as the shell would
 * report, unless the application handles the signal itself). A SIGKILL cannot
 * be caught: it leaves the temporary file beside the target, and the next run
 * writing that target removes those whose process is no longer alive.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OutputError } from '../errors.js';

const MARK = '.abp-tmp-';

/** A fresh temporary name beside `target`. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}${MARK}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

// --- temporary files of this process, removed on a signal or at exit ------------

const live = new Set<string>();
const SIGNALS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
let exitHooked = false;

function onSignal(signal: NodeJS.Signals): void {
  removeLiveTemps();
  // Ours is the only handler: do what the default action would have done (end
  // the process), with the status a shell reports for it. Otherwise the
  // application decides; its write then fails on the removed file.
  if (process.listenerCount(signal) === 1) process.exit(128 + SIGNALS[signal]);
}

/** Notes a temporary file of this process (removed on a signal or at exit until released). */
export function trackTemp(file: string): void {
  if (live.size === 0) for (const s of Object.keys(SIGNALS)) process.on(s, onSignal);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', removeLiveTemps);
  }
  live.add(file);
}

/** The temporary file was renamed into place or removed. */
export function untrackTemp(file: string): void {
  if (!live.delete(file)) return;
  if (live.size === 0) for (const s of Object.keys(SIGNALS)) process.off(s, onSignal);
}

/** Removes every temporary file this process has open; returns how many. */
export function removeLiveTemps(): number {
  let n = 0;
  for (const f of live) {
    try {
      fs.rmSync(f, { force: true });
      n++;
    } catch {
      // Nothing more can be done at exit.
    }
  }
  live.clear();
  return n;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files left beside `target` by runs that were killed
 * (their process no longer exists on this machine); returns their paths.
 * Files of live processes, and of this one, are left alone.
 */
export function removeStaleTemps(target: string): string[] {
  const dir = path.dirname(path.resolve(target));
  const prefix = `.${path.basename(target)}${MARK}`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-z]+$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      fs.rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

// --- checks before a run, and the final rename ------------------------------------

/**
 * Fails early, before any work, unless `file` can be written: its directory
 * exists, and it is absent or (with overwrite) a regular file. A symbolic link
 * is refused, never followed: replacing it would not write where it points.
 */
export function checkReplaceable(file: string, overwrite: boolean, what = 'output'): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new OutputError('ABP_OUTPUT_EXISTS', `cannot write ${what} ${file}: it is a directory`);
  if (st?.isSymbolicLink()) throw new OutputError('ABP_OUTPUT_NOT_FILE', `cannot write ${what} ${file}: it is a symbolic link (give the file it points to)`);
  if (st && !st.isFile()) throw new OutputError('ABP_OUTPUT_NOT_FILE', `cannot write ${what} ${file}: it is not a regular file${what === 'output' ? ' (use - for stdout)' : ''}`);
  if (st && !overwrite) throw new OutputError('ABP_OUTPUT_EXISTS', `cannot write ${what} ${file}: the file exists and --overwrite was not given`);
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new OutputError('ABP_OUTPUT_DIR', `cannot write ${what} ${file}: directory ${dir} does not exist`);
}

/**
 * Whether `file` is a character device or a FIFO (`/dev/null`, a named pipe): output
 * to it is written straight to it (openStreamTarget), never through a temporary and a
 * rename, which would replace the device's name with a file. A symbolic link to one is
 * not (it is refused, like any link).
 */
export function isStreamTarget(file: string): boolean {
  try {
    const st = fs.lstatSync(file);
    return st.isCharacterDevice() || st.isFIFO();
  } catch {
    return false;
  }
}

/**
 * Opens a character device or FIFO for writing (a FIFO's open waits for a reader), refusing
 * whatever else the name has become since it was checked (a file, a link: never created, never followed).
 */
export function openStreamTarget(file: string, what = 'output'): number {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    throw new OutputError('ABP_OUTPUT_WRITE', `cannot write ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
  const st = fs.fstatSync(fd);
  if (!st.isCharacterDevice() && !st.isFIFO()) {
    fs.closeSync(fd);
    throw new OutputError('ABP_OUTPUT_NOT_FILE', `cannot write ${what} ${file}: it is no longer a device or FIFO`);
  }
  return fd;
}

/** Where `file` is, for comparing names that may differ by links, `..` or `./`: its directory's real path and its name. */
function canonical(file: string): string {
  const abs = path.resolve(file);
  try {
    return path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
  } catch {
    return abs;
  }
}

/** Whether two paths name the same file: the same device and inode when both exist (hard and symbolic links too), else the same real location. */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return canonical(a) === canonical(b);
  }
}

/**
 * Renames `tmp` into place as `target`. With overwrite, the file it replaces
 * gives its permission bits (not set-id bits; run as root, also its owner) to the new one;
 * without, a file that appeared meanwhile is never replaced. `tmp` is removed on failure.
 */
export function commitTemp(tmp: string, target: string, overwrite: boolean, what = 'output'): void {
  try {
    if (overwrite) {
      let old: fs.Stats | undefined;
      try {
        old = fs.lstatSync(target);
      } catch {
        old = undefined;
      }
      if (old?.isFile()) {
        if (typeof process.getuid === 'function' && process.getuid() === 0) fs.chownSync(tmp, old.uid, old.gid);
        fs.chmodSync(tmp, old.mode & 0o777);
      }
      // rename() replaces the name itself: a symbolic link put there meanwhile is replaced, never followed.
      fs.renameSync(tmp, target);
    } else {
      // link() refuses to replace a file that appeared during the run.
      fs.linkSync(tmp, target);
      fs.rmSync(tmp, { force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new OutputError('ABP_OUTPUT_EXISTS', `cannot write ${what} ${target}: the file exists and --overwrite was not given`);
    throw new OutputError('ABP_OUTPUT_WRITE', `cannot write ${what} ${target}: ${e.message}`, { cause: err });
  } finally {
    untrackTemp(tmp);
  }
}

/** Wraps a write failure (ENOSPC, EIO, EDQUOT ...) in an OutputError naming the file it was for. */
export function writeError(err: unknown, target: string, what = 'output'): unknown {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof OutputError || typeof e?.code !== 'string' || typeof e.syscall !== 'string') return err;
  return new OutputError('ABP_OUTPUT_WRITE', `cannot write ${what} ${target}: ${e.message}`, { cause: err });
}

/**
 * A file written synchronously in pieces (the quarantine file) that appears
 * whole at commit(), or not at all after abort().
 */
export class AtomicFileSync {
  private fd: number | undefined;
  private tmp: string | undefined;
  private closed = false;

  constructor(readonly target: string, readonly overwrite: boolean, readonly what = 'output') {}

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    removeStaleTemps(this.target);
    this.tmp = tempPathFor(this.target);
    trackTemp(this.tmp);
    try {
      this.fd = fs.openSync(this.tmp, 'wx');
    } catch (err) {
      untrackTemp(this.tmp);
      throw writeError(err, this.target, this.what);
    }
    return this.fd;
  }

  write(data: Uint8Array): void {
    const fd = this.open();
    try {
      let off = 0;
      while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    } catch (err) {
      throw writeError(err, this.target, this.what);
    }
  }

  /** Puts the file in place (an empty one when nothing was written). */
  commit(): void {
    if (this.closed) return;
    const fd = this.open();
    this.closed = true;
    try {
      fs.closeSync(fd);
    } catch (err) {
      this.removeTemp();
      throw writeError(err, this.target, this.what);
    }
    commitTemp(this.tmp!, this.target, this.overwrite, this.what);
  }

  /** Removes the temporary file; the target is left as it was. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.removeTemp();
  }

  private removeTemp(): void {
    if (this.tmp === undefined) return;
    fs.rmSync(this.tmp, { force: true });
    untrackTemp(this.tmp);
  }
}
