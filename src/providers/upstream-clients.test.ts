// Pools across reloads: a set handed over shares the pools of the origins it keeps, and a pool closes with the last
// set that holds it, whatever order the sets close in.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UpstreamClients } from './upstream-clients.js'

test('a pool closes only when every set holding it has closed', async () => {
  const first = new UpstreamClients()
  const kept = first.pool('http://127.0.0.1:1')
  first.pool('http://127.0.0.1:2')
  const second = first.handOver(new Set(['http://127.0.0.1:1']))
  assert.equal(second.pool('http://127.0.0.1:1'), kept)
  const third = second.handOver(new Set(['http://127.0.0.1:3']))
  third.pool('http://127.0.0.1:3')
  assert.equal(third.openPools, 3)
  // The middle set ends first: the pool the first still uses stays open.
  await second.close()
  assert.equal(kept.destroyed, false)
  assert.equal(third.openPools, 3)
  await first.close()
  assert.equal(kept.destroyed, true)
  assert.equal(third.openPools, 1)
  await third.close()
  assert.equal(third.openPools, 0)
})
