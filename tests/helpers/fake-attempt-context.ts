// The attempt's core as a body sink sees it, for unit tests of the sinks: it records commits, aborts and early
// finishes, and writes through a real ClientWriter into a FakeResponse.
import type { GatewayError } from '../../src/errors/gateway-error.js'
import type { AttemptContext } from '../../src/relay/body-sink.js'
import { ClientWriter, type ResponseHead } from '../../src/relay/client-writer.js'
import { SecretRedactor } from '../../src/secrets/secret-redactor.js'
import { FakeResponse } from './fake-response.js'

export class FakeAttemptContext implements AttemptContext {
  readonly res = new FakeResponse()
  readonly writer: ClientWriter
  readonly commits: Array<ResponseHead | undefined> = []
  readonly aborts: GatewayError[] = []
  finished = 0
  readonly redactor: SecretRedactor

  constructor(redactor = new SecretRedactor([])) {
    this.redactor = redactor
    this.writer = new ClientWriter(this.res.asServerResponse(), {
      requestId: 'req-1',
      closeConnection: false,
      redactor,
      onBlocked: () => undefined,
      onDrained: () => undefined,
    })
  }

  get committed(): boolean {
    return this.commits.length > 0
  }

  commit(head?: ResponseHead): void {
    this.commits.push(head)
    this.writer.writeHead(200, [], head)
  }

  abort(error: GatewayError): void {
    this.aborts.push(error)
  }

  finishEarly(): void {
    this.finished++
    this.writer.end()
  }
}
