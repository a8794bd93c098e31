#!/usr/bin/env python3
"""Record labelled GPU telemetry: `abp collect` runs while a schedule of workloads does.

    python3 scripts/capture/run-capture.py SCHEDULE_FILE OUT_DIR [--budget-s 540] [--interval 500ms]
        [--gpm auto|nvml|dmon|off] [--abp "node dist/cli/main.js"]

Run from the repository root on the GPU machine (needs dist/ and build/).
SCHEDULE_FILE: one episode a line, `NAME[/VARIANT][^STOP][+NAME2[/VARIANT][@DELAY][^STOP]] SECONDS`;
blank lines and `#` comments are skipped. `@DELAY` (seconds, less than SECONDS) makes
the second part join the first DELAY s after it began, for SECONDS - DELAY s: a miner
arriving beside a job already running, so that the job's own profile alone comes
first in the telemetry (its records are labelled as the job alone, label.ts joins on
each part's span). `^STOP` makes a part stop STOP s after its GO while the episode
goes on: `MINER^12+JOB@6 30` is a hand-over, the miner alone, then both, then the
job alone with no idle time between (what an alert hold must let go of). Writes to
OUT_DIR (which must not
hold a telemetry file yet):
  telemetry.jsonlines  what `abp collect` wrote (no labels)
  episodes.jsonl       one line an episode: workload, label, family, variant,
                       start/end (epoch s, from the first READY to the last
                       part's end), rc, and each part's times
  logs/NN-*.log        each workload process's output
  meta.json            driver, GPU, schedule, budget, start and end
Then label with scripts/capture/label.ts. The whole run ends within the budget:
an episode that would not fit (with start-up and shutdown allowances) is
skipped and listed.
"""
import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time

ROOT = os.getcwd()
WORKLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workloads")
sys.path.insert(0, WORKLOADS)
from registry import resolve  # noqa: E402

STARTUP_ALLOW_S = 15.0   # torch import + model build before READY, kept free in the budget
SHUTDOWN_ALLOW_S = 12.0  # stopping collect and the last workload
READY_TIMEOUT_S = 120.0
GAP_S = 2.0              # idle between episodes, labelled `startup`


def parse_schedule(path):
    episodes = []
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) != 2:
                sys.exit(f"{path}:{lineno}: expected `NAME[/VARIANT][^STOP][+NAME2[/VARIANT][@DELAY][^STOP]] SECONDS`, "
                         f"got {line!r}")
            try:
                seconds = float(fields[1])
                if not seconds > 0:
                    raise ValueError
            except ValueError:
                sys.exit(f"{path}:{lineno}: SECONDS must be a positive number, not {fields[1]!r}")
            parts, delays, stops = [], [], []
            for j, spec in enumerate(fields[0].split("+")):
                spec, _, stop = spec.partition("^")
                spec, _, delay = spec.partition("@")
                try:
                    d = float(delay) if delay else 0.0
                    if not (0 <= d < seconds) or (d and j == 0):
                        raise ValueError
                except ValueError:
                    sys.exit(f"{path}:{lineno}: @DELAY must be a number of seconds below SECONDS, on a part after the "
                             f"first, not {delay!r}")
                try:
                    w, variant = resolve(spec)
                except KeyError as e:
                    sys.exit(f"{path}:{lineno}: {e.args[0]}")
                try:
                    st = float(stop) if stop else None
                    if st is not None and not (0 < st < seconds - d):
                        raise ValueError
                except ValueError:
                    sys.exit(f"{path}:{lineno}: ^STOP must be a number of seconds above 0 and below the part's time in "
                             f"the episode (SECONDS less its @DELAY), not {stop!r}")
                parts.append((w, variant))
                delays.append(d)
                stops.append(st)
            if all(st is not None for st in stops):
                sys.exit(f"{path}:{lineno}: ^STOP on every part leaves the end of the episode idle; one part must run "
                         f"to its end")
            episodes.append((parts, seconds, delays, stops))
    if not episodes:
        sys.exit(f"{path}: no episodes")
    return episodes


