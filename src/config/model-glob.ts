// Glob patterns over model names (`keys[].models`, `prices`): `*` is any run of characters, `?` any one character,
// everything else is itself (no character classes, no escapes). A pattern is compiled once, at load.

/** A compiled pattern: whether a model name matches it. */
export type ModelGlob = (model: string) => boolean

/** Characters a pattern may hold: a model name's, plus `*` and `?`. Anything else is a mistake worth reporting. */
const patternShape = /^[\w.:/@+*?-]+$/

/** Why `pattern` is no usable glob, or undefined when it is one. */
export function globProblem(pattern: string): string | undefined {
  if (pattern === '') return 'an empty pattern matches no model'
  if (!patternShape.test(pattern)) return `"${pattern}" holds a character that is neither part of a model name nor * or ?`
  return undefined
}

export function compileGlob(pattern: string): ModelGlob {
  if (!pattern.includes('*') && !pattern.includes('?')) return (model) => model === pattern
  const source = pattern
    .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.')
  const regex = new RegExp(`^${source}$`, 's')
  return (model) => regex.test(model)
}

/** Whether the pattern has wildcards, i.e. is not one exact model name. */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?')
}
