// Closes connections that send nothing at all in time, without a word: a client that opened a connection ahead of
// need (a browser's preconnect, a pool) would read an unasked 408 as the answer to the request it sends next.
// node:http's own check (headersTimeout, run every connectionsCheckingInterval) would answer such a connection 408
// once it is past headersTimeout, so this timer fires a little before that: on a busy event loop both are overdue
// together, and timers run in the order they are due.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Clock, TimerHandle } from '../time/clock.js'

export function closeSilentConnections(server: Server, timeoutMs: number, clock: Clock): void {
  if (timeoutMs <= 0) return
  const timers = new WeakMap<Socket, TimerHandle>()
  const spoke = (socket: Socket): void => {
    const timer = timers.get(socket)
    if (timer === undefined) return
    clock.clearTimeout(timer)
    timers.delete(socket)
  }
  server.on('connection', (socket: Socket) => {
    const timer = clock.setTimeout(() => {
      timers.delete(socket)
      // A head that has begun is node's (headersTimeout): it answers 408, which tells the client what happened.
      if (socket.bytesRead === 0) socket.destroy()
    }, silentLimitMs(timeoutMs))
    timer.unref?.()
    timers.set(socket, timer)
    socket.once('close', () => spoke(socket))
  })
  // Every way a complete request head reaches the server.
  // (Only events the server has listeners for anyway: a listener for 'upgrade' or 'checkExpectation' changes what node does.)
  for (const event of ['request', 'checkContinue', 'connect'] as const) {
    server.on(event, (req: { socket: Socket }) => spoke(req.socket))
  }
}

/** Ahead of node's 408 by a tenth of the timeout (at most 1 s). */
function silentLimitMs(timeoutMs: number): number {
  return Math.max(1, timeoutMs - Math.min(1000, Math.floor(timeoutMs / 10)))
}
