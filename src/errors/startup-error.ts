// StartupError: why the gateway could not start, as one line that says what failed and where.

export const startupFailures = ['listen_failed'] as const
export type StartupFailure = (typeof startupFailures)[number]

/** Not a request's error (GatewayError is for those): nothing is answered, the process ends with status 1. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
  readonly code: StartupFailure

  constructor(code: StartupFailure, message: string, options: { readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }
}

/** The system's reasons a listen fails, in words; anything else keeps the system's own message. */
const listenReasons: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name could not be resolved',
}

/** `address`: the listen address as the operator wrote it (formatted by config/listen-address.ts). */
export function listenError(error: unknown, address: string): StartupError {
  const code = (error as { code?: unknown } | null)?.code
  const reason = (typeof code === 'string' ? listenReasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error))
  return new StartupError('listen_failed', `cannot listen on ${address}: ${reason}`, { cause: error })
}

/** One line for any start-up failure: a StartupError's own message, else the first line of what was thrown. */
export function startupFailureLine(error: unknown): string {
  if (error instanceof StartupError) return error.message
  const text = error instanceof Error ? error.message : String(error)
  return `cannot start: ${text.split('\n', 1)[0] ?? ''}`
}
