// An endpoint where nothing listens, so connecting is refused at once.
import assert from 'node:assert/strict'
import { connect } from 'node:net'

/**
 * Port 1 lies below the ephemeral range, so no server started with port 0 (the gateway itself included) can be
 * given it, as a just-closed port could be.
 */
export async function refusedEndpoint(): Promise<string> {
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect(1, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
  })
  assert.ok(refused, 'something accepts connections on 127.0.0.1:1; this test needs that port closed')
  return 'http://127.0.0.1:1/v1'
}
