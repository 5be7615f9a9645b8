// Parses Go-style listen addresses (`:8888`, `127.0.0.1:9000`, `[::1]:8888`) as the predecessor accepted them.

export interface ListenAddress {
  /** Empty string = every interface (Go's `:8888`). */
  readonly host: string
  readonly port: number
}

export const listenAddressHint = 'expected "host:port", ":port" or "[ipv6]:port" with a port from 0 to 65535'

/** Returns undefined for anything Go's `net.Listen` would reject; the brackets of an IPv6 host are dropped. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const bracketed = /^\[([0-9A-Fa-f:.%\w]+)\]:(\d{1,5})$/.exec(text)
  const plain = /^([A-Za-z0-9._-]*):(\d{1,5})$/.exec(text)
  const match = bracketed ?? plain
  if (match === null) return undefined
  const host = match[1] ?? ''
  const port = Number(match[2])
  // A bare IPv6 host is ambiguous with the port separator; Go requires the brackets too.
  if (bracketed !== null && !host.includes(':')) return undefined
  if (port > 65535) return undefined
  return { host, port }
}

/** The inverse, for logs: `[::1]:8888`, `:8888`. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `${host}:${address.port}`
}
