// The floor a Node.js gateway stands on: node:http in front of undici's Pool.stream(), and nothing else (no keys,
// routing, failover, deadlines, records or metrics). Its figures show what this machine charges for the stack
// itself, so the gateway's can be read as "the floor, plus what the gateway adds".
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { Pool } from 'undici'
import type { MockReady } from './mock-upstream.js'

/**
 * Enough upstream connections for every stream to be open at once, including those whose clients went away: the
 * relay does not abort an upstream request when its client leaves (idle-streams closes 100 before it opens 1,000).
 */
const upstreamConnections = 4096

export function createNodeRelay(upstreamOrigin: string): ReturnType<typeof createServer> {
  const pool = new Pool(upstreamOrigin, {
    connections: upstreamConnections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    bodyTimeout: 0,
    headersTimeout: 0,
  })
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => relay(pool, req, res, Buffer.concat(chunks)))
  })
  server.on('close', () => void pool.destroy())
  return server
}

/** No abort on a client's going away, no header copying: the least a relay can do and still stream. */
function relay(pool: Pool, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  pool.stream(
    { path: req.url ?? '/', method: 'POST', headers: { 'content-type': 'application/json' }, body },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'application/json') })
      return new Writable({
        write(chunk: Buffer, _encoding, callback) {
          res.write(chunk)
          callback()
        },
        final(callback) {
          res.end()
          callback()
        },
      })
    },
    (error) => {
      if (error === null) return
      if (!res.headersSent) res.writeHead(502).end()
      else res.destroy()
    },
  )
}

// Started as a process by fork() (not imported): relay to the origin in argv, report the port over IPC.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = process.argv[2]
  if (upstream === undefined) throw new Error('node-relay: the upstream origin is missing')
  const server = createNodeRelay(upstream)
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const ready: MockReady = { type: 'ready', port: (server.address() as AddressInfo).port }
    process.send?.(ready)
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}
