// The spill file: rows the records database cannot take now, kept as JSON lines on disk until it can.
import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../log/logger.js'
import type { RecordRow } from './record-row.js'

export interface RecordSpillOptions {
  readonly dir: string
  /** Bound on the bytes of every spill segment in `dir` together; a row past it is dropped. */
  readonly maxBytes: number
  readonly logger: Logger
  /** Names segments in time order (a time-ordered uid). */
  readonly newSegmentId: () => string
  /** A segment is closed (and may be replayed) once it holds this many bytes; default 1 MiB. */
  readonly segmentBytes?: number
  /** This process; segments carry it so that several processes can share the directory. */
  readonly pid?: number
}

export interface SpillAppend {
  readonly kept: number
  readonly dropped: number
}

/**
 * Segments are `records-spill-<id>-<pid>.jsonl.open` while a process appends to them, `.jsonl` once closed, and
 * `records-replay-<id>-<pid>.jsonl` while a process replays them: a rename claims a segment, so processes sharing
 * the directory (`--workers N`, or a restart) never replay the same one at once. A segment is removed only after
 * every row in it is committed; a crash in between replays it again, which the store's insert makes harmless (a
 * row whose record uid is stored already is skipped).
 */
export class RecordSpill {
  readonly #options: RecordSpillOptions
  readonly #pid: number
  #scanned: Promise<void> | undefined
  #bytes = 0
  #segment: OpenSegment | undefined
  #replay: Replay | undefined

  constructor(options: RecordSpillOptions) {
    this.#options = options
    this.#pid = options.pid ?? process.pid
  }

  get dir(): string {
    return this.#options.dir
  }

  /** Appends the rows it has room for, in order; the rest are dropped (reported, not thrown). */
  append(rows: readonly RecordRow[]): Promise<SpillAppend> {
    return this.#serially(() => this.#append(rows))
  }

  /** Makes what this process appended durable and replayable. */
  closeSegment(): Promise<void> {
    return this.#serially(() => this.#closeSegment())
  }

  /**
   * Inserts the next batch of spilled rows (oldest first) and returns how many there were: 0 when nothing is left.
   * Throws what `insert` throws; the rows stay spilled and the next call tries them again.
   */
  async replayBatch(batchSize: number, insert: (rows: readonly RecordRow[]) => Promise<void>): Promise<number> {
    // The insert runs outside the queue of operations: a shutdown's spill must not wait for a slow database.
    const next = await this.#serially(() => this.#nextBatch(batchSize))
    if (next === undefined) return 0
    await insert(next.rows)
    await this.#serially(() => this.#advance(next.replay, next.lines))
    return next.rows.length
  }

  close(): Promise<void> {
    return this.closeSegment()
  }

