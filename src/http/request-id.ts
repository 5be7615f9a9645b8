// x-request-id: the client's when it sent a sane one, else a fresh UUID.
import { randomUUID } from 'node:crypto'

const saneId = /^[\x21-\x7e]{1,200}$/

export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && saneId.test(header) ? header : randomUUID()
}
