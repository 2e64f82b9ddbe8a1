// The requests the npm benches check (boundary.mjs, ab.mjs): a segment request carrying `token` in
// its query, as the plain shape and as a Lambda@Edge viewer-request event with 6 headers.
export const plainRequest = (token) => ({ method: 'GET', uri: '/live/stream/seg_00042.ts', querystring: `token=${token}`, headers: {} });

const header = (key, value) => [{ key, value }];
export const lambdaEvent = (token) => ({ Records: [{ cf: { config: { eventType: 'viewer-request' }, request: {
  clientIp: '203.0.113.7', method: 'GET', uri: '/live/stream/seg_00042.ts', querystring: `token=${token}`,
  headers: {
    host: header('Host', 'd111111abcdef8.cloudfront.net'),
    'user-agent': header('User-Agent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15'),
    accept: header('Accept', '*/*'),
    origin: header('Origin', 'https://player.example.com'),
    'accept-encoding': header('Accept-Encoding', 'gzip, deflate, br'),
    'cloudfront-viewer-country': header('CloudFront-Viewer-Country', 'US'),
  },
} } }] });
