// The `user:password@` of an endpoint URL: taken out of the endpoint (which is printed, logged and stored) and
// kept apart as HTTP Basic credentials.
import type { BasicCredentials } from './gateway-config.js'

/** The endpoint without `user:password@`; unchanged when it has none or is not a URL. */
export function withoutCredentials(endpoint: string): string {
  if (!URL.canParse(endpoint)) return endpoint
  const url = new URL(endpoint)
  if (url.username === '' && url.password === '') return endpoint
  url.username = ''
  url.password = ''
  return url.href.replace(/\/+$/, '')
}

/** `user:password@` of the endpoint, percent-decoded as HTTP clients do before building a Basic header. */
export function endpointCredentials(endpoint: string): BasicCredentials | undefined {
  if (!URL.canParse(endpoint)) return undefined
  const url = new URL(endpoint)
  if (url.username === '' && url.password === '') return undefined
  return { username: percentDecoded(url.username), password: percentDecoded(url.password) }
}

/** What an answer may quote of the credentials: the password, `user:password`, and the Basic token. */
export function credentialSecrets(basic: BasicCredentials | undefined): string[] {
  if (basic === undefined) return []
  const pair = `${basic.username}:${basic.password}`
  return [basic.password, pair, Buffer.from(pair, 'utf8').toString('base64')]
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
