// Builds the app card (src/appCard/index.tsx) the way HubSpot's upload does: one browser bundle,
// with React and @hubspot/ui-extensions left to the card's own package.json. Any other import
// fails the build, as it would fail at upload: a package the card's package.json does not list, a
// Node module, a file outside src/appCard (the project export copies that folder alone; the
// symbolic links in it, to public/locale.js and public/repWording.js, are copied as files, so
// symlinks are kept here as written). `npm test` runs it; the bundle goes to dist/appCard/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cardDir = path.join(root, 'src', 'appCard');
// The card's own package.json pins these two (the project export writes it); nothing else is installed.
const PACKAGES = ['react', '@hubspot/ui-extensions'];

/** @type {esbuild.Plugin} */
const onlyWhatUploads = {
  name: 'only-what-uploads',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      // The entry point, and the plugin's own build.resolve below (esbuild resolves those).
      if (args.kind === 'entry-point' || args.pluginData === 'resolved') return undefined;
      if (!args.path.startsWith('.') && !path.isAbsolute(args.path)) {
        const pkg = PACKAGES.find((p) => args.path === p || args.path.startsWith(`${p}/`));
        if (pkg) return { path: args.path, external: true };
        return { errors: [{ text: `"${args.path}" is not one of the card's packages (${PACKAGES.join(', ')}): it would not resolve when HubSpot builds the card` }] };
      }
      const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolved' });
      if (resolved.errors.length > 0) return resolved;
      if (!resolved.path.startsWith(cardDir + path.sep)) {
        return { errors: [{ text: `${path.relative(root, resolved.path)} is outside src/appCard: the uploaded card has only that folder's files` }] };
      }
      return resolved;
    });
  },
};

const result = await esbuild
  .build({
    entryPoints: [path.join(cardDir, 'index.tsx')],
    outfile: path.join(root, 'dist', 'appCard', 'index.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    preserveSymlinks: true,
    tsconfig: path.join(cardDir, 'tsconfig.json'),
    plugins: [onlyWhatUploads],
    metafile: true,
    logLevel: 'warning',
  })
  .catch(() => {
    // esbuild has printed each error with its source line.
    process.exit(1);
  });
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`app card bundle: dist/appCard/index.js, ${bytes} bytes, ${Object.keys(result.metafile.inputs).length} source files`);
