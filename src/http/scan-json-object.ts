// A linear, non-recursive scan of a JSON object body: validates it as JSON.parse would (bar UTF-8) and
// returns where chosen top-level fields' values lie, without building any value. Nesting is tracked in a
// bit stack, so a body of millions of brackets costs one pass and a few megabytes at most, never a deep
// call stack or a tree of objects.

/** A value's bytes, `start` inclusive, `end` exclusive. */
export interface JsonSpan {
  readonly start: number
  readonly end: number
}

export interface JsonObjectScan {
  /** Index of the object's `{` and of its `}`. */
  readonly open: number
  readonly close: number
  /** The object has no member at all. */
  readonly empty: boolean
  /** Deepest nesting met (the object itself is 1). */
  readonly maxDepth: number
  /** The last occurrence of each wanted member (JSON.parse keeps the last one too). */
  readonly fields: ReadonlyMap<string, JsonSpan>
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const LBRACE = 0x7b
const RBRACE = 0x7d
const LBRACKET = 0x5b
const RBRACKET = 0x5d

/** What the scanner expects next. */
const Expect = { value: 0, valueOrClose: 1, key: 2, keyOrClose: 3, colon: 4, afterValue: 5, end: 6 } as const

/** Bytes scanned per event-loop turn by `scanJsonObjectInSlices` (a few milliseconds at most). */
export const scanSliceBytes = 256 * 1024

/**
 * Scans `body[start, end)`; undefined when it is not exactly one JSON object (surrounding whitespace aside).
 * Keys are compared after unescaping, so `"mod\u0065l"` is `model`, as for JSON.parse. Strings are checked
 * for their escapes but not for raw control characters (JSON.parse refuses those; finding them would cost a
 * look at every byte of every string).
 */
export function scanJsonObject(body: Buffer, wanted: readonly string[], start = 0, end = body.length): JsonObjectScan | undefined {
  const scanner = new ObjectScanner(body, wanted, start, end)
  while (!scanner.advance(end)) {
    // advance(end) only returns false before the end, which it does not.
  }
  return scanner.result
}

/** The same scan, a slice per event-loop turn, so a large or deeply nested body never holds up other requests. */
export function scanJsonObjectInSlices(body: Buffer, wanted: readonly string[], sliceBytes = scanSliceBytes): Promise<JsonObjectScan | undefined> {
  const scanner = new ObjectScanner(body, wanted, 0, body.length)
  if (scanner.advance(sliceBytes)) return Promise.resolve(scanner.result)
  return new Promise((resolve) => {
    let until = sliceBytes
    const next = (): void => {
      until += sliceBytes
      if (scanner.advance(until)) resolve(scanner.result)
      else setImmediate(next)
    }
    setImmediate(next)
  })
}

class ObjectScanner {
  readonly #body: Buffer
  readonly #wanted: readonly string[]
  readonly #end: number
  readonly #maxKeyBytes: number
  readonly #fields = new Map<string, JsonSpan>()
  #i: number
  #open = -1
  #close = -1
  /** Bit d: whether the container at depth d+1 is an array. */
  #arrays = new Uint8Array(64)
  #depth = 0
  #maxDepth = 0
  #expect: number = Expect.value
  #member: string | undefined
  #valueStart = -1
  #empty = true
  #failed = false
  readonly #backslash: BackslashHint = { at: 0 }
  result: JsonObjectScan | undefined

