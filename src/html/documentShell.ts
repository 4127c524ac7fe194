import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PUBLIC_DIR } from '../paths.js';
import { html, jsonForScript, type SafeHtml } from './html.js';

// Asset URLs carry a hash of their content, so a deployment never runs new HTML with stale scripts.
const versions = new Map<string, string>();
function assetVersion(file: string): string {
  let v = versions.get(file);
  if (!v) {
    v = crypto.createHash('sha256').update(fs.readFileSync(path.join(PUBLIC_DIR, file))).digest('hex').slice(0, 12);
    versions.set(file, v);
  }
  return v;
}

/** An asset's URL relative to a page one level below the root (/admin/…), with its content hash. */
export function assetUrl(file: string): string {
  return `../assets/${file}?v=${assetVersion(file)}`;
}

/** The path prefix of PUBLIC_BASE_URL ("" or "/invoicing"), for URLs the browser resolves. */
export function basePath(publicBaseUrl: string): string {
  return new URL(publicBaseUrl).pathname.replace(/\/+$/, '');
}

export interface PageShell {
  title: string;
  kind: string;
  base: string;
  data: unknown;
  body: SafeHtml;
}

/** The HTML document every iframe page shares: one stylesheet, one script, a JSON data block. */
export function pageShell(p: PageShell): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${p.title}</title>
<link rel="stylesheet" href="${p.base}/assets/pages.css?v=${assetVersion('pages.css')}">
<script type="module" src="${p.base}/assets/pages.js?v=${assetVersion('pages.js')}"></script>
</head>
<body class="page page-${p.kind}">
<script type="application/json" id="page-data">${jsonForScript(p.data)}</script>
${p.body}
</body>
</html>
`.value;
}
