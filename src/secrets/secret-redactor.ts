// Replaces an upstream's secrets (its key, credentials from its endpoint URL) in what it answers, in every form an
// upstream may echo them: plain, JSON-escaped (with `\/` and `\uXXXX` variants) and URL-encoded.
import { credentialSecrets } from '../config/endpoint-credentials.js'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { bearerToken } from '../wire/bearer-token.js'

export const redactedMarker = '[redacted]'

const markerBytes = Buffer.from(redactedMarker, 'utf8')

/** Shorter secrets are not redacted: replacing every "abc" in an answer would mangle it and hide nothing. */
const minSecretLength = 4

export class SecretRedactor {
  /** Every form of every secret, longest first, so a longer form goes whole before a shorter one inside it. */
  readonly #forms: readonly string[]
  readonly #formBytes: readonly Buffer[]
  readonly #lowerForms: readonly string[]

  constructor(secrets: readonly string[]) {
    const forms = new Set<string>()
    for (const secret of secrets) {
      if (secret.length < minSecretLength) continue
      for (const form of formsOf(secret)) forms.add(form)
    }
    this.#forms = [...forms].sort((a, b) => b.length - a.length)
    this.#formBytes = this.#forms.map((form) => Buffer.from(form, 'utf8'))
    this.#lowerForms = [...new Set(this.#forms.map((form) => form.toLowerCase()))]
  }

  get empty(): boolean {
    return this.#forms.length === 0
  }

  redactText(text: string): string {
    let out = text
    for (const form of this.#forms) {
      if (out.includes(form)) out = out.replaceAll(form, redactedMarker)
    }
    return out
  }

  /** The longest form's length in bytes: a form split across two reads starts in the last `longest - 1` bytes of the first. */
  get longestFormBytes(): number {
    return this.#formBytes[0]?.length ?? 0
  }

  /**
   * The same buffer when it holds no secret (the usual case: a native search per form, no copy). Works on bytes,
   * so a buffer cut inside a UTF-8 sequence comes out with that sequence intact.
   */
  redactBytes(bytes: Buffer): Buffer {
    let out = bytes
    for (const form of this.#formBytes) {
      let at = out.indexOf(form)
      if (at === -1) continue
      const parts: Buffer[] = []
      let from = 0
      while (at !== -1) {
        parts.push(out.subarray(from, at), markerBytes)
        from = at + form.length
        at = out.indexOf(form, from)
      }
      parts.push(out.subarray(from))
      out = Buffer.concat(parts)
    }
    return out
  }

