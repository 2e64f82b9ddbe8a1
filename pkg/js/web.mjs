// Web / workers entry (ESM). Runtimes that refuse to compile WebAssembly from bytes (Cloudflare
// Workers, Vercel edge) import `playgate/playgate.wasm` as a compiled `WebAssembly.Module` and pass
// it to `initSync`; browsers and Deno may `await init()` (fetches the .wasm beside this file).
import initWasm, {
  initSync as initWasmSync, RawGate, RawSigningKey, playbackUrl as rawPlaybackUrl, mintAkamai as rawMintAkamai, reasonCodes, wasmMemory, checkNow,
} from './playgate_wasm.mjs';
import { bindApi, webLoader } from './api.mjs';

const loader = webLoader(
  initWasm,
  initWasmSync,
  { RawGate, RawSigningKey, playbackUrl: rawPlaybackUrl, mintAkamai: rawMintAkamai, reasonCodes, wasmMemory, checkNow },
  'playgate',
);
export const { init, initSync } = loader;

export const { Gate, SigningKey, mint, playbackUrl, mintAkamai, akamaiPlaybackUrl } = bindApi(loader.raw);
export default init;
