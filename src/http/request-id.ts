// x-request-id: the client's when it sent a sane one, else a fresh UUIDv7 (time-ordered, so the records'
// request-id index grows at its end instead of taking random inserts).
import { systemClock } from '../time/clock.js'
import { timeOrderedUid } from '../time/time-ordered-uid.js'

const saneId = /^[\x21-\x7e]{1,200}$/
const newRequestId = timeOrderedUid(systemClock)

export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && saneId.test(header) ? header : newRequestId()
}
