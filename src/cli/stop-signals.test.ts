// onStopSignals: the first signal drains, a second SIGTERM keeps draining, a SIGINT while draining forces the exit.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { test } from 'node:test'
import { createLogger } from '../log/logger.js'
import { onStopSignals } from './stop-signals.js'

function setup(): { signals: EventEmitter; calls: string[]; lines: string[] } {
  const signals = new EventEmitter()
  const calls: string[] = []
  const lines: string[] = []
  onStopSignals({
    logger: createLogger({ level: 'info', write: (line) => lines.push(line) }),
    stop: (signal) => calls.push(`stop ${signal}`),
    forceExit: () => calls.push('exit'),
    signals,
  })
  return { signals, calls, lines }
}

test('a second and third SIGTERM keep draining: stop once, never exit', () => {
  const { signals, calls, lines } = setup()
  signals.emit('SIGTERM')
  signals.emit('SIGTERM')
  signals.emit('SIGTERM')
  assert.deepEqual(calls, ['stop SIGTERM'])
  assert.equal(lines.filter((line) => line.includes('still draining')).length, 2)
})

test('a SIGINT while draining exits at once, after SIGINT or SIGTERM started the drain', () => {
  for (const first of ['SIGINT', 'SIGTERM'] as const) {
    const { signals, calls } = setup()
    signals.emit(first)
    signals.emit('SIGINT')
    assert.deepEqual(calls, [`stop ${first}`, 'exit'])
  }
})

test('SIGHUP neither drains nor exits; it is logged each time, except where the primary logs it for the group', () => {
  const { signals, calls, lines } = setup()
  signals.emit('SIGHUP')
  signals.emit('SIGHUP')
  assert.deepEqual(calls, [])
  assert.equal(lines.filter((line) => line.includes('SIGHUP ignored')).length, 2)

  const workerSignals = new EventEmitter()
  const workerLines: string[] = []
  onStopSignals({
    logger: createLogger({ level: 'info', write: (line) => workerLines.push(line) }),
    stop: () => assert.fail('no drain'),
    forceExit: () => assert.fail('no exit'),
    signals: workerSignals,
    logHangup: false,
  })
  workerSignals.emit('SIGHUP')
  assert.deepEqual(workerLines, [])
})

test('with a reload given, SIGHUP reloads each time, but not while draining', () => {
  const signals = new EventEmitter()
  const calls: string[] = []
  const lines: string[] = []
  onStopSignals({
    logger: createLogger({ level: 'info', write: (line) => lines.push(line) }),
    stop: (signal) => calls.push(`stop ${signal}`),
    forceExit: () => calls.push('exit'),
    signals,
    reload: () => calls.push('reload'),
  })
  signals.emit('SIGHUP')
  signals.emit('SIGHUP')
  signals.emit('SIGTERM')
  signals.emit('SIGHUP')
  assert.deepEqual(calls, ['reload', 'reload', 'stop SIGTERM'])
  assert.equal(lines.filter((line) => line.includes('SIGHUP ignored')).length, 0)
  assert.equal(lines.filter((line) => line.includes('SIGHUP while draining')).length, 1)
})
