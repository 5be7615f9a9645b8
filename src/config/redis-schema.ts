// The `redis:` section: the Redis that replicas share upstream health through, and the prefix of its key and channel.
import { z } from 'zod'
import { configDefaults } from './config-defaults.js'
import { yamlMap } from './value-schemas.js'

export const redisUrlHint = 'expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0'

function isRedisUrl(text: string): boolean {
  if (!URL.canParse(text)) return false
  const url = new URL(text)
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== ''
}

export const redisSchema = yamlMap(
  z.strictObject({
    url: z.string().refine(isRedisUrl, redisUrlHint),
    prefix: z.string().default(configDefaults.redis.prefix),
  }),
)
