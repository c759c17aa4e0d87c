/**
 * Deterministic tokenizer for questions. Text is normalised (NFKC/NFC), optionally lower-cased,
 * then cut into tokens by Unicode classes:
 * - words: runs of letters, marks and digits (`mp3`, `ipv4`, `café`), with inner apostrophes kept
 *   (`don't`; a typographic ’ becomes ');
 * - numbers: runs of decimal digits, with inner `.` or `,` groups (`3.14`, `1,000`), then kept,
 *   replaced by `<num>`, or split into single digits;
 * - Han, Hiragana and Katakana characters one token each (those scripts do not separate words);
 * - URLs (`http://...`, `www....`) reduced to their word parts, never punctuation, so that a link
 *   does not fill a question's token budget with `/` and `.`;
 * - every other non-space character is punctuation: a token of its own, or dropped;
 * - with `contractions: split`, a word's clitic is split off as in GloVe: `don't` → `do`, `n't`.
 * Whitespace is any Unicode white space.
 */
import type { TokenizerConfig } from './schema.js';

export const NUM_TOKEN = '<num>';

export const DEFAULT_TOKENIZER: TokenizerConfig = {
  lowercase: true,
  normalize: 'NFKC',
  splitPunctuation: true,
  numbers: 'keep',
};

const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}`;
const WORD_CHAR = String.raw`[^\s\p{P}\p{S}\p{Z}\p{C}${CJK}]`;

// Alternatives in priority order; each match is classified by which group matched.
const TOKEN_RE = new RegExp(
  [
    String.raw`((?:https?:\/\/|www\.)\S+)`, // 1 url
    String.raw`(\p{Nd}+(?:[.,]\p{Nd}+)*(?![\p{L}\p{M}\p{N}]))`, // 2 number
    `(${WORD_CHAR}+(?:['’]${WORD_CHAR}+)*)`, // 3 word
    `([${CJK}])`, // 4 Han/Kana character
    String.raw`[^\s]`, // anything else: punctuation
  ].join('|'),
  'gu',
);
const URL_PART_RE = /[\p{L}\p{M}\p{N}]+/gu;

export class Tokenizer {
  readonly config: TokenizerConfig;

  constructor(config: Partial<TokenizerConfig> = {}) {
    this.config = { ...DEFAULT_TOKENIZER, ...config };
  }

  tokenize(text: string): string[] {
    const { normalize, lowercase } = this.config;
    let s = normalize === 'none' ? text : text.normalize(normalize);
    if (lowercase) s = s.toLowerCase();
    const out: string[] = [];
    // No token spans white space, so each white-space-separated piece is tokenized on its own; the
    // common pieces (ASCII letters, maybe one trailing mark: `india?`) skip the regular expression.
    for (const piece of s.split(WHITESPACE_RE)) {
      if (piece === '') continue;
      const letters = asciiLetters(piece);
      if (letters === piece.length) out.push(piece);
      else if (
        letters === piece.length - 1 &&
        letters > 0 &&
        TRAILING_MARKS.includes(piece.charCodeAt(letters))
      ) {
        out.push(piece.slice(0, letters));
        if (this.config.splitPunctuation) out.push(piece[letters]!);
      } else this.tokenizePiece(piece, out);
    }
    return out;
  }

  private tokenizePiece(piece: string, out: string[]): void {
    const { splitPunctuation, numbers } = this.config;
    for (const m of piece.matchAll(TOKEN_RE)) {
      const [, url, num, word, cjk] = m;
      if (word !== undefined) {
        const w = word.includes('’') ? word.replaceAll('’', "'") : word;
        if (this.config.contractions === 'split' && w.includes("'")) splitContraction(w, out);
        else out.push(w);
      } else if (num !== undefined) {
        if (numbers === 'keep') out.push(num);
        else if (numbers === 'token') out.push(NUM_TOKEN);
        else {
          for (const ch of num) {
            if (ch === '.' || ch === ',') {
              if (splitPunctuation) out.push(ch);
            } else out.push(ch);
          }
        }
      } else if (cjk !== undefined) {
        out.push(cjk);
      } else if (url !== undefined) {
        for (const part of url.matchAll(URL_PART_RE)) out.push(part[0]);
      } else if (splitPunctuation) {
        out.push(m[0]);
      }
    }
  }
}

const WHITESPACE_RE = /\s+/u;
// GloVe's (Penn Treebank's) clitics: don't → do n't, it's → it 's, we're → we 're.
const CONTRACTION_RE = /^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$/u;

/** Pushes a word with an apostrophe, its clitic split off as GloVe's tokens do. */
function splitContraction(word: string, out: string[]): void {
  const m = CONTRACTION_RE.exec(word);
  if (m) out.push(m[1]!, m[2]!);
  else out.push(word);
}
// ? . , ! : ; ) "
const TRAILING_MARKS = [0x3f, 0x2e, 0x2c, 0x21, 0x3a, 0x3b, 0x29, 0x22];

/** Length of the leading run of ASCII letters. */
function asciiLetters(s: string): number {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20; // fold upper to lower case
    if (c < 0x61 || c > 0x7a) break;
  }
  return i;
}
