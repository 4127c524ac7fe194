import bidiFactory, { type Bidi } from 'bidi-js';
import type PDFDocument from 'pdfkit';
import type { PdfFont, PdfFontSet } from './pdfFonts.js';

export interface TextStyle {
  size: number;
  bold?: boolean;
  color?: string;
}

export interface DrawOptions extends TextStyle {
  width: number;
  /** 'start' follows the paragraph's direction (left for Latin, right for Arabic and Hebrew). */
  align?: 'start' | 'end' | 'left' | 'right' | 'center';
}

interface Piece {
  text: string;
  font: PdfFont;
  size: number;
  width: number;
  rtl: boolean;
}

interface Token {
  text: string;
  space: boolean;
  level: number;
  pieces: Piece[];
  width: number;
}

interface Line {
  tokens: Token[];
  width: number;
}

// bidi-js is UMD: at run time the default export is the factory itself.
const bidi = (bidiFactory as unknown as () => Bidi)();

const ascent = (f: PdfFont) => f.font.ascent / f.font.unitsPerEm;
const RTL_CHARS = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;
// Scripts written without spaces between words: a line may break after any of these characters.
const BREAK_ANYWHERE = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/;
const TOKEN = /\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+/g;

/**
 * Sets text with pdfkit the way an invoice needs it: any script (each character in the first
 * font that has it), right-to-left paragraphs reordered per line by the Unicode bidi algorithm
 * (bidi-js), greedy word wrapping, and alignment. pdfkit draws runs of one font and direction;
 * left to itself it misplaces spaces in Arabic and cannot fall back between fonts.
 */
export class TextSetter {
  private readonly registered = new Set<string>();
  private readonly widths = new Map<string, number>();

  constructor(
    private readonly doc: typeof PDFDocument.prototype,
    private readonly fonts: PdfFontSet,
  ) {}

  /** Height of one line at a size. */
  lineHeight(size: number): number {
    return size * 1.3;
  }

  /** Width of text set on one line. */
  width(text: string, style: TextStyle): number {
    return this.tokens(text, style).reduce((w, t) => w + t.width, 0);
  }

  /** Draws wrapped text in a box of the given width; returns the height used. */
  draw(text: string, x: number, y: number, opts: DrawOptions): number {
    const lineHeight = this.lineHeight(opts.size);
    let lineY = y;
    for (const paragraph of text.replace(/\r\n?/g, '\n').split('\n')) {
      const rtlParagraph = RTL_CHARS.test(paragraph) && bidi.getEmbeddingLevels(paragraph).paragraphs[0]?.level === 1;
      let lines = this.wrap(this.tokens(paragraph, opts), opts.width);
      if (lines.length === 0) lines = [{ tokens: [], width: 0 }];
      for (const line of lines) {
        const align = opts.align ?? 'start';
        const right = align === 'right' || (align === 'start' && rtlParagraph) || (align === 'end' && !rtlParagraph);
        const left = align === 'center' ? x + (opts.width - line.width) / 2 : right ? x + opts.width - line.width : x;
        this.drawLine(line, left, lineY, opts);
        lineY += lineHeight;
      }
    }
    return lineY - y;
  }

  /** Height the text would take in a box of this width (without drawing it). */
  height(text: string, opts: DrawOptions): number {
    let lines = 0;
    for (const paragraph of text.replace(/\r\n?/g, '\n').split('\n')) lines += Math.max(1, this.wrap(this.tokens(paragraph, opts), opts.width).length);
    return lines * this.lineHeight(opts.size);
  }

  /** The font for a character: the current run's when it has the glyph, else the first that does. */
  private fontFor(cp: number, fonts: PdfFont[], current: PdfFont | undefined): PdfFont {
    if (current && current.font.hasGlyphForCodePoint(cp)) return current;
    if (cp >= 0x20 && cp < 0x7f) return fonts[0]!; // ASCII: the Latin font has it all
    return fonts.find((f) => f.font.hasGlyphForCodePoint(cp)) ?? fonts[0]!;
  }

  private measure(font: PdfFont, size: number, text: string): number {
    const key = `${font.name}\u0000${size}\u0000${text}`;
    const w = this.widths.get(key);
    if (w === undefined) {
      this.use(font).fontSize(size);
      const measured = this.doc.widthOfString(text);
      this.widths.set(key, measured);
      return measured;
    }
    return w;
  }

  private use(font: PdfFont): typeof PDFDocument.prototype {
    if (!this.registered.has(font.name)) {
      this.doc.registerFont(font.name, font.font as unknown as Buffer);
      this.registered.add(font.name);
    }
    return this.doc.font(font.name);
  }

