// Closes connections that send nothing at all in time. node:http's headersTimeout (408)
// only starts once a request has begun arriving, so a connection that never sends a byte would otherwise
// stay open (and hold a file descriptor) forever.
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
    }, timeoutMs)
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
