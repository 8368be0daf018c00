// Node module hooks of the test harness: the k6 modules the scripts import resolve to the harness's shim. Any other
// "k6/..." module is refused, so a script that starts using an API the shim lacks fails loudly instead of passing.
const shims = {
  "k6": "./shim/k6.mjs",
  "k6/http": "./shim/http.mjs",
  "k6/metrics": "./shim/metrics.mjs",
  "k6/x/sse": "./shim/sse.mjs",
};

export async function resolve(specifier, context, next) {
  if (specifier in shims) return { url: new URL(shims[specifier], import.meta.url).href, shortCircuit: true };
  if (specifier === "k6" || specifier.startsWith("k6/")) throw new Error(`the k6 test harness has no shim for "${specifier}"`);
  return next(specifier, context);
}
