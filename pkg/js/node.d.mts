export * from './types.js';
import type { Gate, SigningKey, mint } from './types.js';
declare const api: { Gate: typeof Gate; SigningKey: typeof SigningKey; mint: typeof mint };
export default api;
