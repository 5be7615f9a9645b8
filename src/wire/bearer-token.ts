// The token of an `Authorization: Bearer <token>` header, as an upstream would read it.

/** The client's key from `Authorization: Bearer <key>`, for `sk: asis` upstreams whose key goes in another header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim())
  return match === null ? authorization.trim() : match[1]
}
