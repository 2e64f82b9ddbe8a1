// Node entry (ESM): the same instance as the CommonJS entry, so `import` and `require` in one
// process share one WebAssembly instance.
import api from './index.cjs';

export const { Gate, SigningKey, mint, playbackUrl, mintAkamai, akamaiPlaybackUrl } = api;
export default api;
