/**
 * The layering rule of STYLE.md, checked by `npm run lint` (dependency-cruiser):
 * routes.ts → features → shared primitives → db/config. No cycles between folders or modules; the
 * routes table is imported only by the app; the plumbing and the primitives import no feature.
 */
const FEATURES = '^src/(admin|appCard|audit|card|catalog|cli|invoices|pages|portals|settings|sync)/';

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'Two folders never import each other, directly or round a loop: the shared piece belongs in a folder below both.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      comment: 'No module imports itself round a loop.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'routes-table-on-top',
      comment: 'src/routes.ts is the top of the graph: only the app mounts it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app\\.ts$' },
      to: { path: '^src/routes\\.ts$' },
    },
    {
      name: 'plumbing-and-primitives-import-no-feature',
      comment: 'http/ is plumbing and money/, html/, shared/, db/, hubspot/ are primitives: they sit below every feature.',
      severity: 'error',
      from: { path: '^src/(http|money|html|shared|db|hubspot)/' },
      to: { path: FEATURES },
    },
    {
      name: 'root-modules-below-features',
      comment:
        'config, deps, errors, redaction, logging and metrics are below the features (every feature imports Deps, so deps.ts naming a feature is a cycle): only app, routes and main compose them.',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/(app|routes|main)\\.ts$' },
      to: { path: FEATURES },
    },
    {
      name: 'config-and-logging-at-the-bottom',
      comment: 'config, redaction, errors and logging sit below hubspot/ and db/ (which use them): they import only shared/ primitives and each other, so no folder can loop back through them.',
      severity: 'error',
      from: { path: '^src/(config|redact|errors|log|paths)\\.ts$' },
      to: { path: '^src/[^/]+/', pathNot: '^src/shared/' },
    },
    {
      name: 'pages-do-not-import-the-card',
      comment: 'The card links to the pages, never the other way round (page URLs and tokens live in shared/pagePaths.ts and shared/pageToken.ts).',
      severity: 'error',
      from: { path: '^src/pages/' },
      to: { path: '^src/card/' },
    },
    {
      name: 'portals-do-not-import-the-push',
      comment: 'The push reads portals; portals know nothing of the push.',
      severity: 'error',
      from: { path: '^src/portals/' },
      to: { path: '^src/sync/' },
    },
    {
      name: 'no-test-code-in-src',
      comment: 'The service never imports test helpers.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^test/' },
    },
    {
      name: 'app-card-stands-alone',
      comment:
        'The app card is uploaded to HubSpot on its own (the project export copies src/appCard alone): it imports its own files (locale.js and repWording.js there are symbolic links to public/, copied as files), React and @hubspot/ui-extensions, nothing of the server.',
      severity: 'error',
      from: { path: '^src/appCard/', pathNot: '\\.test\\.tsx?$' },
      to: { pathNot: '^(src/appCard/|node_modules/(react|@hubspot/ui-extensions)/)' },
    },
    {
      name: 'the-server-does-not-import-the-app-card',
      comment: 'The app card runs in HubSpot, not in the service.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/appCard/' },
      to: { path: '^src/appCard/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.tsx?$' },
    tsPreCompilationDeps: true,
    // src/appCard/locale.js and repWording.js link to public/: follow imports as written, as the card's upload does.
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
