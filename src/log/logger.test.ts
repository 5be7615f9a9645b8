// The logger: levels, JSON lines, and the cached timestamp that must read exactly like toISOString().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from './logger.js'

test('lines below the level are not written; each line is JSON with time, level and message first', () => {
  const lines: string[] = []
  const logger = createLogger({ level: 'warn', write: (line) => lines.push(line), now: () => 0 })
  logger.info('quiet')
  logger.line('info', 'quiet too', '"a":1')
  logger.warn('loud', { n: 1 })
  logger.line('error', 'prebuilt', '"a":1,"b":"x"')
  assert.deepEqual(lines, [
    '{"time":"1970-01-01T00:00:00.000Z","level":"warn","msg":"loud","n":1}\n',
    '{"time":"1970-01-01T00:00:00.000Z","level":"error","msg":"prebuilt","a":1,"b":"x"}\n',
  ])
})

test('timestamps match toISOString across seconds and milliseconds', () => {
  let now = Date.UTC(2024, 11, 31, 23, 59, 59, 998)
  const times: string[] = []
  const logger = createLogger({ level: 'info', write: (line) => times.push((JSON.parse(line) as { time: string }).time), now: () => now })
  for (const step of [0, 1, 1, 9, 90, 900, 0.5, 1000]) {
    now += step
    logger.info('t')
    assert.equal(times[times.length - 1], new Date(now).toISOString())
  }
})
