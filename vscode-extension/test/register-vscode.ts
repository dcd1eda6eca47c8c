/**
 * Routes `require('vscode')` to the stub. Every test file imports this first; the module
 * cache then hands the extension and the test the same stub instance.
 */
import Module from 'node:module';

interface Resolver {
  _resolveFilename(request: string, ...rest: unknown[]): string;
}

const resolver = Module as unknown as Resolver;
const stub = require.resolve('./vscode-stub');
const original = resolver._resolveFilename.bind(resolver);
resolver._resolveFilename = (request: string, ...rest: unknown[]): string =>
  request === 'vscode' ? stub : original(request, ...rest);
