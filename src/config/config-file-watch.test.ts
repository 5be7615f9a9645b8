// The config watch: a burst of events is one reload after the debounce, unchanged bytes none, a file missing for a
// moment none until it is back; and on a real directory, a rename-over save is seen.
import assert from 'node:assert/strict'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { systemClock } from '../time/clock.js'
import { ManualClock } from '../time/manual-clock.js'
import { ConfigFileWatch } from './config-file-watch.js'

function fakeWatch(): { fire: () => void; watch: ConstructorParameters<typeof ConfigFileWatch>[0]['watch'] } {
  let listener: () => void = () => undefined
  return {
    fire: () => listener(),
    watch: (_directory, on) => {
      listener = on
      return { close: () => undefined, on: () => undefined } as never
    },
  }
}

test('rapid events make one reload after the debounce; unchanged or missing bytes make none', () => {
  const clock = new ManualClock()
  const { fire, watch } = fakeWatch()
  let bytes: string | undefined = 'a: 1'
  let reloads = 0
  const read = (): Buffer => {
    if (bytes === undefined) throw new Error('ENOENT')
    return Buffer.from(bytes)
  }
  const w = new ConfigFileWatch({
    file: '/x/config.yaml',
    clock,
    onChange: () => reloads++,
    onError: (error) => assert.fail(String(error)),
    watch,
    read,
    debounceMs: 200,
  })
  bytes = 'a: 2'
  fire()
  clock.advance(150)
  fire()
  clock.advance(150)
  assert.equal(reloads, 0, 'still within the debounce of the last event')
  clock.advance(50)
  assert.equal(reloads, 1)
  fire()
  clock.advance(200)
  assert.equal(reloads, 1, 'the same bytes again')
  bytes = undefined
  fire()
  clock.advance(200)
  assert.equal(reloads, 1, 'no file for a moment')
  bytes = 'a: 3'
  fire()
  clock.advance(200)
  assert.equal(reloads, 2)
  w.close()
})

test('a save that renames a new file over the config is seen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oar-watch-'))
  const file = join(dir, 'config.yaml')
  writeFileSync(file, 'a: 1\n')
  let reloads = 0
  const w = new ConfigFileWatch({
    file,
    clock: systemClock,
    onChange: () => reloads++,
    onError: (error) => assert.fail(String(error)),
    debounceMs: 20,
  })
  try {
    writeFileSync(join(dir, '.config.yaml.swp'), 'a: 2\n')
    renameSync(join(dir, '.config.yaml.swp'), file)
    const until = performance.now() + 30_000
    while (reloads === 0) {
      if (performance.now() > until) assert.fail('the rename was never seen')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    assert.equal(reloads, 1)
  } finally {
    w.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
