// Token counts of texts counted recently. A chat resends its whole history with every turn (and an answer
// comes back as the next turn's assistant message), and many requests share one system prompt: each such text
// is encoded once (~170 us for 800 characters with o200k_base here) and then costs a lookup.

export class CountCache {
  /** Insertion order is recency order: a hit moves its text to the end, eviction takes from the front. */
  readonly #counts = new Map<string, number>()
  readonly #maxChars: number
  readonly #maxTextChars: number
  #chars = 0

  /** `maxChars` bounds the texts kept in all; a text over `maxTextChars` is counted every time, never kept. */
  constructor(maxChars: number, maxTextChars = Math.floor(maxChars / 16)) {
    this.#maxChars = maxChars
    this.#maxTextChars = maxTextChars
  }

  /** The count of `text`, encoding it with `encode` unless it is remembered. */
  count(text: string, encode: (text: string) => number): number {
    const known = this.#counts.get(text)
    if (known !== undefined) {
      this.#counts.delete(text)
      this.#counts.set(text, known)
      return known
    }
    const counted = encode(text)
    if (text.length <= this.#maxTextChars) this.#remember(text, counted)
    return counted
  }

  /** Texts and characters kept now. */
  get size(): { readonly texts: number; readonly chars: number } {
    return { texts: this.#counts.size, chars: this.#chars }
  }

  #remember(text: string, counted: number): void {
    this.#counts.set(text, counted)
    this.#chars += text.length
    for (const oldest of this.#counts.keys()) {
      if (this.#chars <= this.#maxChars) break
      this.#counts.delete(oldest)
      this.#chars -= oldest.length
    }
  }
}
