import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { v3Headers } from '../hubspot/signature.js';
import type { PreviewTarget } from './previewCard.js';
import { PROJECT_ROOT } from '../paths.js';

export interface AppCardPreviewOptions extends PreviewTarget {
  appId: string;
  locale: string;
  /** The clock the signatures' timestamps come from (the service refuses one more than 5 minutes off its own). */
  nowMs?: () => number;
}

/** A node of HubSpot's test renderer's tree (@hubspot/ui-extensions/testing), as far as the text needs it. */
interface TreeNode {
  nodeType: string;
  name?: string;
  text: string | null;
  props?: Record<string, unknown>;
  childNodes?: TreeNode[];
}

interface PreviewModule {
  renderCard(dealId: string, locale: string, fetch: (url: string, init?: { method?: string; body?: unknown }) => Promise<Response>): Promise<TreeNode>;
}

/**
 * The bundle the preview runs: the card's own source (src/appCard) with HubSpot's test renderer,
 * where `hubspot.fetch` is the one thing replaced, by a function the CLI hands in. Everything else
 * (components, hooks, actions) is HubSpot's package as the card's tests use it.
 */
const ENTRY = `
import { createElement } from 'react';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { LoadingSpinner } from '@hubspot/ui-extensions';
import { InvoiceCard } from './src/appCard/InvoiceCard';
export async function renderCard(dealId, locale, fetch) {
  globalThis.__appCardPreviewFetch = fetch;
  const r = createRenderer('crm.record.tab');
  r.mocks.context.crm.objectId = Number(dealId);
  r.mocks.context.user.locale = locale;
  r.render(createElement(InvoiceCard));
  await r.waitFor(() => { if (r.maybeFind(LoadingSpinner)) throw new Error('still loading'); }, { timeout: 15000 });
  return r.getRootNode();
}
`;
const SHIM = `
export * from 'real-ui-extensions';
import { hubspot as real } from 'real-ui-extensions';
export const hubspot = { ...real, fetch: (url, init) => globalThis.__appCardPreviewFetch(url, init) };
`;

/** Bundles ENTRY with esbuild (a dev dependency: the preview runs in a checkout with `npm ci`). */
async function buildPreview(): Promise<PreviewModule> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('The native card preview needs the development dependencies (esbuild, react, @hubspot/ui-extensions): run "npm ci" in the checkout, then try again.');
  }
  const realEntry = path.join(PROJECT_ROOT, 'node_modules/@hubspot/ui-extensions/dist/index.js');
  const result = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: PROJECT_ROOT, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    jsx: 'automatic',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'preview-fetch',
        setup(b) {
          b.onResolve({ filter: /^@hubspot\/ui-extensions$/ }, () => ({ path: 'shim', namespace: 'preview-shim' }));
          b.onResolve({ filter: /^real-ui-extensions$/ }, () => ({ path: realEntry }));
          b.onLoad({ filter: /.*/, namespace: 'preview-shim' }, () => ({ contents: SHIM, resolveDir: PROJECT_ROOT, loader: 'js' }));
        },
      },
    ],
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'app-card-preview-')), 'preview.mjs');
  fs.writeFileSync(file, result.outputFiles[0]!.text);
  try {
    return (await import(pathToFileURL(file).href)) as PreviewModule;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/**
 * hubspot.fetch as HubSpot's proxy does it: the rep's identity appended to the card's own query,
 * the whole public URL signed with v3 (method + URL + body + timestamp), sent to the service.
 */
function proxiedFetch(o: AppCardPreviewOptions) {
  return async (url: string, init: { method?: string; body?: unknown } = {}): Promise<Response> => {
    const target = new URL(url);
    for (const [k, v] of [
      ['userId', o.userId],
      ['portalId', o.portalId],
      ['userEmail', o.userEmail],
      ['appId', o.appId],
    ] as const)
      target.searchParams.append(k, v);
    const publicBase = new URL(o.publicUrl);
    const publicUrl = `${publicBase.origin}${target.pathname}${target.search}`;
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.body === undefined ? '' : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    const timestamp = String((o.nowMs ?? Date.now)());
    const send = new URL(`${target.pathname}${target.search}`, o.serviceUrl);
    return fetch(send, {
      method,
      headers: { ...v3Headers(o.clientSecret, method, publicUrl, body, timestamp), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body || undefined,
      signal: AbortSignal.timeout(15_000),
    });
  };
}

const textOf = (n: TreeNode): string => (n.nodeType === 'text' ? (n.text ?? '') : (n.childNodes ?? []).map(textOf).filter(Boolean).join(' '));

/** The rendered card as a rep reads it, in plain text: headings, figures, tags, table rows, buttons. */
export function treeToText(root: TreeNode): string {
  const lines: string[] = [];
  const walk = (n: TreeNode, depth: number): void => {
    const pad = '│ ' + '  '.repeat(Math.min(depth, 3));
    switch (n.name) {
      case 'StatisticsItem':
        lines.push(`${pad}${String(n.props?.label ?? '')}: ${String(n.props?.number ?? textOf(n))}`);
        return;
      case 'TableRow':
        lines.push(`${pad}${(n.childNodes ?? []).map((c) => textOf(c).replace(/\s+/g, ' ')).join(' | ')}`);
        return;
      case 'Button':
      case 'LoadingButton':
        lines.push(`${pad}[${textOf(n)}]`);
        return;
      case 'Alert':
      case 'ErrorState':
      case 'EmptyState':
      case 'Heading':
      case 'Text':
      case 'StatusTag':
      case 'Tag':
        if (textOf(n)) lines.push(`${pad}${String(n.props?.title ? `${String(n.props.title)}: ` : '')}${textOf(n).replace(/\s+/g, ' ')}`);
        return;
      default:
        for (const c of n.childNodes ?? []) walk(c, n.name ? depth + 1 : depth);
    }
  };
  walk(root, 0);
  // Consecutive identical lines (a label repeated by nested texts) once.
  return ['┌─ Invoices (our app card)', ...lines.filter((l, i) => l !== lines[i - 1]), `└${'─'.repeat(63)}`].join('\n');
}

/** Renders our app card through HubSpot's test renderer against the running service; the card as text. */
export async function previewAppCard(o: AppCardPreviewOptions): Promise<string> {
  const mod = await buildPreview();
  const root = await mod.renderCard(o.dealId, o.locale, proxiedFetch(o));
  return treeToText(root);
}
