/**
 * Ctrl-C for long-running commands: the first SIGINT/SIGTERM aborts the
 * controller so the loop ends and output is flushed; a second one exits at
 * once, for when the user does not want to wait.
 */
export function abortOnInterrupt(ac: AbortController, onFirst?: (signal: NodeJS.Signals) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      onFirst?.(signal);
      ac.abort(new Error(`interrupted by ${signal}`));
    } else {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
