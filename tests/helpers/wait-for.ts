// Polls a condition until it holds, with a deadline: for state that offers no event to await.

/**
 * The default deadline is generous: only a failing test ever waits this long, and on a busy 2-core machine (the
 * token table loading on another thread, say) a few seconds are not enough for things that do happen.
 */
export async function waitFor(condition: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const until = performance.now() + deadlineMs
  while (!condition()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
