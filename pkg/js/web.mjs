// Web / workers entry (ESM). Runtimes that refuse to compile WebAssembly from bytes (Cloudflare
// Workers, Vercel edge) import `playgate/playgate.wasm` as a compiled `WebAssembly.Module` and pass
// it to `initSync`; browsers and Deno may `await init()` (fetches the .wasm beside this file).
import initWasm, {
  initSync as initWasmSync, RawGate, RawSigningKey, playbackUrl as rawPlaybackUrl, mintAkamai as rawMintAkamai, reasonCodes,
} from './playgate_wasm.mjs';
import { bindApi } from './api.mjs';

let ready = false;
const bindings = { RawGate, RawSigningKey, playbackUrl: rawPlaybackUrl, mintAkamai: rawMintAkamai, reasonCodes };

function raw() {
  if (!ready) throw new Error('playgate: call init() or initSync(module) before use');
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

export const { Gate, SigningKey, mint, playbackUrl, mintAkamai, akamaiPlaybackUrl } = bindApi(raw);
export default init;
