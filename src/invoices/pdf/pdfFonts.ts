import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';

const require = createRequire(import.meta.url);

/**
 * The fonts embedded in invoice PDFs, in fallback order: each character is set in the first font
 * that has a glyph for it. Noto covers Latin, Greek, Cyrillic and Vietnamese, then Arabic, Hebrew,
 * Devanagari, Thai, Chinese and Japanese (SC carries kana), and Korean. They come from npm
 * (@expo-google-fonts/*, Google's Noto builds under the OFL), so a fresh `npm install` can render
 * any customer name; nothing depends on the machine's installed fonts.
 */
const FAMILIES = [
  ['NotoSans', '@expo-google-fonts/noto-sans', 'NotoSans'],
  ['NotoSansArabic', '@expo-google-fonts/noto-sans-arabic', 'NotoSansArabic'],
  ['NotoSansHebrew', '@expo-google-fonts/noto-sans-hebrew', 'NotoSansHebrew'],
  ['NotoSansDevanagari', '@expo-google-fonts/noto-sans-devanagari', 'NotoSansDevanagari'],
  ['NotoSansThai', '@expo-google-fonts/noto-sans-thai', 'NotoSansThai'],
  ['NotoSansSC', '@expo-google-fonts/noto-sans-sc', 'NotoSansSC'],
  ['NotoSansKR', '@expo-google-fonts/noto-sans-kr', 'NotoSansKR'],
] as const;

export interface PdfFont {
  /** Name to register with pdfkit (and to pass to doc.font). */
  name: string;
  /**
   * Parsed once per process and handed to every document (pdfkit accepts a fontkit font): parsing
   * the tables of these fonts again for each PDF cost more than laying out a 50-line invoice.
   */
  font: fontkit.Font;
}

export interface PdfFontSet {
  regular: PdfFont[];
  bold: PdfFont[];
}

let loaded: PdfFontSet | undefined;

function load(pkg: string, file: string, name: string): PdfFont {
  return { name, font: fontkit.create(fs.readFileSync(require.resolve(`${pkg}/${file}`))) as fontkit.Font };
}

/** The font set, read from disk on first use and kept for the life of the process. */
export function pdfFonts(): PdfFontSet {
  loaded ??= {
    regular: FAMILIES.map(([name, pkg, prefix]) => load(pkg, `400Regular/${prefix}_400Regular.ttf`, name)),
    bold: FAMILIES.map(([name, pkg, prefix]) => load(pkg, `700Bold/${prefix}_700Bold.ttf`, `${name}-Bold`)),
  };
  return loaded;
}
