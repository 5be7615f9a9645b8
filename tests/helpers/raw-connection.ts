// A client on a bare TCP socket, for what HTTP libraries will not send (dot segments, TRACK, CONNECT, a body
// sent in pieces at the test's pace) and for reading an answer while the request is still being sent.
import { connect, type Socket } from 'node:net'

export interface RawAnswer {
  readonly status: number
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface RawConnection {
  readonly socket: Socket
  /** Writes and resolves once the bytes are handed to the kernel; rejects on a connection error. */
  write(data: string | Buffer): Promise<void>
  /** Resolves with the first complete answer (head and a content-length body). */
  readonly answer: Promise<RawAnswer>
  /** Resolves when the connection has closed, for any reason. */
  readonly closed: Promise<void>
  answered(): boolean
}

export function openRawConnection(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let received = Buffer.alloc(0)
    let done = false
    let settle: (answer: RawAnswer) => void = () => {}
    const answer = new Promise<RawAnswer>((ok) => (settle = ok))
    const closed = new Promise<void>((ok) => socket.once('close', () => ok()))
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const parsed = parseAnswer(received)
      if (parsed !== undefined && !done) {
        done = true
        settle(parsed)
      }
    })
    // Errors after the answer (a reset while the test still writes) are the test's to judge through write().
    socket.on('error', () => {})
    socket.once('connect', () =>
      resolve({
        socket,
        write: (data) => new Promise((ok, fail) => socket.write(data, (error) => (error ? fail(error) : ok()))),
        answer,
        closed,
        answered: () => done,
      }),
    )
    socket.once('error', reject)
  })
}

function parseAnswer(received: Buffer): RawAnswer | undefined {
  const split = received.indexOf('\r\n\r\n')
  if (split === -1) return undefined
  const lines = received.toString('latin1', 0, split).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0)
  // 1xx answers are not the answer.
  if (status >= 100 && status < 200) return parseAnswer(received.subarray(split + 4))
  const length = Number(headers['content-length'] ?? 0)
  if (received.length - split - 4 < length) return undefined
  return { status, headers, body: received.toString('utf8', split + 4, split + 4 + length) }
}

/** One request on a fresh connection: its whole text is sent, the first answer returned. */
export async function rawExchange(baseUrl: string, request: string): Promise<RawAnswer> {
  const connection = await openRawConnection(baseUrl)
  await connection.write(request)
  const answer = await connection.answer
  connection.socket.destroy()
  return answer
}