  constructor(body: Buffer, wanted: readonly string[], start: number, end: number) {
    this.#body = body
    this.#wanted = wanted
    this.#end = end
    this.#maxKeyBytes = Math.max(0, ...wanted.map((key) => Buffer.byteLength(key))) * 6 + 2
    this.#i = skipWhitespace(body, start, end)
    if (this.#i >= end || body[this.#i] !== LBRACE) this.#failed = true
    else this.#open = this.#i
  }

  /** Scans tokens until `until` is passed; true when the scan is over (`result` is then set). */
  advance(until: number): boolean {
    if (this.#failed) return true
    const body = this.#body
    const end = this.#end
    let i = this.#i
    while (true) {
      i = skipWhitespace(body, i, end)
      if (i >= end) break
      if (i >= until) {
        this.#i = i
        return false
      }
      const next = this.#token(i, body[i] as number)
      if (next < 0) {
        this.#failed = true
        return true
      }
      i = next
    }
    if (this.#expect === Expect.end) {
      this.result = { open: this.#open, close: this.#close, empty: this.#empty, maxDepth: this.#maxDepth, fields: this.#fields }
    }
    this.#failed = true
    return true
  }

  /** Consumes the token at `i`; returns the index after it, or -1 when the body is not JSON. */
  #token(i: number, c: number): number {
    const expect = this.#expect
    const body = this.#body
    if (expect === Expect.end) return -1
    if (expect === Expect.colon) {
      if (c !== COLON) return -1
      this.#expect = Expect.value
      return i + 1
    }
    if ((expect === Expect.key || expect === Expect.keyOrClose) && !(c === RBRACE && expect === Expect.keyOrClose)) {
      if (c !== QUOTE) return -1
      const keyEnd = scanString(body, i, this.#end, this.#backslash)
      if (keyEnd < 0) return -1
      if (this.#depth === 1) {
        this.#empty = false
        this.#member = keyEnd - i <= this.#maxKeyBytes ? wantedKey(body, i, keyEnd, this.#wanted) : undefined
      }
      this.#expect = Expect.colon
      return keyEnd
    }
    if (expect === Expect.afterValue) {
      const inArray = this.#isArray(this.#depth)
      if (c === COMMA) {
        this.#expect = inArray ? Expect.value : Expect.key
        return i + 1
      }
      if (c !== (inArray ? RBRACKET : RBRACE)) return -1
    }
    if (c === RBRACE || c === RBRACKET) {
      if (expect === Expect.value || (expect === Expect.valueOrClose && c !== RBRACKET)) return -1
      this.#depth--
      if (this.#depth === 0) {
        this.#close = i
        this.#expect = Expect.end
        return i + 1
      }
      this.#expect = Expect.afterValue
      if (this.#depth === 1) this.#endMember(i + 1)
      return i + 1
    }
    // A value starts here.
    if (this.#depth === 1) this.#valueStart = i
    if (c === LBRACE || c === LBRACKET) {
      this.#push(c === LBRACKET)
      this.#expect = c === LBRACKET ? Expect.valueOrClose : Expect.keyOrClose
      return i + 1
    }
    const next = c === QUOTE ? scanString(body, i, this.#end, this.#backslash) : scanLiteralOrNumber(body, i, this.#end)
    if (next < 0) return -1
    this.#expect = Expect.afterValue
    if (this.#depth === 1) this.#endMember(next)
    return next
  }

  #isArray(depth: number): boolean {
    return ((this.#arrays[(depth - 1) >> 3] as number) & (1 << ((depth - 1) & 7))) !== 0
  }

  #push(array: boolean): void {
    const depth = ++this.#depth
    if (depth > this.#maxDepth) this.#maxDepth = depth
    const byte = (depth - 1) >> 3
    if (byte >= this.#arrays.length) {
      const grown = new Uint8Array(this.#arrays.length * 2)
      grown.set(this.#arrays)
      this.#arrays = grown
    }
    const bit = 1 << ((depth - 1) & 7)
    this.#arrays[byte] = array ? (this.#arrays[byte] as number) | bit : (this.#arrays[byte] as number) & ~bit
  }

  #endMember(valueEnd: number): void {
    if (this.#member !== undefined) this.#fields.set(this.#member, { start: this.#valueStart, end: valueEnd })
    this.#member = undefined
  }
}

function skipWhitespace(body: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = body[i]
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
    i++
  }
  return i
}

/** Where the next backslash is, searched again only once the scan has passed it, so the searches add up to one pass. */
export interface BackslashHint {
  at: number
}

/** `i` is at the opening quote; returns the index after the closing one, or -1. */
export function scanString(body: Buffer, i: number, end: number, hint: BackslashHint = { at: 0 }): number {
  // Most bytes of a body are inside strings: find the closing quote natively, and look at escapes only if there are any.
  const quote = body.indexOf(QUOTE, i + 1)
  if (quote === -1 || quote >= end) return -1
  if (nextBackslash(body, i + 1, hint) === -1 || hint.at > quote) return quote + 1
  i = hint.at
  while (i < end) {
    const c = body[i] as number
    if (c === QUOTE) return i + 1
    if (c === BACKSLASH) {
      const e = body[i + 1]
      if (e === 0x75 /* u */) {
        for (let k = 2; k < 6; k++) if (!isHex(body[i + k])) return -1
        i += 6
        continue
      }
      if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1
      i += 2
      continue
    }
    const nextQuote = body.indexOf(QUOTE, i)
    if (nextQuote === -1 || nextQuote >= end) return -1
    const backslash = nextBackslash(body, i, hint)
    i = backslash !== -1 && backslash < nextQuote ? backslash : nextQuote
  }
  return -1
}

function nextBackslash(body: Buffer, from: number, hint: BackslashHint): number {
  if (hint.at !== -1 && hint.at < from) hint.at = body.indexOf(BACKSLASH, from)
  return hint.at
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))
}

const literals = [Buffer.from('true'), Buffer.from('false'), Buffer.from('null')]

/** `true`, `false`, `null` or a JSON number starting at `i`; returns the index after it, or -1. */
function scanLiteralOrNumber(body: Buffer, i: number, end: number): number {
  for (const literal of literals) {
    if (body[i] === literal[0]) {
      return end - i >= literal.length && body.compare(literal, 0, literal.length, i, i + literal.length) === 0 ? i + literal.length : -1
    }
  }
  // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
  if (body[i] === 0x2d) i++
  if (body[i] === 0x30) i++
  else if (isDigit(body[i]) && body[i] !== 0x30) i = digits(body, i, end)
  else return -1
  if (body[i] === 0x2e) {
    if (!isDigit(body[i + 1])) return -1
    i = digits(body, i + 1, end)
  }
  if (body[i] === 0x65 || body[i] === 0x45) {
    i++
    if (body[i] === 0x2b || body[i] === 0x2d) i++
    if (!isDigit(body[i])) return -1
    i = digits(body, i, end)
  }
  return i > end ? -1 : i
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39
}

function digits(body: Buffer, i: number, end: number): number {
  while (i < end && isDigit(body[i])) i++
  return i
}

function wantedKey(body: Buffer, quote: number, after: number, wanted: readonly string[]): string | undefined {
  const raw = body.toString('utf8', quote + 1, after - 1)
  // A short, already validated string token: parsing it is flat and cheap.
  const key = raw.includes('\\') ? (JSON.parse(body.toString('utf8', quote, after)) as string) : raw
  return wanted.includes(key) ? key : undefined
}
