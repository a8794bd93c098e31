"""Shared helpers for the workloads: the READY handshake and the run clock."""
import sys
import time


class Clock:
    """Counts down SECONDS from the moment GPU work begins (ready())."""

    def __init__(self, seconds):
        self.seconds = float(seconds)
        self.end = None

    def ready(self):
        # The capture runner labels from this line on: print it only once set-up is done.
        print("READY", flush=True)
        self.end = time.time() + self.seconds

    def running(self):
        return time.time() < self.end

    def left(self):
        return max(0.0, self.end - time.time())


def note(msg):
    print(msg, file=sys.stderr, flush=True)


def sms():
    """Number of streaming multiprocessors of the current GPU (cupy)."""
    import cupy as cp
    return cp.cuda.Device().attributes["MultiProcessorCount"]
