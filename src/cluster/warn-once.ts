// The primary's writer for warnings its workers send: each worker meets the same start-up problems (Node's
// warnings, a token encoding that cannot load), and the group should say each once, not once per worker.
import type { Logger } from '../log/logger.js'

export function warnOnce(logger: Logger): (msg: string, fields: Readonly<Record<string, string>>) => void {
  const written = new Set<string>()
  return function warnOnceForGroup(msg, fields) {
    const key = JSON.stringify([msg, fields])
    if (written.has(key)) return
    written.add(key)
    logger.warn(msg, fields)
  }
}
