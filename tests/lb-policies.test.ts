// lb_policy weighted through the real gateway: the plan's first upstream follows the weights and the injected random().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { completion, json } from './helpers/fake-upstream.js'
import { chatRequest, fakeUpstreamFor, gatewayWith, postChat } from './helpers/scripted-gateway.js'

const clientKey = 'client-key'

test('weighted: random() picks the first upstream in proportion to weight; weight 0 serves only as failover', async (t) => {
  const a = await fakeUpstreamFor(t, json(200, completion('a')))
  const b = await fakeUpstreamFor(t, json(200, completion('b')))
  const spare = await fakeUpstreamFor(t, json(200, completion('spare')))
  const draws = [0.2, 0.3, 0.9]
  const gateway = await gatewayWith(
    t,
    {
      clientKey,
      topLevel: ['dbtype: none', 'lb_policy: weighted'],
      upstreams: [
        { name: 'spare', endpoint: spare.endpoint, extra: ['weight: 0'] },
        { name: 'a', endpoint: a.endpoint, extra: ['weight: 1'] },
        { name: 'b', endpoint: b.endpoint, extra: ['weight: 3'] },
      ],
    },
    { random: () => draws.shift() ?? 0 },
  )
  // Total 4: a draw below 0.25 is a, at or above is b.
  const answered: string[] = []
  for (let i = 0; i < 3; i++) {
    const index = await gateway.nextOutcomeIndex()
    assert.equal((await postChat(gateway, clientKey, chatRequest)).status, 200)
    answered.push((await gateway.outcomeAt(index)).upstream ?? '')
  }
  assert.deepEqual(answered, ['a', 'b', 'b'])
  assert.equal(spare.requests.length, 0)
})
