// Collects log lines and writes them together once per event-loop turn: under load that is one write
// system call for many request lines instead of one each (stderr to a pipe or a file writes synchronously).

export interface LineBuffer {
  readonly write: (line: string) => void
  /** Writes what is pending now (also done when the process exits). */
  flush(): void
}

/** Above this many pending characters the buffer is written at once rather than at the end of the turn. */
const maxPendingChars = 64 * 1024

export function createLineBuffer(out: (text: string) => void): LineBuffer {
  let pending: string[] = []
  let pendingChars = 0
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    if (pending.length === 0) return
    const text = pending.join('')
    pending = []
    pendingChars = 0
    out(text)
  }
  // Lines logged just before the process exits (a fatal error, say) must not be lost.
  process.once('exit', flush)
  return {
    write(line) {
      pending.push(line)
      pendingChars += line.length
      if (pendingChars >= maxPendingChars) flush()
      else if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
