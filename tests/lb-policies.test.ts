// lb_policy weighted and latency through the real gateway: the plan's first upstream follows the weights and the
// injected random(); with latency, the upstreams' speeds are set by moving the gateway's manual clock while they answer.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../src/time/manual-clock.js'
import { completion, json, type Behaviour } from './helpers/fake-upstream.js'
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

test('latency: the faster upstream gets the traffic, and a recovered one is measured again and gets it back', async (t) => {
  const clock = new ManualClock()
  const takes = { primary: 2000, backup: 100 }
  /** Answers after `takes[name]` ms of the gateway's time. */
  const timed =
    (name: keyof typeof takes): Behaviour =>
    (req, res) => {
      clock.advance(takes[name])
      return json(200, completion(name))(req, res)
    }
  const primary = await fakeUpstreamFor(t, timed('primary'))
  const backup = await fakeUpstreamFor(t, timed('backup'))
  const gateway = await gatewayWith(
    t,
    {
      clientKey,
      topLevel: ['dbtype: none', 'lb_policy: latency'],
      upstreams: [
        { name: 'primary', endpoint: primary.endpoint },
        { name: 'backup', endpoint: backup.endpoint },
      ],
    },
    { clock },
  )
  /** One request a second of the gateway's time; the upstream that answered it. */
  const serve = async (): Promise<string> => {
    const index = await gateway.nextOutcomeIndex()
    assert.equal((await postChat(gateway, clientKey, chatRequest)).status, 200)
    clock.advance(1000)
    return (await gateway.outcomeAt(index)).upstream ?? ''
  }
  const served: string[] = []
  for (let i = 0; i < 22; i++) served.push(await serve())
  // Each unmeasured upstream is tried once, then the faster one keeps the traffic.
  assert.deepEqual(served.slice(0, 2), ['primary', 'backup'])
  assert.ok(
    served.slice(2).every((name) => name === 'backup'),
    served.join(','),
  )

  takes.primary = 40
  let measuredAgain = -1
  for (let i = 0; i < 300 && measuredAgain === -1; i++) if ((await serve()) === 'primary') measuredAgain = i
  // Its estimate decays while the backup serves, so within a few minutes it is tried again, and then keeps the traffic.
  assert.ok(measuredAgain !== -1, 'the recovered primary was never tried again')
  const after: string[] = []
  for (let i = 0; i < 20; i++) after.push(await serve())
  assert.ok(after.filter((name) => name === 'primary').length >= 18, after.join(','))
})
