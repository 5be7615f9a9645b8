// Bounded labels: known routes, ids folded into `{id}`, anything else `other`; models only from the config.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UpstreamConfig } from '../../config/gateway-config.js'
import { configuredModels, routeIndex, routeLabels, statusClassIndex, statusClassLabels } from './metric-labels.js'

const route = (path: string): string | undefined => routeLabels[routeIndex(path)]

test('known routes are labelled as themselves', () => {
  assert.equal(route('/v1/chat/completions'), '/v1/chat/completions')
  assert.equal(route('/v1/embeddings'), '/v1/embeddings')
  assert.equal(route('/v1/audio/transcriptions'), '/v1/audio/transcriptions')
})

test('paths with ids fold into one label per collection; anything else is other', () => {
  assert.equal(route('/v1/files/file-abc/content'), '/v1/files/{id}')
  assert.equal(route('/v1/models/gpt-4o'), '/v1/models/{id}')
  assert.equal(route('/v1/filesystem'), 'other')
  assert.equal(route('/v1/files/'), 'other')
  assert.equal(route('/v1/whatever/a/client/invents'), 'other')
})

test('status classes', () => {
  const label = (status: number): string | undefined => statusClassLabels[statusClassIndex(status)]
  assert.equal(label(200), '2xx')
  assert.equal(label(499), '4xx')
  assert.equal(label(504), '5xx')
  assert.equal(label(0), 'other')
  assert.equal(label(600), 'other')
})

test('configured models come from allow lists, Azure deployments, upstream models and metrics.models', () => {
  const upstream = (allow: string[], deployments: Record<string, string>, models: Record<string, string> = {}): UpstreamConfig =>
    ({ allow, deployments, models }) as unknown as UpstreamConfig
  const models = configuredModels({
    upstreams: [
      upstream(['gpt-4o', '/v1/audio/transcriptions'], {}),
      upstream([], { 'gpt-4o-mini': 'mini-deploy' }, { fast: 'claude-haiku-4-5' }),
    ],
    metrics: { models: ['o3'] },
  })
  // The client's names label requests; the names upstreams are sent are labels of their own metric.
  assert.deepEqual([...models].sort(), ['/v1/audio/transcriptions', 'fast', 'gpt-4o', 'gpt-4o-mini', 'o3'])
})
