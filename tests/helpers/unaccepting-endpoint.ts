// An endpoint whose connections are never accepted, as for a firewalled or powered-off host: connecting hangs.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import type { TestContext } from 'node:test'

/**
 * A child process listens with a backlog of 1 and then blocks (without spinning), and two connections fill
 * its accept queue, so the kernel drops the SYN of any further connection and the connect hangs.
 */
export async function startUnacceptingEndpoint(t: TestContext): Promise<{ endpoint: string; port: number }> {
  const listener = `const s = require('node:net').createServer()
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0))
})`
  const child = spawn(process.execPath, ['-e', listener], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => {
    child.kill('SIGKILL')
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString('utf8').trim())))
  })
  for (let i = 0; i < 2; i++) {
    const filler: Socket = connect(port, '127.0.0.1')
    t.after(() => {
      filler.destroy()
    })
    await new Promise<void>((resolve, reject) => {
      filler.once('connect', resolve)
      filler.once('error', reject)
    })
  }
  return { endpoint: `http://127.0.0.1:${port}/v1`, port }
}

/** Whether some local socket is in SYN-SENT towards this port (Linux: /proc/net/tcp); undefined where unknown. */
export function connectingTo(port: number): boolean | undefined {
  let table: string
  try {
    table = readFileSync('/proc/net/tcp', 'utf8')
  } catch {
    return undefined
  }
  const remote = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  return table.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/)
    return fields[2]?.endsWith(remote) === true && fields[3] === '02'
  })
}
