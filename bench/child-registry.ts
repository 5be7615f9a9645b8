// Every child process the benchmark starts, so that all of them are stopped at the end, on errors and on SIGINT.
import { fork, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export class ChildExitedError extends Error {
  override readonly name = 'ChildExitedError'
  readonly code = 'BENCH_CHILD_EXITED'
}

export class DeadlineError extends Error {
  override readonly name = 'DeadlineError'
  readonly code = 'BENCH_DEADLINE'
}

export class ChildRegistry {
  readonly #children = new Set<ChildProcess>()

  /**
   * Runs a compiled bench module (e.g. `new URL('./mock-upstream.js', import.meta.url)`) with an IPC channel,
   * behind `prefix` when one is given (`taskset -c 0`: taskset execs node, which keeps the channel's descriptor).
   */
  fork(module: URL, args: readonly string[] = [], prefix: readonly string[] = []): ChildProcess {
    const stdio: SpawnOptions['stdio'] = ['ignore', 'inherit', 'inherit', 'ipc']
    const [command, ...prefixArgs] = prefix
    if (command === undefined) return this.#track(fork(fileURLToPath(module), [...args], { stdio }))
    return this.#track(spawn(command, [...prefixArgs, process.execPath, fileURLToPath(module), ...args], { stdio }))
  }

  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return this.#track(spawn(command, [...args], options))
  }

  /** SIGTERM, then SIGKILL for whatever is still running after `graceMs`. */
  async stop(child: ChildProcess, graceMs = 3000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  async stopAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.#children].map((child) => this.stop(child, graceMs)))
  }

  /** Last resort from a synchronous 'exit' handler: no waiting possible, so SIGKILL. */
  killAllNow(): void {
    for (const child of this.#children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }

  #track(child: ChildProcess): ChildProcess {
    this.#children.add(child)
    child.once('exit', () => this.#children.delete(child))
    return child
  }
}

/** The first IPC message `accept` takes from `child`; rejects if the child exits first or `deadlineMs` passes. */
export function nextMessage<T>(
  child: ChildProcess,
  accept: (message: unknown) => message is T,
  deadlineMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (!accept(message)) return
      done()
      resolve(message)
    }
    const onExit = (code: number | null, signal: string | null): void => {
      done()
      reject(new ChildExitedError(`${what} exited (code ${code}, signal ${signal}) before answering`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new DeadlineError(`${what} did not answer within ${deadlineMs} ms`))
    }, deadlineMs)
    const done = (): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
