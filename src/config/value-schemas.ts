// The value types config keys share (durations, key lists, sizes, URLs), each a zod schema with a message a user can act on.
import { z } from 'zod'
import { byteSizeHint, parseByteSize } from './byte-size.js'
import { listenAddressHint, parseListenAddress } from './listen-address.js'

/**
 * Go's YAML decoder left `key:` (null) and `key: ""` at the zero value, which the predecessor read as "not set".
 * Dropping them before validation keeps those files working and makes "empty" mean "default" everywhere.
 */
export function dropUnsetValues(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== null && entry !== undefined && entry !== ''))
}

/** A strict YAML map (unknown keys are errors) in which empty values count as unset. */
export function yamlMap<Schema extends z.ZodType>(schema: Schema) {
  return z.preprocess(dropUnsetValues, schema)
}

/** Seconds, fractions allowed (`0.5`); zod already refuses NaN and infinities. */
export const secondsSchema = z.number().min(0, 'must be 0 or more seconds')

/** How many times a failed attempt is retried on the same upstream. */
export const retriesSchema = z.number().int('must be a whole number').min(0, 'must be 0 or more')

/** Comma-separated (`"k1, k2"`) as in the predecessor, or a YAML list; blanks around keys are ignored. */
export const clientKeysSchema = z.union([z.string(), z.array(z.string())]).transform(splitClientKeys)

export function splitClientKeys(value: string | readonly string[]): string[] {
  const parts = typeof value === 'string' ? value.split(',') : value
  return [...new Set(parts.map((part) => part.trim()).filter((part) => part !== ''))]
}

export const byteSizeSchema = z.union([
  z.number().int('must be a whole number of bytes').min(1, 'must be at least 1 byte'),
  z.string().transform((text, context) => {
    const bytes = parseByteSize(text)
    if (bytes === undefined || bytes < 1) {
      context.addIssue({ code: 'custom', message: byteSizeHint })
      return z.NEVER
    }
    return bytes
  }),
])

export const listenAddressSchema = z.string().refine((text) => parseListenAddress(text) !== undefined, listenAddressHint)

/** The base URL paths are appended to, so a query string or fragment would end up in the middle of every URL. */
export const endpointSchema = z.string().refine(isBaseUrl, 'expected an http:// or https:// URL without a query or fragment')

function isBaseUrl(text: string): boolean {
  if (!URL.canParse(text)) return false
  const url = new URL(text)
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === ''
}

/** Host names only (no scheme or path), compared case-insensitively. */
export const hostNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/, 'expected a host name such as api.replicate.com')
  .transform((host) => host.toLowerCase())
