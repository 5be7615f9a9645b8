// Least-squares slope of y over x: how fast memory grew during the soak, less sensitive to GC's sawtooth than end - start.

export function linearSlope(points: readonly { readonly x: number; readonly y: number }[]): number | null {
  if (points.length < 2) return null
  let sx = 0
  let sy = 0
  for (const p of points) {
    sx += p.x
    sy += p.y
  }
  const mx = sx / points.length
  const my = sy / points.length
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.x - mx) * (p.y - my)
    den += (p.x - mx) ** 2
  }
  return den === 0 ? null : num / den
}
