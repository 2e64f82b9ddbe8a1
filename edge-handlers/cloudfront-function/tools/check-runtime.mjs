#!/usr/bin/env node
// Rejects JavaScript that CloudFront Functions runtime cloudfront-js-2.0 (or njs 0.7, the engine we
// test it under) lacks. An allowlist over the syntax tree: anything not listed is a problem.
//
//   node tools/check-runtime.mjs dist/function.js     (exit 1 and one line per problem)
//
// Sources: the runtime 2.0 feature list in the CloudFront developer guide (ES 5.1 plus const/let,
// arrow functions, template literals, rest parameters, async/await, `**`; modules `crypto` with
// createHash/createHmac over md5/sha1/sha256 only, and `cloudfront`) and what njs 0.7.9 accepts.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';

const ALLOWED = new Set([
  'Program', 'ImportDeclaration', 'ImportDefaultSpecifier', 'VariableDeclaration', 'VariableDeclarator',
  'FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'BlockStatement',
  'ExpressionStatement', 'IfStatement', 'ForStatement', 'ForInStatement', 'WhileStatement',
  'DoWhileStatement', 'ReturnStatement', 'BreakStatement', 'ContinueStatement', 'ThrowStatement',
  'TryStatement', 'CatchClause', 'SwitchStatement', 'SwitchCase', 'LabeledStatement', 'EmptyStatement',
  'Identifier', 'Literal', 'TemplateLiteral', 'TemplateElement', 'ArrayExpression', 'ObjectExpression',
  'Property', 'MemberExpression', 'CallExpression', 'NewExpression', 'UnaryExpression', 'BinaryExpression',
  'LogicalExpression', 'AssignmentExpression', 'UpdateExpression', 'ConditionalExpression',
  'SequenceExpression', 'ThisExpression', 'AwaitExpression', 'RestElement',
]);
const MODULES = new Set(['cloudfront', 'crypto']);
const HASHES = new Set(['md5', 'sha1', 'sha256']);
const CRYPTO_METHODS = new Set(['createHash', 'createHmac']);
// Globals that runtime 2.0 does not have (or that would defeat its sandbox).
const FORBIDDEN_GLOBALS = new Set([
  'WebAssembly', 'eval', 'Function', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask',
  'require', 'process', 'fetch', 'XMLHttpRequest', 'globalThis', 'Proxy', 'Reflect', 'WeakRef',
  'SharedArrayBuffer', 'Atomics', 'Intl', 'BigInt',
]);

/** Problems with `code` as `line:col message` strings (empty when it fits runtime 2.0). */
export function checkRuntime20(code) {
  const problems = [];
  let ast;
  try {
    ast = acorn.parse(code, { ecmaVersion: 2022, sourceType: 'module', locations: true });
  } catch (e) {
    return [`${e.loc ? `${e.loc.line}:${e.loc.column}` : '?'} does not parse: ${e.message}`];
  }
  const at = (n) => `${n.loc.start.line}:${n.loc.start.column}`;
  const bad = (n, msg) => problems.push(`${at(n)} ${msg}`);
  let cryptoName;
  let hasHandler = false;

  function visit(node, parent, fnStack) {
    if (!node || typeof node.type !== 'string') return;
    if (!ALLOWED.has(node.type)) bad(node, `${node.type} is not available in cloudfront-js-2.0`);
    switch (node.type) {
      case 'ImportDeclaration':
        if (!MODULES.has(node.source.value)) bad(node, `module '${node.source.value}' does not exist there`);
        if (node.specifiers.length !== 1 || node.specifiers[0].type !== 'ImportDefaultSpecifier') bad(node, 'only `import name from` is supported');
        else if (node.source.value === 'crypto') cryptoName = node.specifiers[0].local.name;
        break;
      case 'VariableDeclarator':
        if (node.id.type !== 'Identifier') bad(node, 'destructuring is not supported');
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.generator) bad(node, 'generators are not supported');
        if (node.async && node.type !== 'FunctionDeclaration') bad(node, 'async closures are not supported');
        for (const p of node.params) if (p.type !== 'Identifier' && p.type !== 'RestElement') bad(p, 'default or destructured parameters are not supported');
        if (node.type === 'FunctionDeclaration' && parent.type === 'Program' && node.id.name === 'handler') hasHandler = true;
        break;
      case 'CatchClause':
        if (!node.param) bad(node, 'catch without a binding is not supported');
        break;
      case 'Literal':
        if (node.regex && /[suyd]/.test(node.regex.flags)) bad(node, `regex flag(s) ${node.regex.flags} are not supported`);
        if (typeof node.bigint === 'string') bad(node, 'BigInt is not supported');
        break;
      case 'Property':
        if (node.computed || node.method || node.shorthand || node.kind !== 'init') bad(node, 'only `key: value` object members are supported');
        break;
      case 'MemberExpression':
      case 'CallExpression':
        if (node.optional) bad(node, 'optional chaining is not supported');
        if (node.type === 'MemberExpression' && !node.computed && node.property.name === 'timingSafeEqual') bad(node, 'crypto.timingSafeEqual does not exist there');
        if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.object.type === 'Identifier' && node.callee.object.name === cryptoName) {
          const m = node.callee.property.name;
          if (!CRYPTO_METHODS.has(m)) bad(node, `crypto.${m} does not exist there (only createHash, createHmac)`);
          const a = node.arguments[0];
          if (!a || a.type !== 'Literal' || !HASHES.has(a.value)) bad(node, `crypto.${m} takes md5, sha1 or sha256 only (as a literal)`);
        }
        break;
      case 'LogicalExpression':
        if (node.operator === '??') bad(node, '`??` is not supported');
        break;
      case 'AssignmentExpression':
        if (['&&=', '||=', '??='].includes(node.operator)) bad(node, `\`${node.operator}\` is not supported`);
        if (node.left.type !== 'Identifier' && node.left.type !== 'MemberExpression') bad(node, 'destructuring assignment is not supported');
        break;
      case 'AwaitExpression': {
        // njs 0.7 only takes `x = await f()` / `const x = await f()`.
        const direct = (parent.type === 'AssignmentExpression' && parent.right === node) || (parent.type === 'VariableDeclarator' && parent.init === node);
        if (!direct) bad(node, '`await` only as the whole right-hand side of an assignment (njs 0.7)');
        if (!fnStack.length || !fnStack[fnStack.length - 1].async) bad(node, '`await` outside an async function');
        break;
      }
      case 'Identifier':
        if (FORBIDDEN_GLOBALS.has(node.name) && !(parent.type === 'MemberExpression' && parent.property === node && !parent.computed) && !(parent.type === 'Property' && parent.key === node)) {
          bad(node, `${node.name} is not available in cloudfront-js-2.0`);
        }
        break;
      default:
    }
    const isFn = /Function/.test(node.type);
    const stack = isFn ? [...fnStack, node] : fnStack;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'loc' || k === 'start' || k === 'end') continue;
      if (Array.isArray(v)) v.forEach((c) => visit(c, node, stack));
      else if (v && typeof v.type === 'string') visit(v, node, stack);
    }
  }
  visit(ast, null, []);
  if (!hasHandler) problems.push('1:0 no top-level `function handler(event)`');
  for (const n of laterTopLevelNames(ast)) bad(n, `${n.name} is named in a let/const initializer above its own top-level declaration (njs 0.7 throws "cannot access variable before initialization")`);
  return problems;
}

