// The handle every subscription returns: dispose() (or `using`) ends it.

/** Something to stop; also usable with `using`. */
export interface Subscription {
  /** Stops it. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for("nodejs.dispose");

/** A Subscription that runs `dispose` once, however often it is disposed. */
export function makeDisposable(dispose: () => void): Subscription {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    dispose();
  };
  return { dispose: once, [disposeSymbol]: once };
}
