// `watch_config: true`: the config file is reloaded when it changes. The file's directory is watched, not the file:
// an editor that saves by writing a new file and renaming it over the old one (vim, most IDEs), or a Kubernetes
// ConfigMap that swaps a symlink, replaces the inode a file watch would follow. Any event in the directory starts a
// short wait (rapid writes make one reload); then the file is read and a reload runs only if its bytes changed.
import { createHash } from 'node:crypto'
import { readFileSync, watch as fsWatch, type FSWatcher } from 'node:fs'
import { dirname } from 'node:path'
import type { Clock, TimerHandle } from '../time/clock.js'
import type { Logger } from '../log/logger.js'
import { environmentSource } from './env-config.js'
import type { GatewayConfig } from './gateway-config.js'

/** Long enough to fold an editor's write-rename-chmod burst into one reload, short against the 1 s a reload may take. */
export const watchDebounceMs = 200

export interface ConfigFileWatchOptions {
  readonly file: string
  readonly clock: Clock
  /** Called once per change of the file's bytes, after the debounce. */
  readonly onChange: () => void
  /** A watch that could not be set up, or failed later: the gateway goes on, without watching. */
  readonly onError: (error: unknown) => void
  readonly debounceMs?: number
  /** The directory watch (default node:fs `watch`), replaceable in tests. */
  readonly watch?: (directory: string, listener: () => void) => Pick<FSWatcher, 'close' | 'on'>
  /** The file's bytes (default readFileSync), replaceable in tests. */
  readonly read?: (file: string) => Buffer
}

export class ConfigFileWatch {
  readonly #options: ConfigFileWatchOptions
  readonly #read: (file: string) => Buffer
  #watcher: Pick<FSWatcher, 'close' | 'on'> | undefined
  #timer: TimerHandle | undefined
  #digest: string | undefined

  constructor(options: ConfigFileWatchOptions) {
    this.#options = options
    this.#read = options.read ?? ((file) => readFileSync(file))
    this.#digest = this.#currentDigest()
    const watch = options.watch ?? ((directory, listener) => fsWatch(directory, { persistent: false }, listener))
    try {
      this.#watcher = watch(dirname(options.file), () => this.#changed())
      this.#watcher.on('error', (error: unknown) => {
        this.close()
        options.onError(error)
      })
    } catch (error) {
      options.onError(error)
    }
  }

  close(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#watcher?.close()
    this.#watcher = undefined
  }

  #changed(): void {
    if (this.#watcher === undefined) return
    const { clock } = this.#options
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer)
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined
      const digest = this.#currentDigest()
      // Unchanged bytes (a touch, another file of the directory): nothing to reload. A file missing for a moment
      // (between an unlink and a rename) is reloaded when it is back.
      if (digest === undefined || digest === this.#digest) return
      this.#digest = digest
      this.#options.onChange()
    }, this.#options.debounceMs ?? watchDebounceMs)
    this.#timer.unref?.()
  }

  #currentDigest(): string | undefined {
    try {
      return createHash('sha256').update(this.#read(this.#options.file)).digest('hex')
    } catch {
      return undefined
    }
  }
}

export interface WatchSetting {
  /** Starts or stops the watch as this config's `watch_config` says (called after each reload). */
  follow(config: GatewayConfig): void
  close(): void
}

/** The watch as `watch_config` asks, for a config read from a file (the environment has nothing to watch). */
export function watchSetting(options: { clock: Clock; logger: Logger; reload: () => void }): WatchSetting {
  let watch: ConfigFileWatch | undefined
  return {
    follow(config) {
      const wanted = config.watchConfig && config.source !== environmentSource
      if (wanted && watch === undefined) {
        watch = new ConfigFileWatch({
          file: config.source,
          clock: options.clock,
          onChange: options.reload,
          onError: (error) => {
            watch = undefined
            options.logger.warn('the config file cannot be watched: reload it with SIGHUP', { error: String(error) })
          },
        })
      } else if (!wanted && watch !== undefined) {
        watch.close()
        watch = undefined
      }
    },
    close() {
      watch?.close()
      watch = undefined
    },
  }
}
