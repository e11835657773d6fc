/** One value per Runtime, built on first use and dropped with the Runtime (what explain derives from a config). */
export class WeakCache<K extends object, V> {
  readonly #map = new WeakMap<K, V>()

  get(key: K, build: () => V): V {
    let v = this.#map.get(key)
    if (v === undefined) this.#map.set(key, (v = build()))
    return v
  }
}
