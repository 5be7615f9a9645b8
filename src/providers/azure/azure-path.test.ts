// azurePath: deployment URLs and api-version, as a table.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GatewayError } from '../../errors/gateway-error.js'
import { azurePath, type AzurePathOptions } from './azure-path.js'

const base: AzurePathOptions = {
  basePath: '/openai',
  clientPath: '/chat/completions',
  model: 'gpt-4o',
  deployments: {},
  apiVersion: '2024-10-21',
}

const table: [name: string, options: Partial<AzurePathOptions>, path: string][] = [
  ['the model name is the default deployment', {}, '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21'],
  [
    'the deployments map wins',
    { deployments: { 'gpt-4o': 'prod-4o' } },
    '/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21',
  ],
  [
    'embeddings are per deployment too',
    { clientPath: '/embeddings', model: 'text-embedding-3-small' },
    '/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21',
  ],
  ['other paths go under the endpoint', { clientPath: '/models' }, '/openai/models?api-version=2024-10-21'],
  [
    "the client's query is kept; the configured api-version replaces its own",
    { clientPath: '/files?purpose=batch&api-version=2023-01-01' },
    '/openai/files?purpose=batch&api-version=2024-10-21',
  ],
  ['no api_version: none is added', { apiVersion: undefined }, '/openai/deployments/gpt-4o/chat/completions'],
  [
    'a model named after an object property is a model name',
    { model: 'constructor' },
    '/openai/deployments/constructor/chat/completions?api-version=2024-10-21',
  ],
  ['deployment names are escaped', { model: 'a b/c' }, '/openai/deployments/a%20b%2Fc/chat/completions?api-version=2024-10-21'],
  [
    'a request routed by its path uses the deployments entry for that path',
    { clientPath: '/audio/transcriptions', model: '/v1/audio/transcriptions', deployments: { '/v1/audio/transcriptions': 'whisper' } },
    '/openai/deployments/whisper/audio/transcriptions?api-version=2024-10-21',
  ],
]

for (const [name, options, path] of table) {
  test(`azurePath: ${name}`, () => assert.equal(azurePath({ ...base, ...options }), path))
}

test('a request routed by its path without a deployments entry cannot be served', () => {
  assert.throws(
    () => azurePath({ ...base, clientPath: '/audio/transcriptions', model: '/v1/audio/transcriptions' }),
    (error: unknown) => error instanceof GatewayError && error.code === 'upstream_unsupported',
  )
})
