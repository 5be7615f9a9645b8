// Real HTTP servers on 127.0.0.1:0 playing a Feishu custom bot and a Matrix homeserver: each checks the wire
// format of every message it gets (path, method, headers, body, Feishu's signature) and records what it saw.
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedMessage {
  readonly text: string
  /** What was wrong with the request; empty when it was exactly as the service expects. */
  readonly problems: readonly string[]
}

export interface FakeChatService {
  readonly url: string
  readonly messages: ReceivedMessage[]
  /** Requests that arrived, including retries and refused ones. */
  readonly requests: number
  /** Resolves once `count` messages have been accepted. */
  waitForMessages(count: number): Promise<void>
  close(): Promise<void>
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => ReceivedMessage | undefined

async function startService(handle: Handler, path: string): Promise<FakeChatService> {
  const messages: ReceivedMessage[] = []
  const waiters: Array<{ count: number; resolve: () => void }> = []
  let requests = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      requests++
      const message = handle(req, Buffer.concat(chunks).toString('utf8'), res)
      if (message === undefined) return
      messages.push(message)
      for (const waiter of waiters.splice(0)) {
        if (messages.length >= waiter.count) waiter.resolve()
        else waiters.push(waiter)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}${path}`,
    messages,
    get requests() {
      return requests
    },
    waitForMessages(count) {
      if (messages.length >= count) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function parseJson(body: string, problems: string[]): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // Reported just below.
  }
  problems.push('the body is not a JSON object')
  return {}
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** A Feishu custom bot at `/open-apis/bot/v2/hook/<hookId>`; with `secret`, every message must be signed. */
export function startFakeFeishu(options: { readonly hookId?: string; readonly secret?: string } = {}): Promise<FakeChatService> {
  const path = `/open-apis/bot/v2/hook/${options.hookId ?? 'test-hook'}`
  return startService((req, body, res) => {
    const problems: string[] = []
    if (req.method !== 'POST') problems.push(`method ${req.method}`)
    if (req.url !== path) problems.push(`path ${req.url}`)
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) problems.push(`content-type ${req.headers['content-type']}`)
    const json = parseJson(body, problems)
    if (json['msg_type'] !== 'text') problems.push('msg_type is not "text"')
    const content = json['content'] as { text?: unknown } | undefined
    if (typeof content?.text !== 'string') problems.push('content.text is not a string')
    if (options.secret !== undefined) {
      const timestamp = json['timestamp']
      if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) problems.push('timestamp is not a string of seconds')
      else if (Math.abs(Number(timestamp) - Date.now() / 1000) > 3600) problems.push('timestamp is more than an hour off')
      else if (json['sign'] !== createHmac('sha256', `${timestamp}\n${options.secret}`).update('').digest('base64'))
        problems.push('sign does not match')
    } else if ('sign' in json) {
      problems.push('signed without a secret')
    }
    // Feishu refuses with HTTP 200 and a non-zero code.
    if (problems.length > 0) reply(res, 200, { code: 19021, msg: problems.join('; ') })
    else reply(res, 200, { code: 0, data: {}, msg: 'success' })
    return { text: typeof content?.text === 'string' ? content.text : '', problems }
  }, path)
}

/**
 * A Matrix homeserver's send endpoint for one room and token. Like a real one, a transaction id seen before
 * returns the same event and adds no message. `legacyPath` also accepts the predecessor's MATRIX_API form.
 */
export function startFakeMatrix(options: {
  readonly accessToken: string
  readonly roomId: string
  readonly legacyPath?: string
}): Promise<FakeChatService> {
  const events = new Map<string, string>()
  const prefix = `/_matrix/client/v3/rooms/${encodeURIComponent(options.roomId)}/send/m.room.message/`
  return startService((req, body, res) => {
    const problems: string[] = []
    const json = parseJson(body, problems)
    if (options.legacyPath !== undefined && req.url === options.legacyPath) {
      if (req.method !== 'POST') problems.push(`method ${req.method}`)
      if (json['message'] !== 'm.text') problems.push('message is not "m.text"')
      if (typeof json['body'] !== 'string') problems.push('body is not a string')
      reply(res, problems.length > 0 ? 400 : 200, {})
      return { text: typeof json['body'] === 'string' ? json['body'] : '', problems }
    }
    if (req.method !== 'PUT') problems.push(`method ${req.method}`)
    if (!(req.url ?? '').startsWith(prefix)) problems.push(`path ${req.url}`)
    const txnId = decodeURIComponent((req.url ?? '').slice(prefix.length))
    if (txnId === '' || txnId.includes('/')) problems.push('no transaction id')
    if (req.headers.authorization !== `Bearer ${options.accessToken}`) {
      reply(res, 401, { errcode: 'M_UNKNOWN_TOKEN', error: 'Unknown access token' })
      return { text: '', problems: [...problems, 'wrong or missing access token'] }
    }
    if (json['msgtype'] !== 'm.text') problems.push('msgtype is not "m.text"')
    if (typeof json['body'] !== 'string') problems.push('body is not a string')
    const seen = events.get(txnId)
    if (seen !== undefined) {
      reply(res, 200, { event_id: seen })
      return undefined
    }
    const eventId = `$event${events.size + 1}`
    events.set(txnId, eventId)
    reply(
      res,
      problems.length > 0 ? 400 : 200,
      problems.length > 0 ? { errcode: 'M_BAD_JSON', error: problems.join('; ') } : { event_id: eventId },
    )
    return { text: typeof json['body'] === 'string' ? json['body'] : '', problems }
  }, options.legacyPath ?? '')
}
