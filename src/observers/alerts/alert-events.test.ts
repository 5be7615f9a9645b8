// The worker-to-primary seam: events survive a trip through process messages and replay as the same calls.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alertEventsTo, applyAlertEvent, type AlertEvent, type AlertEvents } from './alert-events.js'

test('calls on a worker arrive as the same calls in the primary', () => {
  const received: unknown[][] = []
  const primary: AlertEvents = {
    upstreamAttempts: (...args) => received.push(['upstreamAttempts', ...args]),
    modelRequests: (...args) => received.push(['modelRequests', ...args]),
    storeChecked: (...args) => received.push(['storeChecked', ...args]),
    upstreamBreaker: (...args) => received.push(['upstreamBreaker', ...args]),
    configReloaded: (...args) => received.push(['configReloaded', ...args]),
  }
  // structuredClone is what process.send() does to a message on the way.
  const worker = alertEventsTo((event: AlertEvent) => applyAlertEvent(primary, structuredClone(event)))
  worker.upstreamAttempts('a', false, 12, 'upstream_timeout')
  worker.modelRequests('gpt-4o', true, 1, 'HTTP 502')
  worker.storeChecked('records/worker-2', true, '')
  worker.upstreamBreaker('a', true, 5, 'upstream_status, HTTP 503')
  worker.configReloaded('config.yaml', false, 'config.yaml:3:1 upstreams: expected an array')
  assert.deepEqual(received, [
    ['upstreamAttempts', 'a', false, 12, 'upstream_timeout'],
    ['modelRequests', 'gpt-4o', true, 1, 'HTTP 502'],
    ['storeChecked', 'records/worker-2', true, ''],
    ['upstreamBreaker', 'a', true, 5, 'upstream_status, HTTP 503'],
    ['configReloaded', 'config.yaml', false, 'config.yaml:3:1 upstreams: expected an array'],
  ])
})
