// Freezes a config snapshot all the way down: requests must never be able to change the config they run on.

export function deepFreeze<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  Object.freeze(value)
  for (const child of Object.values(value)) deepFreeze(child, seen)
  return value
}