  private tokens(text: string, style: TextStyle): Token[] {
    const fonts = style.bold ? this.fonts.bold : this.fonts.regular;
    const levels = RTL_CHARS.test(text) ? bidi.getEmbeddingLevels(text).levels : undefined;
    const out: Token[] = [];
    for (const m of text.matchAll(TOKEN)) {
      const t = m[0];
      const start = m.index;
      const space = /^\s/.test(t);
      const pieces: Piece[] = [];
      let runText = '';
      let runFont: PdfFont | undefined;
      for (const ch of t) {
        const font = this.fontFor(ch.codePointAt(0)!, fonts, runFont);
        if (runFont && font !== runFont) {
          pieces.push({ text: runText, font: runFont, size: style.size, width: 0, rtl: false });
          runText = '';
        }
        runFont = font;
        runText += ch;
      }
      if (runFont) pieces.push({ text: runText, font: runFont, size: style.size, width: 0, rtl: false });
      const level = levels ? levels[start]! : 0;
      let width = 0;
      for (const p of pieces) {
        p.width = this.measure(p.font, style.size, space ? ' '.repeat(p.text.length) : p.text);
        p.rtl = level % 2 === 1;
        width += p.width;
      }
      out.push({ text: t, space, level, pieces, width });
    }
    return out;
  }

  /** Greedy line breaking; spaces at line ends vanish, words wider than a line are cut. */
  private wrap(tokens: Token[], width: number): Line[] {
    const lines: Line[] = [];
    let line: Line = { tokens: [], width: 0 };
    const push = () => {
      while (line.tokens.length && line.tokens[line.tokens.length - 1]!.space) line.width -= line.tokens.pop()!.width;
      if (line.tokens.length) lines.push(line);
      line = { tokens: [], width: 0 };
    };
    for (const token of tokens) {
      if (token.space && line.tokens.length === 0) continue;
      if (line.width + token.width <= width + 0.01 || line.tokens.length === 0) {
        if (token.width > width && !token.space && !BREAK_ANYWHERE.test(token.text)) {
          // A single word wider than the box (a long reference, an email): cut it by characters.
          for (const part of this.cut(token, width - line.width, width)) {
            if (line.width + part.width > width + 0.01 && line.tokens.length) push();
            line.tokens.push(part);
            line.width += part.width;
          }
          continue;
        }
        line.tokens.push(token);
        line.width += token.width;
      } else {
        push();
        if (!token.space) {
          line.tokens.push(token);
          line.width += token.width;
        }
      }
    }
    push();
    return lines;
  }

  private cut(token: Token, firstWidth: number, width: number): Token[] {
    const parts: Token[] = [];
    let current: Piece[] = [];
    let currentWidth = 0;
    let limit = Math.max(firstWidth, width / 4);
    const flush = () => {
      if (current.length) parts.push({ text: current.map((p) => p.text).join(''), space: false, level: token.level, pieces: current, width: currentWidth });
      current = [];
      currentWidth = 0;
      limit = width;
    };
    for (const piece of token.pieces) {
      for (const ch of piece.text) {
        const w = this.measure(piece.font, piece.size, ch);
        if (currentWidth + w > limit && current.length) flush();
        const last = current[current.length - 1];
        if (last && last.font === piece.font) {
          last.text += ch;
          last.width += w;
        } else current.push({ text: ch, font: piece.font, size: piece.size, width: w, rtl: piece.rtl });
        currentWidth += w;
      }
    }
    flush();
    return parts;
  }

  /** Visual order per the bidi algorithm (rule L2) at token granularity, then draws each run. */
  private drawLine(line: Line, x: number, y: number, style: TextStyle): void {
    const tokens = [...line.tokens];
    const maxLevel = tokens.reduce((m, t) => Math.max(m, t.level), 0);
    const minOdd = tokens.reduce((m, t) => (t.level % 2 === 1 ? Math.min(m, t.level) : m), Infinity);
    for (let level = maxLevel; level >= minOdd && level > 0; level--) {
      for (let i = 0; i < tokens.length;) {
        if (tokens[i]!.level >= level) {
          let j = i;
          while (j < tokens.length && tokens[j]!.level >= level) j++;
          tokens.splice(i, j - i, ...tokens.slice(i, j).reverse());
          i = j;
        } else i++;
      }
    }
    // Merge neighbouring left-to-right runs of one font into a single pdfkit call.
    const runs: Piece[] = [];
    for (const t of tokens) {
      const pieces = t.level % 2 === 1 ? [...t.pieces].reverse() : t.pieces;
      for (const p of pieces) {
        const last = runs[runs.length - 1];
        if (last && !last.rtl && !p.rtl && last.font === p.font) {
          last.text += p.text;
          last.width += p.width;
        } else runs.push({ ...p });
      }
    }
    // pdfkit puts the top of a run at y, so fonts with other ascents would sit on other baselines:
    // shift each run so all share the Latin font's baseline.
    const reference = ascent(this.fonts.regular[0]!);
    let cx = x;
    for (const run of runs) {
      if (run.text.trim()) {
        this.use(run.font)
          .fontSize(style.size)
          .fillColor(style.color ?? '#1f2933')
          .text(run.text, cx, y + (reference - ascent(run.font)) * style.size, { lineBreak: false });
      }
      cx += run.width;
    }
  }
}
