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
    v = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(PUBLIC_DIR, file)))
      .digest('hex')
      .slice(0, 12);
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

/** What a document needs beyond its body; each part only where the route's CSP profile allows it. */
export interface Document {
  title: string;
  body: SafeHtml;
  /** The body's class, the stylesheet's hook for the kind of page. */
  bodyClass?: string | undefined;
  /** A stylesheet's URL (header profiles allow styles from this origin only, never inline). */
  stylesheet?: string | undefined;
  /** A module script's URL (this origin only). */
  script?: string | undefined;
  /** Tells the browser not to send the page's URL as a referrer (the iframe pages' URLs carry a token). */
  noReferrer?: boolean | undefined;
  /** An empty icon, so the browser asks for no /favicon.ico; needs img-src data: (not the API profile). */
  dataIcon?: boolean | undefined;
}

/** A head element on its own line, or nothing. */
const line = (part: SafeHtml | false | undefined) => (part ? html`${part}\n` : '');

/**
 * The one HTML document shell: the iframe pages, the dashboard, the OAuth result pages and the
 * error pages are all written over it. No inline script or style: no header profile allows them.
 */
export function documentShell(d: Document): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${line(d.noReferrer && html`<meta name="referrer" content="no-referrer">`)}${line(d.dataIcon && html`<link rel="icon" href="data:,">`)}<title>${d.title}</title>
${line(!!d.stylesheet && html`<link rel="stylesheet" href="${d.stylesheet}">`)}${line(!!d.script && html`<script type="module" src="${d.script}"></script>`)}</head>
<body${d.bodyClass ? html` class="${d.bodyClass}"` : ''}>
${d.body}
</body>
</html>
`;
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
  return documentShell({
    title: p.title,
    noReferrer: true,
    dataIcon: true,
    stylesheet: `${p.base}/assets/pages.css?v=${assetVersion('pages.css')}`,
    script: `${p.base}/assets/pages.js?v=${assetVersion('pages.js')}`,
    bodyClass: `page page-${p.kind}`,
    body: html`<script type="application/json" id="page-data">${jsonForScript(p.data)}</script>
${p.body}`,
  }).value;
}
