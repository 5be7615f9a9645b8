// What a reload of the config file did: applied (with the settings that wait for a restart), or refused with every
// problem, the running config left in place. Shared by the reloader, the admin endpoint and the primary's IPC.

/** What started a reload, as its log lines and admin answers name it. */
export type ReloadTrigger = 'SIGHUP' | 'watch_config' | 'admin' | 'primary'

export type ReloadResult =
  | {
      readonly result: 'ok'
      /** The version served from now on, and the one before. */
      readonly version: string
      readonly previousVersion: string
      /** Keys of the file whose new value waits for a restart (`address`, `dbtype`, ...). */
      readonly restartOnly: readonly string[]
      /** The new file's warnings, `FILE:LINE:COL path: message`. */
      readonly warnings: readonly string[]
    }
  | {
      readonly result: 'error'
      /** The version still served. */
      readonly version: string
      /** Every problem, `FILE:LINE:COL path: problem`. */
      readonly problems: readonly string[]
    }
