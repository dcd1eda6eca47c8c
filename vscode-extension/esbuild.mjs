// Bundles the extension and vscode-languageclient into one file, so the .vsix ships no
// node_modules (vsce runs with --no-dependencies). `vscode` is provided by the editor.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  external: ['vscode'],
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
