// Polls a condition until it holds, with a deadline: for state that offers no event to await.

export async function waitFor(condition: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const until = performance.now() + deadlineMs
  while (!condition()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
