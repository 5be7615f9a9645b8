// Runs the real gateway process (`node dist/src/main.js`) for tests: waits for its "listening on" line, collects
// its output, and stops it with a signal.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
export const mainJs = join(repoRoot, 'dist', 'src', 'main.js')
/** Generous, since the machine may be busy: only a failing test ever waits this long. */
export const processDeadlineMs = 30_000

/** The child's environment: nothing from ours that the gateway reads (OPENAI_*, LOG_LEVEL), plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('OPENAI_') && name !== 'LOG_LEVEL') env[name] = value
  }
  return { ...env, ...extra }
}

export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command expected to exit by itself (check, -list, --help). */
export function runGateway(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = childEnv()): Promise<Finished> {
  return collect(spawn(process.execPath, [mainJs, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }), args.join(' '))
}

/** Collects a child's output until it exits, failing after the deadline. */
export function collect(child: ChildProcess, name: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const deadline = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name} did not exit within ${processDeadlineMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, processDeadlineMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(deadline)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface GatewayProcess {
  readonly child: ChildProcess
  /** `http://127.0.0.1:PORT` from the "listening on" line. */
  readonly url: string
  readonly port: number
  readonly listeningLine: string
  stdout(): string
  stderr(): string
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  /** Resolves once stderr holds a line matching `pattern`. */
  stderrLine(pattern: RegExp): Promise<string>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/** A single process unless the test asks for workers: most tests are about one gateway process. */
function withWorkers(args: readonly string[]): readonly string[] {
  return args.some((arg) => /^--?workers/.test(arg)) ? args : [...args, '--workers', '1']
}

/**
 * Starts the gateway and resolves once it prints where it listens; it is killed after the test if still running.
 * It runs as one process unless `args` set `--workers`.
 */
export function startGatewayProcess(
  t: TestContext,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = childEnv(),
): Promise<GatewayProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, ...withWorkers(args)], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      return exited.then(() => undefined)
    })
    let stdout = ''
    let stderr = ''
    const stderrWaiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = []
    const deadline = setTimeout(
      () => reject(new Error(`no "listening on" line within ${processDeadlineMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)),
      processDeadlineMs,
    )
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      for (const waiter of stderrWaiters.splice(0)) {
        const line = stderr.split('\n').find((l) => waiter.pattern.test(l))
        if (line !== undefined) waiter.resolve(line)
        else stderrWaiters.push(waiter)
      }
    })
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /^.*listening on (http:\/\/[^\s]+).*$/m.exec(stdout)
      if (match === null) return
      clearTimeout(deadline)
      const url = match[1] as string
      resolve({
        child,
        url,
        port: Number(new URL(url).port),
        listeningLine: match[0],
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
        stderrLine: (pattern) =>
          new Promise((found) => {
            const line = stderr.split('\n').find((l) => pattern.test(l))
            if (line !== undefined) found(line)
            else stderrWaiters.push({ pattern, resolve: found })
          }),
        stop: () => {
          child.kill('SIGTERM')
          return exited
        },
      })
    })
    void exited.then((code) => {
      clearTimeout(deadline)
      reject(new Error(`exited with ${code} before listening\nstdout: ${stdout}\nstderr: ${stderr}`))
    })
  })
}

/** Rejects after `ms` unless `promise` settles first: a deadline for things that must happen, never a wait. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

/** Sends `count` chat requests, one after another, with request ids `${idPrefix}0`, `${idPrefix}1`, ...; each must get 200. */
export async function askChats(url: string, idPrefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'x-request-id': `${idPrefix}${i}` },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    })
    if (response.status !== 200) throw new Error(`request ${idPrefix}${i} got ${response.status}: ${await response.text()}`)
    await response.text()
  }
}