class Part:
    """One workload process; a reader thread watches its stdout for READY."""

    def __init__(self, w, variant, seconds, log_path):
        self.w, self.variant, self.seconds = w, variant, seconds
        self.spec = f"{w.name}/{variant}"
        self.ready_at = None  # printed READY: set-up done, waiting for GO
        self.go_at = None     # told to start its work
        self.ended_at = None
        self.ready = threading.Event()
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-u", os.path.join(WORKLOADS, "run.py"), self.spec, str(seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, start_new_session=True,
            env={**os.environ, "ABP_WORKLOAD_GO": "1", "PYTHONUNBUFFERED": "1"})
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.strip() == "READY" and self.ready_at is None:
                self.ready_at = time.time()
                self.ready.set()
            else:
                self.log.write(line)
                self.log.flush()
        self.ready.set()  # end of output: READY will not come any more

    def go(self, at):
        try:
            self.proc.stdin.write("GO\n")
            self.proc.stdin.flush()
            self.go_at = at
        except (BrokenPipeError, OSError):
            pass  # it exited after READY: logged by its rc

    def wait(self, deadline):
        """Waits for the process until the deadline; kills its group after that."""
        try:
            self.proc.wait(timeout=max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            self.kill()
        self.ended_at = time.time()
        self.reader.join(timeout=5)
        self.log.close()

    def kill(self):
        if self.proc.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                pass

    def end_of_work(self):
        """When this part stopped working: its clock's end, or its exit if earlier."""
        if self.go_at is None:
            return None
        return min(self.ended_at, self.go_at + self.seconds)


def run_episode(index, parts_spec, seconds, out_dir, hard_end, delays=None, stops=None):
    """Runs one episode; nothing of it outlives hard_end (epoch s). A part with a delay is set up with the
    others but told GO that many seconds after them, and works for the rest of the episode; a part with a stop
    works that many seconds from its GO (its process's own clock) and exits while the others go on."""
    delays = delays or [0.0] * len(parts_spec)
    stops = stops or [None] * len(parts_spec)
    names = "+".join(f"{w.name}-{v}" for w, v in parts_spec)
    parts = [Part(w, v, st if st is not None else seconds - d,
                  os.path.join(out_dir, "logs", f"{index:02d}-{names}-{i}.log"))
             for i, ((w, v), d, st) in enumerate(zip(parts_spec, delays, stops))]
    try:
        ready_deadline = min(time.time() + READY_TIMEOUT_S, hard_end - seconds)
        for p in parts:
            p.ready.wait(timeout=max(0.0, ready_deadline - time.time()))
        if all(p.ready_at is not None for p in parts):
            go = time.time()
            for p, d in zip(parts, delays):  # together, so co-located parts work over the same span
                if not d:
                    p.go(go)
            for p, d in sorted(zip(parts, delays), key=lambda pd: pd[1]):
                if d:  # a late joiner: its partner's profile alone comes first
                    time.sleep(max(0.0, go + d - time.time()))
                    p.go(time.time())
            deadline = min(go + seconds + 30.0, hard_end)
        else:
            deadline = time.time()  # one never got ready: stop the rest now
        for p in parts:
            p.wait(deadline)
    finally:
        for p in parts:
            p.kill()
    started = [p for p in parts if p.go_at is not None]
    rcs = [p.proc.returncode for p in parts]
    # a part's own failure (rc > 0) before a kill we made to stop its partner (rc < 0)
    rc = next((r for r in rcs if r > 0), next((r for r in rcs if r != 0), 0))
    if len(started) < len(parts) and rc == 0:
        rc = -1  # exited 0 without READY
    return {
        "workload": "+".join(p.spec for p in parts),
        # the label says what actually ran: hashing counts only if that part started
        "label": 1 if any(p.w.label == 1 for p in started) else 0,
        "family": "+".join(p.w.family for p in parts),
        "variant": "+".join(p.variant for p in parts),
        "start": min(p.go_at for p in started) if started else None,
        "end": max(p.end_of_work() for p in started) if started else None,
        "seconds": seconds,
        **({"join_s": delays} if any(delays) else {}),
        **({"stop_s": stops} if any(st is not None for st in stops) else {}),
        "rc": rc,
        # what label.ts joins on: a record's label and workload come from the parts working at its time
        "parts": [{"workload": p.spec, "label": p.w.label, "family": p.w.family, "ready": p.ready_at,
                   "start": p.go_at, "end": p.end_of_work(), "rc": p.proc.returncode} for p in parts],
    }


def gpu_facts():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout.strip()
        return out.splitlines()
    except (OSError, subprocess.TimeoutExpired) as e:
        return [f"nvidia-smi failed: {e}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("schedule")
    ap.add_argument("out_dir")
    ap.add_argument("--budget-s", type=float, default=540.0)
    ap.add_argument("--interval", default="500ms")
    ap.add_argument("--gpm", help="passed to abp collect (default: collect's own, auto)")
    ap.add_argument("--abp", default="node dist/cli/main.js", help="how to run the abp CLI, split like a shell")
    args = ap.parse_args()
    t0 = time.time()
    episodes = parse_schedule(args.schedule)
    out = args.out_dir
    tele = os.path.join(out, "telemetry.jsonlines")
    if os.path.exists(tele):
        sys.exit(f"{tele} exists: use a fresh OUT_DIR")
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    abp = shlex.split(args.abp)
    if args.abp == ap.get_default("abp") and not os.path.exists(os.path.join(ROOT, "dist", "cli", "main.js")):
        sys.exit("dist/cli/main.js missing: run from the repository root with dist/ built (npm run build:ts)")
    meta = {"schedule": os.path.basename(args.schedule), "budget_s": args.budget_s, "interval": args.interval,
            "gpus": gpu_facts(), "started": t0}
    collect_err = open(os.path.join(out, "logs", "collect.log"), "w")
    collect_cmd = abp + ["collect", "--interval", args.interval, "-o", tele] + (["--gpm", args.gpm] if args.gpm else [])
    meta["collect"] = collect_cmd
    collect = subprocess.Popen(collect_cmd,
                               stdout=collect_err, stderr=subprocess.STDOUT, start_new_session=True)
    results, skipped = [], []
    ep_log = open(os.path.join(out, "episodes.jsonl"), "w")
    try:
        # the first records before any work: wait for collect to write
        while not (os.path.exists(tele) and os.path.getsize(tele) > 0):
            if collect.poll() is not None:
                sys.exit(f"abp collect exited with {collect.returncode} before writing; see {out}/logs/collect.log")
            if time.time() - t0 > 30:
                sys.exit(f"abp collect wrote nothing in 30 s; see {out}/logs/collect.log")
            time.sleep(0.2)
        time.sleep(GAP_S)
        for i, (parts, seconds, delays, stops) in enumerate(episodes):
            spec = "+".join(f"{w.name}/{v}" for w, v in parts)
            if time.time() - t0 + STARTUP_ALLOW_S + seconds + SHUTDOWN_ALLOW_S > args.budget_s:
                skipped.append(f"{spec} {seconds:g}")
                continue
            if collect.poll() is not None:
                print(f"abp collect exited with {collect.returncode}; stopping", file=sys.stderr)
                skipped.extend(f"{'+'.join(f'{w.name}/{v}' for w, v in p)} {s:g}" for p, s, *_ in episodes[i:])
                break
            ep = run_episode(i, parts, seconds, out, t0 + args.budget_s - SHUTDOWN_ALLOW_S, delays, stops)
            results.append(ep)
            ep_log.write(json.dumps(ep) + "\n")
            ep_log.flush()
            ran = f"{ep['end'] - ep['start']:5.1f} s" if ep["start"] else "  never started"
            print(f"[{time.time() - t0:5.0f} s] {ep['workload']:<40} label {ep['label']} rc {ep['rc']:>3} {ran}", flush=True)
            time.sleep(GAP_S)
    finally:
        ep_log.close()
        if collect.poll() is None:
            collect.send_signal(signal.SIGINT)
            try:
                collect.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(collect.pid, signal.SIGKILL)
                collect.wait()
        collect_err.close()
        meta.update(ended=time.time(), collect_rc=collect.returncode, episodes=len(results), skipped=skipped)
        with open(os.path.join(out, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
    failed = [e for e in results if e["rc"] != 0]
    print(f"{len(results)} episodes in {time.time() - t0:.0f} s, {len(failed)} failed, {len(skipped)} skipped; "
          f"collect exited {collect.returncode}")
    for e in failed:
        print(f"  failed: {e['workload']} rc {e['rc']} (logs in {out}/logs)")
    for s in skipped:
        print(f"  skipped (budget): {s}")
    return 0 if collect.returncode in (0, 130, -2) else 1


if __name__ == "__main__":
    sys.exit(main())
