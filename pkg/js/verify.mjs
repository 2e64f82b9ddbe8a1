// Verify-only web / workers entry (ESM), `playgate/verify`: the gate without minting, over a module
// built without the `mint` feature (`playgate/verify.wasm`, about a fifth smaller than the full one):
// a gate at the edge never signs. Same `init` / `initSync` contract as the web entry; `SigningKey`,
// `mint`, `playbackUrl`, `mintAkamai` and `akamaiPlaybackUrl` are in the main entry.
import initWasm, { initSync as initWasmSync, RawGate, reasonCodes } from './playgate_wasm.mjs';
import { bindApi } from '../web/api.mjs';

let ready = false;
const bindings = { RawGate, reasonCodes };

function raw() {
  if (!ready) throw new Error('playgate/verify: call init() or initSync(module) before use');
  return bindings;
}

/** Instantiates from a `WebAssembly.Module`, bytes, a URL, a `Response`, or (default) the bundled file. */
export async function init(input) {
  if (ready) return;
  await initWasm(input === undefined ? undefined : { module_or_path: input });
  ready = true;
}

/** Instantiates synchronously from a compiled `WebAssembly.Module` (or bytes). */
export function initSync(module) {
  if (ready) return;
  initWasmSync({ module });
  ready = true;
}

export const { Gate } = bindApi(raw);
export default init;
