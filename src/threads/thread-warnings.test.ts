// receiveThreadWarnings: a warning raised in a worker thread reaches the main thread's handler and nothing is
// printed on the thread's stderr.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import { receiveThreadWarnings, type ThreadWarning } from './thread-warnings.js'

test('a worker thread that sends its warnings prints none: the main thread receives each', async () => {
  const received: ThreadWarning[] = []
  let arrived!: () => void
  const done = new Promise<void>((resolve) => (arrived = resolve))
  const stop = receiveThreadWarnings((warning) => {
    received.push(warning)
    arrived()
  })
  const module = new URL('./thread-warnings.js', import.meta.url).href
  // stderr: true keeps the thread's stderr here, to be read, instead of forwarding it to this process's.
  const worker = new Worker(
    `import(${JSON.stringify(module)}).then((m) => { m.sendThreadWarnings(); process.emitWarning('old API', 'DeprecationWarning') })`,
    { eval: true, stderr: true },
  )
  let stderr = ''
  worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  await done
  await exited
  stop()
  assert.deepEqual(received, [{ name: 'DeprecationWarning', message: 'old API' }])
  assert.equal(stderr, '')
})
