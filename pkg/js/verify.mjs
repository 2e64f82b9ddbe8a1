// Verify-only web / workers entry (ESM), `playgate/verify`: the gate without minting, over a module
// built without the `mint` feature (`playgate/verify.wasm`, about a fifth smaller than the full one):
// a gate at the edge never signs. Same `init` / `initSync` contract as the web entry; `SigningKey`,
// `mint`, `playbackUrl`, `mintAkamai` and `akamaiPlaybackUrl` are in the main entry.
import initWasm, { initSync as initWasmSync, RawGate, reasonCodes, wasmMemory, checkNow } from './playgate_wasm.mjs';
import { bindApi, webLoader } from '../web/api.mjs';

const loader = webLoader(initWasm, initWasmSync, { RawGate, reasonCodes, wasmMemory, checkNow }, 'playgate/verify');
export const { init, initSync } = loader;

export const { Gate } = bindApi(loader.raw);
export default init;
