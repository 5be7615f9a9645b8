// planForModel and fallbackPlans for named keys: a model outside a key's `models` or served only by upstreams outside
// its `upstreams` is planned exactly as an unknown model, a fallback model it may not use is skipped, path routes are
// not model-scoped.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Authenticator } from '../auth/authenticate.js'
import { parseConfigText } from '../config/load-config.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import { HealthBoard } from '../state/health-board.js'
import { ManualClock } from '../time/manual-clock.js'
import { fallbackPlans, planForModel, type ModelPlan, type ModelPlanContext } from './plan-for-model.js'

const config = parseConfigText(
  `
authorization: old-key
lb_policy: order
model_fallbacks:
  gpt-4o: [claude-3, gpt-4o-mini]
upstreams:
  - { name: openai-main, sk: a, endpoint: "http://127.0.0.1:1/v1", allow: ["gpt-4o", "gpt-4o-mini", "/v1/files"] }
  - { name: azure-eu, sk: b, endpoint: "http://127.0.0.1:2/v1", allow: ["gpt-4o", "gpt-4o-mini", "o3"] }
  - { name: anthropic, sk: c, endpoint: "http://127.0.0.1:3/v1", allow: [claude-3] }
keys:
  - { name: alice, key: alice-key, models: ["gpt-4o*"] }
  - { name: bob, key: bob-key, upstreams: [azure-eu, anthropic] }
  - { name: carol, key: carol-key, models: ["gpt-4o*", "claude-*"], upstreams: [openai-main] }
`,
  'test.yaml',
  {},
).config
const auth = new Authenticator(config.upstreams, config.keys)
const health = new HealthBoard(config.upstreams, { clock: new ManualClock() })

function contextFor(key: string, path = '/v1/chat/completions'): ModelPlanContext {
  return {
    config,
    identity: auth.authenticate(`Bearer ${key}`),
    path,
    mayUse: auth.mayUse.bind(auth),
    isAvailable: () => true,
    random: () => 0,
    latency: undefined,
    health,
  }
}

function upstreamsOf(plan: ModelPlan): string[] | ModelPlan['kind'] {
  if (plan.kind !== 'attempts') return plan.kind
  plan.health.finished()
  return plan.attempts.map((upstream) => upstream.name)
}

test("a model outside the key's models is planned as an unknown model, though upstreams serve it", () => {
  assert.deepEqual(upstreamsOf(planForModel('gpt-4o-mini', contextFor('alice-key'))), ['openai-main', 'azure-eu'])
  assert.equal(upstreamsOf(planForModel('o3', contextFor('alice-key'))), 'no_model')
  assert.equal(upstreamsOf(planForModel('claude-3', contextFor('alice-key'))), 'no_model')
  // The answer an unknown model gets, for the same key and for a predecessor key.
  assert.equal(upstreamsOf(planForModel('gpt-4o-nonexistent', contextFor('alice-key'))), 'no_model')
  assert.equal(upstreamsOf(planForModel('nonexistent', contextFor('old-key'))), 'no_model')
  assert.deepEqual(upstreamsOf(planForModel('o3', contextFor('old-key'))), ['azure-eu'])
})

test("a key's upstreams narrow the candidates; a model only other upstreams serve is an unknown model", () => {
  assert.deepEqual(upstreamsOf(planForModel('gpt-4o', contextFor('bob-key'))), ['azure-eu'])
  assert.deepEqual(upstreamsOf(planForModel('claude-3', contextFor('bob-key'))), ['anthropic'])
  assert.deepEqual(upstreamsOf(planForModel('gpt-4o', contextFor('carol-key'))), ['openai-main'])
  // carol's models allow claude-3, but none of her upstreams serves it.
  assert.equal(upstreamsOf(planForModel('claude-3', contextFor('carol-key'))), 'no_model')
})

test('a request without a body model is routed by its path alone, not model-scoped', () => {
  assert.deepEqual(upstreamsOf(planForModel(undefined, contextFor('alice-key', '/v1/files'))), ['openai-main'])
  assert.equal(upstreamsOf(planForModel(undefined, contextFor('bob-key', '/v1/files'))), 'no_model')
})

test('a fallback model the key may not use is skipped: its leg has no candidates', () => {
  const body = Buffer.from('{"model":"gpt-4o","messages":[]}')
  const request: UpstreamRequest = {
    requestId: 'r',
    method: 'POST',
    path: '/chat/completions',
    headers: {},
    body,
    json: null,
    model: 'gpt-4o',
    stream: false,
  }
  const legsFor = (key: string): Array<[string, string[]]> => {
    const fallbacks = fallbackPlans({
      requested: 'gpt-4o',
      fallbacks: config.modelFallbacks,
      context: contextFor(key),
      request,
      modelSpan: { start: 9, end: 17 },
    })
    assert.ok(fallbacks)
    const legs: Array<[string, string[]]> = []
    let leg = fallbacks.nextLeg({ model: 'gpt-4o', plan: [], requestFor: () => request, final: false })
    while (leg !== undefined) {
      legs.push([leg.model, leg.plan.map((upstream) => upstream.name)])
      leg = fallbacks.nextLeg(leg)
    }
    fallbacks.finished()
    return legs
  }
  assert.deepEqual(legsFor('alice-key'), [
    ['claude-3', []],
    ['gpt-4o-mini', ['openai-main', 'azure-eu']],
  ])
  assert.deepEqual(legsFor('old-key'), [
    ['claude-3', ['anthropic']],
    ['gpt-4o-mini', ['openai-main', 'azure-eu']],
  ])
})
