// Checks a built .vsix: it holds the bundle, the manifest, README and LICENSE; its
// package.json points at the bundle; and the bundle requires nothing but `vscode` and
// Node's own modules (the package has no node_modules, so anything else would fail to load).
// Usage: node scripts/check-vsix.mjs orchex.vsix
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { inflateRawSync } from 'node:zlib';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/check-vsix.mjs <file.vsix>');
  process.exit(2);
}

/** The entries of a zip archive, read from its central directory: name → contents. */
function readZip(buffer) {
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) {
    throw new Error(`${file} is not a zip archive`);
  }
  const count = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) {
      throw new Error(`${file}: bad central directory entry ${i}`);
    }
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const raw = buffer.subarray(start, start + size);
    entries.set(name, () => (method === 8 ? inflateRawSync(raw) : raw));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const failures = [];
let entries;
try {
  entries = readZip(readFileSync(file));
} catch (error) {
  console.error(`check-vsix: ${error.message}`);
  process.exit(1);
}
for (const name of ['extension.vsixmanifest', 'extension/package.json', 'extension/dist/extension.js', 'extension/readme.md', 'extension/LICENSE.txt']) {
  if (!entries.has(name)) {
    failures.push(`${name} is missing`);
  }
}
const unexpected = [...entries.keys()].filter((n) => n.startsWith('extension/node_modules/') || n.startsWith('extension/src/'));
if (unexpected.length > 0) {
  failures.push(`sources or node_modules were packaged: ${unexpected.slice(0, 5).join(', ')}`);
}
if (entries.has('extension/package.json')) {
  const manifest = JSON.parse(entries.get('extension/package.json')().toString('utf8'));
  if (manifest.main !== './dist/extension.js') {
    failures.push(`package.json "main" is ${JSON.stringify(manifest.main)}, not ./dist/extension.js`);
  }
}
if (entries.has('extension/dist/extension.js')) {
  const bundle = entries.get('extension/dist/extension.js')().toString('utf8');
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const required = new Set([...bundle.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
  const foreign = [...required].filter((m) => m !== 'vscode' && !builtins.has(m));
  if (foreign.length > 0) {
    failures.push(`the bundle requires modules that are not shipped: ${foreign.join(', ')}`);
  }
  if (!required.has('vscode')) {
    failures.push('the bundle never requires "vscode": is it the extension?');
  }
  if (!/\bactivate\b/.test(bundle) || !/\bdeactivate\b/.test(bundle)) {
    failures.push('the bundle exports no activate/deactivate');
  }
}
if (failures.length > 0) {
  for (const failure of failures) {
    console.error(`check-vsix: ${file}: ${failure}`);
  }
  process.exit(1);
}
console.log(`check-vsix: ${file}: ${entries.size} entries, extension/dist/extension.js present and self-contained`);
