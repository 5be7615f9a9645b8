import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import { currentThreadId, threadNice, threadPrioritiesVisible } from '../../tests/helpers/thread-nice.js'
import { backgroundNice } from './background-priority.js'

test("a background thread lowers its own priority and no other thread's", { skip: threadPrioritiesVisible }, async () => {
  const mainThread = currentThreadId()
  const niceBefore = threadNice(mainThread)
  const url = new URL('./background-priority.js', import.meta.url).href
  const worker = new Worker(
    // The listener keeps the thread alive until terminate(): a thread that had ended has no /proc entry left to read.
    `import(${JSON.stringify(url)}).then((m) => { const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => {}); parentPort.postMessage(m.runAtBackgroundPriority()) })`,
    { eval: true },
  )
  try {
    const threadId = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    assert.ok(threadId > 0 && threadId !== mainThread)
    assert.equal(threadNice(threadId), backgroundNice)
    assert.equal(threadNice(mainThread), niceBefore)
  } finally {
    await worker.terminate()
  }
})
