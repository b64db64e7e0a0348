// Keeps one of Node's nextTick objects alive for the life of a benchmark server, unless
// BENCH_RAW=1. Why (bench/README.md, "Node 20's nextTick slow state"): process.nextTick builds its tick
// objects with computed symbol keys, and V8 holds the hidden classes of the half-built object only
// weakly. A full GC at startup, run while no tick object is alive, frees them; the next tick
// builds new ones, nextTick's inline caches go megamorphic, and every tick then goes through V8's
// runtime, for the life of the process. Whether that GC lands at such a moment depends on how much
// every module allocates at startup, so it flips with unrelated changes. A live tick object keeps
// those classes alive, so no server process (bare, floor, @fastify/cors or this plugin) is
// measured in that state.
import { createHook } from 'node:async_hooks'

export let anchor = null
if (process.env.BENCH_RAW !== '1') {
  const hook = createHook({
    init (asyncId, type, triggerAsyncId, resource) {
      if (type === 'TickObject' && anchor === null) anchor = resource
    }
  }).enable()
  process.nextTick(() => {})
  hook.disable()
}