  /** One operation at a time: a shutdown's spill may meet the writer's own, and both use the open segment. */
  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation)
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }

  #tail: Promise<void> = Promise.resolve()

  async #append(rows: readonly RecordRow[]): Promise<SpillAppend> {
    await this.#scan()
    const lines: string[] = []
    let bytes = 0
    for (const row of rows) {
      const line = `${JSON.stringify(row)}\n`
      const size = Buffer.byteLength(line)
      if (this.#bytes + bytes + size > this.#options.maxBytes) break
      lines.push(line)
      bytes += size
    }
    if (lines.length === 0) return { kept: 0, dropped: rows.length }
    const segment = await this.#openSegment()
    try {
      await segment.handle.write(lines.join(''))
    } catch (error) {
      // A half-written line would spoil the next row's line too: cut the file back to its last whole row.
      await segment.handle.truncate(segment.bytes).catch(() => undefined)
      throw error
    }
    segment.bytes += bytes
    this.#bytes += bytes
    if (segment.bytes >= (this.#options.segmentBytes ?? 1024 * 1024)) await this.#closeSegment()
    return { kept: lines.length, dropped: rows.length - lines.length }
  }

  async #closeSegment(): Promise<void> {
    const segment = this.#segment
    if (segment === undefined) return
    this.#segment = undefined
    await segment.handle.sync()
    await segment.handle.close()
    await rename(segment.path, segment.path.slice(0, -'.open'.length))
  }

  /** Rows are parsed a batch at a time, so that a replay never holds the thread for a whole file's parse. */
  async #nextBatch(batchSize: number): Promise<{ replay: Replay; rows: RecordRow[]; lines: number } | undefined> {
    await this.#scan()
    for (;;) {
      this.#replay ??= await this.#claim()
      const replay = this.#replay
      if (replay === undefined) return undefined
      const rows: RecordRow[] = []
      let at = replay.next
      let unreadable = 0
      for (; at < replay.lines.length && rows.length < batchSize; at++) {
        const line = replay.lines[at] as string
        if (line === '') continue
        try {
          rows.push(JSON.parse(line) as RecordRow)
        } catch {
          // A line cut by a crash while it was written.
          unreadable++
        }
      }
      if (unreadable > 0)
        this.#options.logger.error('spilled records that cannot be read: skipped', { file: replay.path, lines: unreadable })
      if (rows.length > 0) return { replay, rows, lines: at - replay.next }
      // Nothing left to insert in this segment (an empty file, or only a cut line).
      await this.#advance(replay, at - replay.next)
    }
  }

  /** The file goes once its last row is committed. */
  async #advance(replay: Replay, lines: number): Promise<void> {
    replay.next += lines
    if (replay.next < replay.lines.length) return
    if (this.#replay === replay) this.#replay = undefined
    await unlink(replay.path).catch(() => undefined)
    this.#bytes = Math.max(0, this.#bytes - replay.bytes)
  }

  #scan(): Promise<void> {
    this.#scanned ??= (async () => {
      await mkdir(this.#options.dir, { recursive: true })
      this.#bytes = await this.#measure()
    })().catch((error: unknown) => {
      // A directory that cannot be made now may be later (a disk remounted): the next call tries again.
      this.#scanned = undefined
      throw error
    })
    return this.#scanned
  }

  /** Every segment in the directory, whichever process wrote it: the bound is on the directory. */
  async #measure(): Promise<number> {
    let bytes = 0
    for (const name of await this.#segmentNames())
      bytes += await stat(join(this.#options.dir, name)).then(
        (s) => s.size,
        () => 0,
      )
    return bytes
  }

  async #segmentNames(): Promise<string[]> {
    const names = await readdir(this.#options.dir).catch(() => [] as string[])
    return names
      .filter((name) => parseSegmentName(name) !== undefined)
      .sort((a, b) => (parseSegmentName(a)?.id ?? '').localeCompare(parseSegmentName(b)?.id ?? ''))
  }

  async #openSegment(): Promise<OpenSegment> {
    if (this.#segment !== undefined) return this.#segment
    // Other processes sharing the directory append and replay too: measure again at each new segment.
    this.#bytes = await this.#measure()
    const path = join(this.#options.dir, `records-spill-${this.#options.newSegmentId()}-${this.#pid}.jsonl.open`)
    this.#segment = { path, handle: await open(path, 'a', 0o600), bytes: 0 }
    return this.#segment
  }

  /** The oldest segment no other live process holds, renamed to this process's replay name and read. */
  async #claim(): Promise<Replay | undefined> {
    for (let round = 0; round < 2; round++) {
      for (const name of await this.#segmentNames()) {
        const parsed = parseSegmentName(name) as SegmentName
        const path = join(this.#options.dir, name)
        if (path === this.#segment?.path) continue
        if (parsed.state !== 'closed' && parsed.pid !== this.#pid && isAlive(parsed.pid)) continue
        const claimed = join(this.#options.dir, `records-replay-${parsed.id}-${this.#pid}.jsonl`)
        try {
          if (claimed !== path) await rename(path, claimed)
        } catch {
          continue
        }
        return this.#read(claimed)
      }
      // Nothing closed: what this process is appending becomes replayable.
      if (this.#segment === undefined) return undefined
      await this.#closeSegment()
    }
    return undefined
  }

  async #read(path: string): Promise<Replay> {
    const text = await readFile(path, 'utf8')
    return { path, lines: text.split('\n'), next: 0, bytes: Buffer.byteLength(text) }
  }
}

interface OpenSegment {
  readonly path: string
  readonly handle: FileHandle
  bytes: number
}

interface Replay {
  readonly path: string
  readonly lines: string[]
  next: number
  readonly bytes: number
}

interface SegmentName {
  readonly id: string
  readonly pid: number
  readonly state: 'open' | 'closed' | 'replaying'
}

const segmentPattern = /^records-(spill|replay)-([0-9a-f-]+)-(\d+)\.jsonl(\.open)?$/

function parseSegmentName(name: string): SegmentName | undefined {
  const match = segmentPattern.exec(name)
  if (match === null) return undefined
  const [, kind, id, pid, openSuffix] = match
  if (kind === 'replay' && openSuffix !== undefined) return undefined
  return { id: id as string, pid: Number(pid), state: kind === 'replay' ? 'replaying' : openSuffix === undefined ? 'closed' : 'open' }
}

/** A process that is gone left its segments to whoever comes next. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
