export * from './types.js';
import type { Gate, SigningKey, mint, playbackUrl, mintAkamai, akamaiPlaybackUrl } from './types.js';
declare const api: {
  Gate: typeof Gate;
  SigningKey: typeof SigningKey;
  mint: typeof mint;
  playbackUrl: typeof playbackUrl;
  mintAkamai: typeof mintAkamai;
  akamaiPlaybackUrl: typeof akamaiPlaybackUrl;
};
export default api;
