// The layers of shared/DESIGN.md, checked by `npm run lint` (dependency-cruiser): data flows one way, input
// (http / cli / ingest) → domain decisions → store; the domain does no I/O; the dashboard is its own program.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports only src/domain: no store, http, cli, ingest, service or report (DESIGN: Architecture).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'domain-no-io',
      comment: 'src/domain does no I/O: no file system, processes, network or database drivers (node:crypto is fine: it hashes). Its tests may read fixtures.',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: '[.]test[.]ts$' },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        path: '^(node:)?(fs|fs/promises|child_process|net|tls|http|https|http2|dgram|worker_threads|cluster)$|(^|/)node_modules/(better-sqlite3|pg|pg-[^/]+|kysely|fastify|@fastify/[^/]+)/',
      },
    },
    {
      name: 'store-below-edges',
      comment: 'src/store never imports http or cli (DESIGN: store never imports http).',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(http|cli)/' },
    },
    {
      name: 'web-is-its-own-program',
      comment: 'web/src imports only its own files and npm packages (later also the generated wire contract); no node: modules.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { pathNot: '^(web/src/|node_modules/)' },
    },
    {
      name: 'server-not-web',
      comment: 'The server reaches the dashboard only as built files, never by importing its source.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^web/src/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a typo in a relative path, or a package missing from package.json).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
