/**
 * What the benchmark has to undo however it ends (its figures, an error, Ctrl-C, `kill`): the
 * browser host, Chromium, running jobs and its temporary folders. Each piece registers its undo as
 * soon as it exists; they run last-in first-out, once.
 */
type Undo = () => unknown;

const undos: Undo[] = [];
let cleaning: Promise<void> | null = null;

/** Registers an undo; the function returned drops it again once the piece was undone in the ordinary way. */
export function onCleanUp(undo: Undo): () => void {
  undos.push(undo);
  return () => {
    const at = undos.indexOf(undo);
    if (at !== -1) undos.splice(at, 1);
  };
}

export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const undo of undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        process.stderr.write(`bench: cleaning up failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return cleaning;
}

/**
 * Ctrl-C, `kill` and a closed terminal clean up, then exit as the shell expects (128 + the signal).
 * A second signal while cleaning up ends the process at once.
 */
export function cleanUpOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping the browser host and Chromium\n`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
}
