#!/usr/bin/env node
// Prints a CloudFront Functions viewer-request event for `aws cloudfront test-function`, built the way
// CloudFront builds it (lowercase headers, query as an object, cookies apart).
//
//   node tools/event.mjs --uri /live/index.m3u8 --query "token=$TOKEN" [--header origin=https://p.example.com]
//                        [--cookie pg_token=$TOKEN] [--ip 203.0.113.7] > event.json

import { toCloudFrontEvent } from '../test/harness.mjs';

const req = { method: 'GET', uri: '/', querystring: '', headers: {}, cookies: {}, clientIp: '203.0.113.7' };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const [flag, value] = [args[i], args[i + 1]];
  if (value === undefined) {
    process.stderr.write(`${flag}: missing value\n`);
    process.exit(2);
  }
  const pair = () => {
    const at = value.indexOf('=');
    if (at < 1) {
      process.stderr.write(`${flag} takes name=value\n`);
      process.exit(2);
    }
    return [value.slice(0, at), value.slice(at + 1)];
  };
  if (flag === '--uri') req.uri = value;
  else if (flag === '--query') req.querystring = value;
  else if (flag === '--method') req.method = value;
  else if (flag === '--ip') req.clientIp = value;
  else if (flag === '--header') {
    const [n, v] = pair();
    req.headers[n.toLowerCase()] = v;
  } else if (flag === '--cookie') {
    const [n, v] = pair();
    req.cookies[n] = v;
  } else {
    process.stderr.write(`unknown option ${flag} (use --uri, --query, --header, --cookie, --method, --ip)\n`);
    process.exit(2);
  }
}
process.stdout.write(JSON.stringify(toCloudFrontEvent(req), null, 2) + '\n');