/**
 * njs 0.7 refuses, at run time, a `let`/`const` initializer that names (other than by calling it; also
 * `x.y`) a top-level `let`/`const` declared further down the file, even when the code runs after the
 * module has: `function f() { const a = [Q]; }  const Q = ...` throws. Returns those identifiers,
 * resolved through the scopes (a local of the same name is not the top-level one); a function inside
 * the initializer (`const a = xs.map((x) => Q)`) is fine there.
 */
function laterTopLevelNames(ast) {
  const declaredAt = new Map();
  for (const s of ast.body) {
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations) declaredAt.set(d.id.name, d.start);
  }
  const found = [];
  const declsOf = (stmts) => {
    const names = new Set();
    for (const s of stmts) {
      if (s && s.type === 'VariableDeclaration') for (const d of s.declarations) names.add(d.id.name);
      else if (s && (s.type === 'FunctionDeclaration' || s.type === 'ImportDeclaration')) {
        if (s.id) names.add(s.id.name);
        for (const sp of s.specifiers || []) names.add(sp.local.name);
      }
    }
    return names;
  };
  const paramNames = (ps) => ps.map((p) => (p.type === 'RestElement' ? p.argument.name : p.name));
  const resolvesToTop = (name, scopes) => {
    for (let i = scopes.length - 1; i > 0; i--) if (scopes[i].has(name)) return false;
    return scopes[0].has(name);
  };
  function walk(node, parent, scopes, inInit) {
    if (!node || typeof node.type !== 'string') return;
    let sc = scopes;
    switch (node.type) {
      case 'Program':
        sc = [declsOf(node.body)];
        break;
      case 'BlockStatement':
        sc = [...scopes, declsOf(node.body)];
        break;
      case 'SwitchStatement':
        sc = [...scopes, declsOf(node.cases.flatMap((c) => c.consequent))];
        break;
      case 'ForStatement':
      case 'ForInStatement':
        sc = [...scopes, declsOf([node.init || node.left])];
        break;
      case 'CatchClause':
        sc = [...scopes, new Set(node.param ? [node.param.name] : [])];
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        sc = [...scopes, new Set([...paramNames(node.params), ...(node.type === 'FunctionExpression' && node.id ? [node.id.name] : [])])];
        break;
      case 'Identifier': {
        const named = (parent.type === 'MemberExpression' && parent.property === node && !parent.computed) ||
          (parent.type === 'Property' && parent.key === node && !parent.computed) ||
          (parent.type === 'CallExpression' && parent.callee === node) ||
          (parent.type === 'UnaryExpression' && parent.operator === 'typeof') ||
          parent.type === 'LabeledStatement' || parent.type === 'BreakStatement' || parent.type === 'ContinueStatement';
        if (inInit && !named && declaredAt.has(node.name) && declaredAt.get(node.name) > node.start && resolvesToTop(node.name, scopes)) found.push(node);
        return;
      }
      default:
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === 'loc' || k === 'start' || k === 'end') continue;
      // Declared names (ids, params) are not references.
      if ((k === 'id' && /Declarator|Function/.test(node.type)) || (k === 'params' && /Function/.test(node.type)) ||
        (k === 'param' && node.type === 'CatchClause') || node.type === 'ImportDeclaration') continue;
      // (A function inside the initializer runs later: njs accepts its references.)
      const init = (inInit && !/Function/.test(node.type)) || (node.type === 'VariableDeclarator' && k === 'init');
      if (Array.isArray(v)) v.forEach((c) => walk(c, node, sc, init));
      else if (v && typeof v.type === 'string') walk(v, node, sc, init);
    }
  }
  walk(ast, null, [], false);
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let failed = 0;
  for (const f of process.argv.slice(2)) {
    for (const p of checkRuntime20(fs.readFileSync(f, 'utf8'))) {
      process.stdout.write(`${f}:${p}\n`);
      failed++;
    }
  }
  process.exitCode = failed ? 1 : 0;
}
