// A retry's wait inside RequestRelay: a shutdown that comes during it ends it at once, with the shutting_down answer,
// no further attempt and no timer left behind.
import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import { chatRequest, upstreamFrom } from '../../tests/helpers/recording-sink.js'
import { waitFor } from '../../tests/helpers/wait-for.js'
import type { AttemptControl, ProviderAdapter } from '../providers/provider-adapter.js'
import { ManualClock } from '../time/manual-clock.js'
import { RequestRelay, type RelayResult } from './relay-request.js'

const servers: Server[] = []
after(() => {
  for (const server of servers) server.close()
})

const nothingToControl: AttemptControl = { abort: () => undefined, resume: () => undefined }

/** An upstream that is always overloaded: 503 without Retry-After, so each failure may be retried after a backoff. */
function overloaded(): ProviderAdapter & { sent: number } {
  return {
    type: 'openai',
    sent: 0,
    send(_request, _upstream, sink) {
      this.sent++
      sink.onResponseStart(503, ['content-type', 'application/json'])
      sink.onResponseData(Buffer.from('{"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}'))
      sink.onResponseEnd()
      return nothingToControl
    },
  }
}

test('a shutdown during a backoff ends the wait at once: 503 shutting_down, one attempt, no timer left', async () => {
  const clock = new ManualClock()
  const adapter = overloaded()
  const upstream = upstreamFrom('name: only', 'sk: sk-only', 'endpoint: http://127.0.0.1:1/v1', 'retries: 3')
  let relay: RequestRelay | undefined
  let result: Promise<RelayResult> | undefined
  const server = createServer((_req, res: ServerResponse) => {
    relay = new RequestRelay({
      request: chatRequest({ model: 'gpt-4o-mini', messages: [] }),
      res,
      plan: [upstream],
      adapterFor: () => adapter,
      clock,
      closeConnection: () => false,
      stripUsageChunk: false,
      random: () => 0,
    })
    result = relay.run()
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const response = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, { method: 'POST', body: '{}' })
  // retry_backoff 0.25 s at factor 0.5: the first wait is 125 ms.
  await waitFor(() => clock.delays.includes(125), 'the backoff timer')
  assert.equal(clock.pending, 1)
  relay?.shutDown()
  const answer = await response
  assert.equal(answer.status, 503)
  assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'shutting_down')
  assert.equal((await result)?.errorCode, 'shutting_down')
  assert.equal(adapter.sent, 1)
  assert.equal(clock.pending, 0)
})
