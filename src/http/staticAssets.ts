import path from 'node:path';
import { createRequire } from 'node:module';
import express from 'express';
import { PUBLIC_DIR } from '../paths.js';

const require = createRequire(import.meta.url);
const UI_FONTS_DIR = path.join(path.dirname(require.resolve('@fontsource/lexend-deca/package.json')), 'files');
/**
 * Last-resort web fonts for names in scripts the rep's machine may lack (pages.css lists the usual
 * system fonts first, and browsers fetch these only for characters in their unicode-range).
 */
const FALLBACK_FONTS: Record<string, string> = {
  'noto-sans-sc.ttf': '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  'noto-sans-kr.ttf': '@expo-google-fonts/noto-sans-kr/400Regular/NotoSansKR_400Regular.ttf',
  'noto-sans-arabic.ttf': '@expo-google-fonts/noto-sans-arabic/400Regular/NotoSansArabic_400Regular.ttf',
  'noto-sans-hebrew.ttf': '@expo-google-fonts/noto-sans-hebrew/400Regular/NotoSansHebrew_400Regular.ttf',
};

/** Browser modules that pages.js and admin.js import, by their path under public/ (see the /assets route). */
const IMPORTED_MODULES = new Set([
  'locale.js',
  'repWording.js',
  'pages/combobox.js',
  'pages/debounce.js',
  'pages/formProblems.js',
  'pages/invoiceForm.js',
  'pages/pageData.js',
  'pages/paymentForm.js',
  'pages/serviceApi.js',
  'pages/settingsForm.js',
  'pages/voidForm.js',
]);

/** /assets: the pages' and dashboard's scripts, styles and fonts. */
export function mountStaticAssets(app: express.Express): void {
  app.use('/assets/fonts', express.static(UI_FONTS_DIR, { index: false, maxAge: '30d', immutable: true }));
  app.get('/assets/fallback-fonts/:file', (req, res, next) => {
    // Own keys only: `__proto__` or `constructor` would find Object.prototype's and throw (a 500).
    const file = String(req.params.file);
    const source = Object.hasOwn(FALLBACK_FONTS, file) ? FALLBACK_FONTS[file] : undefined;
    if (!source) return next();
    res.sendFile(require.resolve(source), { maxAge: '30d', immutable: true, headers: { 'Content-Type': 'font/ttf' } });
  });
  app.use(
    '/assets',
    express.static(PUBLIC_DIR, {
      index: false,
      maxAge: '1h',
      // Modules the page scripts import are loaded without a content hash in their URL: browsers
      // revalidate them, so a deployment never pairs a new page script with an old module.
      setHeaders: (res, file) => {
        if (IMPORTED_MODULES.has(path.relative(PUBLIC_DIR, file).split(path.sep).join('/'))) res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
}
