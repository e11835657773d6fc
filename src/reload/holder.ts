/** The one mutable cell of the process: the Runtime that new requests pin. */
import type { Runtime } from '../compile/runtime.js'

export class RuntimeHolder {
  #current: Runtime

  constructor(initial: Runtime) {
    this.#current = initial
  }

  current(): Runtime {
    return this.#current
  }

  /** One assignment: requests already running keep the Runtime they pinned. */
  swap(next: Runtime): Runtime {
    const previous = this.#current
    this.#current = next
    return previous
  }
}
