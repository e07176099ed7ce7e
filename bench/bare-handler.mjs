// The bare process of the bench: bench-worker.mjs loading a handler that does nothing, so its
// figures are Node's and the harness's own, under the same runtime and flags as every function.
export const handler = async () => ({});
