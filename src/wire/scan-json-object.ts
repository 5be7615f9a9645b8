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
export const scanSliceBytes = 128 * 1024

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

/**
 * The same scan, a slice per event-loop turn, so a large or deeply nested body never holds up other requests. A body
 * of one slice or less is scanned at once, without a promise.
 */
export function scanJsonObjectSoon(
  body: Buffer,
  wanted: readonly string[],
  sliceBytes = scanSliceBytes,
): JsonObjectScan | undefined | Promise<JsonObjectScan | undefined> {
  return body.length <= sliceBytes ? scanJsonObject(body, wanted) : scanJsonObjectInSlices(body, wanted, sliceBytes)
}

/** The same scan, a slice per event-loop turn, so a large or deeply nested body never holds up other requests. */
export function scanJsonObjectInSlices(
  body: Buffer,
  wanted: readonly string[],
  sliceBytes = scanSliceBytes,
): Promise<JsonObjectScan | undefined> {
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
  readonly #wantedBytes: readonly Buffer[]
  readonly #maxKeyBytes: number
  readonly #fields = new Map<string, JsonSpan>()
  #i: number
  #open = -1
  #close = -1
  /** Bit d: whether the container at depth d+1 is an array; the first 32 levels in #shallowArrays, all of them here once deeper. */
  #arrays: Uint8Array | undefined
  #shallowArrays = 0
  #depth = 0
  #maxDepth = 0
  #expect: number = Expect.value
  #member: string | undefined
  #valueStart = -1
  #empty = true
  #failed = false
  readonly #backslash: BackslashHint = { at: 0 }
  /** The opening quote of a string the scan paused inside, else -1. */
  #stringStart = -1
  #stringIsKey = false
  result: JsonObjectScan | undefined

  constructor(body: Buffer, wanted: readonly string[], start: number, end: number) {
    this.#body = body
    this.#wanted = wanted
    this.#end = end
    const keys = wantedKeys(wanted)
    this.#wantedBytes = keys.bytes
    this.#maxKeyBytes = keys.maxKeyBytes
    this.#i = skipWhitespace(body, start, end)
    if (this.#i >= end || body[this.#i] !== LBRACE) this.#failed = true
    else this.#open = this.#i
  }

  /** Scans tokens until `until` is passed; true when the scan is over (`result` is then set). */
  advance(until: number): boolean {
    if (this.#failed) return true
    let i = this.#i
    while (true) {
      const next = this.#stringStart !== -1 ? this.#string(i, until) : this.#nextToken(i, until)
      if (next === paused) return false
      if (next === invalid) {
        this.#failed = true
        return true
      }
      if (next === ended) break
      i = next
    }
    if (this.#expect === Expect.end) {
      this.result = { open: this.#open, close: this.#close, empty: this.#empty, maxDepth: this.#maxDepth, fields: this.#fields }
    }
    this.#failed = true
    return true
  }

  /** The token after any whitespace at `i`: the index after it, `ended` at the end of the input, or `paused`/`invalid`. */
  #nextToken(from: number, until: number): number {
    const i = skipWhitespace(this.#body, from, this.#end)
    if (i >= this.#end) return ended
    if (i >= until) {
      this.#i = i
      return paused
    }
    return this.#token(i, this.#body[i] as number, until)
  }

  /** Goes on with the string opened at #stringStart from `i`; what #token returns. */
  #string(i: number, until: number): number {
    const next = scanStringFrom(this.#body, i, this.#end, this.#backslash, until)
    if (next === invalid) return invalid
    if (next <= paused) {
      this.#i = paused - next
      return paused
    }
    const start = this.#stringStart
    this.#stringStart = -1
    if (this.#stringIsKey) {
      if (this.#depth === 1) {
        this.#empty = false
        this.#member = next - start <= this.#maxKeyBytes ? wantedKey(this.#body, start, next, this.#wanted, this.#wantedBytes) : undefined
      }
      this.#expect = Expect.colon
      return next
    }
    this.#expect = Expect.afterValue
    if (this.#depth === 1) this.#endMember(next)
    return next
  }

  /** Consumes the token at `i`; returns the index after it, `paused` inside a long string, or `invalid`. */
  #token(i: number, c: number, until: number): number {
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
      this.#stringStart = i
      this.#stringIsKey = true
      return this.#string(i + 1, until)
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
    if (c === QUOTE) {
      this.#stringStart = i
      this.#stringIsKey = false
      return this.#string(i + 1, until)
    }
    const next = scanLiteralOrNumber(body, i, this.#end)
    if (next < 0) return -1
    this.#expect = Expect.afterValue
    if (this.#depth === 1) this.#endMember(next)
    return next
  }

  #isArray(depth: number): boolean {
    if (this.#arrays === undefined) return (this.#shallowArrays & (1 << (depth - 1))) !== 0
    return ((this.#arrays[(depth - 1) >> 3] as number) & (1 << ((depth - 1) & 7))) !== 0
  }

  #push(array: boolean): void {
    const depth = ++this.#depth
    if (depth > this.#maxDepth) this.#maxDepth = depth
    if (depth <= shallowDepth && this.#arrays === undefined) {
      const bit = 1 << (depth - 1)
      this.#shallowArrays = array ? this.#shallowArrays | bit : this.#shallowArrays & ~bit
      return
    }
    let arrays = this.#arrays
    if (arrays === undefined) {
      // Deeper than a word's bits: the stack moves to bytes, the shallow levels with it.
      arrays = new Uint8Array(64)
      for (let d = 0; d < shallowDepth; d++)
        if ((this.#shallowArrays & (1 << d)) !== 0) arrays[d >> 3] = (arrays[d >> 3] as number) | (1 << (d & 7))
      this.#arrays = arrays
    }
    const byte = (depth - 1) >> 3
    if (byte >= arrays.length) {
      const grown = new Uint8Array(arrays.length * 2)
      grown.set(arrays)
      this.#arrays = arrays = grown
    }
    const bit = 1 << ((depth - 1) & 7)
    arrays[byte] = array ? (arrays[byte] as number) | bit : (arrays[byte] as number) & ~bit
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

/** What scanStringFrom and the scanner's steps return besides an index: negative, so never an index. */
const invalid = -1
const ended = -2
/** `paused - i`: paused at `i` (always <= paused). */
const paused = -3

/**
 * `i` is inside a string (just after its opening quote, or where an earlier call paused); returns the index after
 * the closing quote, `invalid`, or `paused - j` when `stop` was reached at `j`. A string without escapes is found
 * natively in one search; one with escapes is walked byte by byte from its first backslash, pausing at `stop`.
 */
function scanStringFrom(body: Buffer, i: number, end: number, hint: BackslashHint, stop: number): number {
  const quote = body.indexOf(QUOTE, i)
  if (quote === -1 || quote >= end) return invalid
  const backslash = nextBackslash(body, i, hint)
  if (backslash === -1 || backslash > quote) return quote + 1
  i = backslash
  while (i < end) {
    if (i >= stop) return paused - i
    const c = body[i] as number
    if (c === QUOTE) return i + 1
    if (c !== BACKSLASH) {
      i++
      continue
    }
    const e = body[i + 1]
    if (e === 0x75 /* u */) {
      for (let k = 2; k < 6; k++) if (!isHex(body[i + k])) return invalid
      i += 6
    } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2
    } else {
      return invalid
    }
  }
  return invalid
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

/** Nesting levels whose array-or-object bits fit in one 32-bit number (no typed array for usual bodies). */
const shallowDepth = 32

interface WantedKeys {
  /** Each wanted key's UTF-8 bytes, in the order of `wanted`. */
  readonly bytes: readonly Buffer[]
  /** The longest key token that can still be one of them: every byte escaped as `\\uXXXX`, plus the quotes. */
  readonly maxKeyBytes: number
}

/** Made once per list of wanted keys (the callers pass module constants), not per scan. */
const wantedKeysCache = new WeakMap<readonly string[], WantedKeys>()

function wantedKeys(wanted: readonly string[]): WantedKeys {
  let keys = wantedKeysCache.get(wanted)
  if (keys === undefined) {
    const bytes = wanted.map((key) => Buffer.from(key, 'utf8'))
    keys = { bytes, maxKeyBytes: Math.max(0, ...bytes.map((key) => key.length)) * 6 + 2 }
    wantedKeysCache.set(wanted, keys)
  }
  return keys
}

/** A key token without escapes is matched on its bytes, so the body's other keys never become strings. */
function wantedKey(
  body: Buffer,
  quote: number,
  after: number,
  wanted: readonly string[],
  wantedBytes: readonly Buffer[],
): string | undefined {
  const start = quote + 1
  const length = after - 1 - start
  if (!hasBackslash(body, start, length)) {
    for (let k = 0; k < wantedBytes.length; k++) if (sameBytes(body, start, wantedBytes[k] as Buffer, length)) return wanted[k]
    return undefined
  }
  // A short, already validated string token with escapes: parsing it is flat and cheap.
  const key = JSON.parse(body.toString('utf8', quote, after)) as string
  return wanted.includes(key) ? key : undefined
}

/** The caller bounds `length` (a key token no longer than the longest wanted key's escaped form). */
function hasBackslash(body: Buffer, start: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (body[start + i] === BACKSLASH) return true
  return false
}

function sameBytes(body: Buffer, start: number, key: Buffer, length: number): boolean {
  if (key.length !== length) return false
  for (let i = 0; i < length; i++) if (body[start + i] !== key[i]) return false
  return true
}