  /**
   * A flat name/value list with every value redacted, and without any header whose name holds a secret (names
   * arrive lower-cased, so they are compared so; a name cannot carry a marker and stay what the upstream meant).
   */
  redactHeaders(headers: readonly string[]): string[] {
    if (this.#forms.length === 0) return headers.slice()
    const out: string[] = []
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string
      if (this.#lowerForms.some((form) => name.includes(form))) continue
      out.push(name, this.redactText(headers[i + 1] as string))
    }
    return out
  }
}

const noSecrets = new SecretRedactor([])
const cache = new WeakMap<UpstreamConfig, SecretRedactor>()

/**
 * Built once per upstream config snapshot: the forms cost some string work, done before any answer arrives.
 * An `sk: asis` upstream holds the client's own key, given as `clientAuthorization`: its forms are built per request.
 */
export function redactorFor(upstream: UpstreamConfig | undefined, clientAuthorization?: string): SecretRedactor {
  if (upstream === undefined) return noSecrets
  if (upstream.credential.kind === 'client' && clientAuthorization !== undefined) return clientKeyRedactor(upstream, clientAuthorization)
  let redactor = cache.get(upstream)
  if (redactor === undefined) {
    redactor = new SecretRedactor(upstreamSecrets(upstream))
    cache.set(upstream, redactor)
  }
  return redactor
}

/** Client keys are few (the config lists them): their redactors are kept per upstream config, a bounded number. */
const clientKeyRedactors = new WeakMap<UpstreamConfig, Map<string, SecretRedactor>>()
const maxClientKeyRedactors = 1024

function clientKeyRedactor(upstream: UpstreamConfig, clientAuthorization: string): SecretRedactor {
  const token = bearerToken(clientAuthorization) ?? ''
  let byToken = clientKeyRedactors.get(upstream)
  if (byToken === undefined) {
    byToken = new Map()
    clientKeyRedactors.set(upstream, byToken)
  }
  let redactor = byToken.get(token)
  if (redactor === undefined) {
    redactor = new SecretRedactor([...upstreamSecrets(upstream), token])
    if (byToken.size >= maxClientKeyRedactors) byToken.delete(byToken.keys().next().value as string)
    byToken.set(token, redactor)
  }
  return redactor
}

/** What an upstream must never see echoed to a client: its key, and the password and Basic token of its endpoint. */
export function upstreamSecrets(upstream: UpstreamConfig): string[] {
  const secrets: string[] = []
  if (upstream.credential.kind === 'key') secrets.push(upstream.credential.key)
  secrets.push(...credentialSecrets(upstream.basicAuth))
  return secrets
}

/** The ways a serializer may have written `secret`: JSON encoders and URL encoders differ in what they escape. */
export function formsOf(secret: string): string[] {
  // Most keys hold no character a JSON encoder escapes: then every JSON form is the plain one.
  const forms = jsonEscapable.test(secret) ? [secret, ...jsonForms(secret)] : [secret]
  // An encoder that escapes every character but letters and digits.
  for (const hexCase of hexCases) forms.push(unicodeEscaped(secret, (c) => !isAlphanumeric(c), hexCase))
  const urlForms = [
    encodeURIComponent(secret),
    encodeURI(secret),
    // application/x-www-form-urlencoded (a space becomes "+").
    new URLSearchParams({ s: secret }).toString().slice(2),
    // Python's urllib.parse.quote (keeps "/").
    encodeURIComponent(secret).replaceAll('%2F', '/'),
    // Go's url.QueryEscape (keeps only letters, digits and "-_.~"; a space becomes "+").
    percentEncoded(secret, (c) => isAlphanumeric(c) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e).replaceAll('%20', '+'),
    // An encoder that escapes every character but letters and digits.
    percentEncoded(secret, isAlphanumeric),
  ]
  for (const form of urlForms) forms.push(form, lowerHexEscapes(form))
  return [...new Set(forms)]
}

const hexCases = ['lower', 'upper'] as const

/** A character some JSON encoder escapes: controls, the quote, the backslash, `/`, `&<>`, U+2028/9, non-ASCII. */
// eslint-disable-next-line no-control-regex -- control characters are among those a JSON encoder escapes
const jsonEscapable = /[\u0000-\u001f"\\/&<>\u007f-\uffff]/

/**
 * JSON.stringify's form, and what other encoders add to it, in every combination: `\/` (PHP), `\u0026` `\u003c`
 * `\u003e` and U+2028/2029 escaped (Go's HTML-safe encoding/json), non-ASCII as `\uXXXX` (Python's ensure_ascii),
 * the quote as `\u0022`; hex digits in either case.
 */
function jsonForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1)
  const forms: string[] = []
  for (let variant = 0; variant < 16; variant++) {
    for (const hexCase of hexCases) {
      let form = json
      if ((variant & 1) !== 0) form = form.replaceAll('/', '\\/')
      if ((variant & 2) !== 0)
        form = unicodeEscaped(form, (c) => c === 0x26 || c === 0x3c || c === 0x3e || c === 0x2028 || c === 0x2029, hexCase)
      if ((variant & 4) !== 0) form = unicodeEscaped(form, (c) => c > 0x7f, hexCase)
      if ((variant & 8) !== 0) form = form.replaceAll('\\"', '\\u0022')
      // Escapes JSON.stringify itself writes (control characters) in upper case too.
      forms.push(hexCase === 'upper' ? form.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex.toUpperCase()}`) : form)
    }
  }
  return forms
}

function unicodeEscaped(secret: string, escape: (code: number) => boolean, hexCase: 'lower' | 'upper'): string {
  let out = ''
  for (let i = 0; i < secret.length; i++) {
    const code = secret.charCodeAt(i)
    if (!escape(code)) {
      out += secret[i]
      continue
    }
    const hex = code.toString(16).padStart(4, '0')
    out += `\\u${hexCase === 'upper' ? hex.toUpperCase() : hex}`
  }
  return out
}

function isAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)
}

/** UTF-8 bytes as `%XX` (upper-case hex), but for characters `keep` leaves as they are. */
function percentEncoded(secret: string, keep: (code: number) => boolean): string {
  let out = ''
  for (const char of secret) {
    const code = char.codePointAt(0) as number
    if (code < 0x80 && keep(code)) {
      out += char
      continue
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

function lowerHexEscapes(encoded: string): string {
  return encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())
}
