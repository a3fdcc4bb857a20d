import stringWidth from 'string-width';

/**
 * Text from the remote, made fit to show: on a terminal, in a log line, in a
 * fixed-width table or a chart label. Remote text is input: it may carry
 * terminal control sequences (retitle the window, clear the screen, fake
 * output), binary bodies, and characters whose width on screen is not their
 * `.length` (CJK takes 2 columns, a combining accent 0, an emoji cluster
 * several code units). JSON output never goes through here: it keeps the
 * data exactly as delivered.
 */

/**
 * What a terminal would act on instead of print: C0 controls except TAB and
 * LF, DEL, C1 controls (U+0080–U+009F; U+009B is a one-character CSI), and
 * the bidirectional overrides and isolates that reorder what follows them.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * Remote text made harmless for a terminal: line ends (CR LF, lone CR)
 * become LF, and every control character a terminal would act on is shown
 * as a visible escape (`ESC [2J` prints as the six characters `\x1b[2J`).
 * TAB and LF stay. Use `safeLine` where the text must stay on one line.
 */
export function terminalSafe(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(UNSAFE, visible);
}

/** `terminalSafe`, then every run of whitespace (line breaks, tabs) as one space, trimmed. */
export function safeLine(s: string): string {
  return terminalSafe(s).replace(/\s+/g, ' ').trim();
}

/**
 * A description instead of the text when a body is binary (a gzip or image
 * answer decoded as UTF-8): e.g. "412 bytes of gzip". undefined for text.
 * `bytes` is the body's size as received (default: the text's UTF-8 size).
 * Binary: a NUL, or more than a tenth of the first 512 characters being
 * U+FFFD (bytes that are not UTF-8) or control characters other than
 * whitespace.
 */
export function describeBinary(text: string, bytes = Buffer.byteLength(text)): string | undefined {
  const head = text.slice(0, 512);
  if (head.length === 0) return undefined;
  const odd = head.match(/[\ufffd\u0000-\u0008\u000e-\u001f\u007f]/g)?.length ?? 0;
  if (!head.includes('\u0000') && odd * 10 <= head.length) return undefined;
  return `${bytes} bytes of ${binaryKind(head)}`;
}

function binaryKind(head: string): string {
  // magic numbers as they look after a UTF-8 decode (invalid bytes are U+FFFD)
  if (head.startsWith('\u001f\ufffd')) return 'gzip';
  if (head.startsWith('(\ufffd/\ufffd')) return 'zstd';
  if (head.startsWith('PK\u0003\u0004')) return 'zip';
  if (head.startsWith('\ufffdPNG')) return 'PNG';
  if (head.startsWith('%PDF')) return 'PDF';
  return 'binary data';
}

const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Columns `s` takes on a terminal: by grapheme and East Asian width (string-width). */
export function displayWidth(s: string): number {
  return stringWidth(s);
}

/**
 * `s` cut to at most `width` columns with a trailing `…`, never splitting a
 * grapheme (an emoji with its modifiers, a letter with its accents, a
 * surrogate pair). Unchanged when it fits.
 */
export function truncateToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of GRAPHEMES.segment(s)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `s` followed by spaces up to `width` columns (as is when already as wide). */
export function padToWidth(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/**
 * The graphemes of `s`, segmented a window at a time: Intl.Segmenter over one
 * long string costs time quadratic in its length in V8 (300 KB of base64 took
 * minutes). A window's last grapheme may go on past the cut, so it is left
 * for the next window.
 */
function* graphemes(s: string): Generator<string> {
  const WINDOW = 512;
  for (let i = 0; i < s.length; ) {
    const segs = Array.from(GRAPHEMES.segment(s.slice(i, i + WINDOW)), (x) => x.segment);
    if (i + WINDOW < s.length && segs.length > 1) segs.pop();
    for (const g of segs) {
      i += g.length;
      yield g;
    }
  }
}

/**
 * Text broken into lines of at most `width` columns: at spaces where
 * possible, inside a word (between graphemes) when one word is wider than
 * the line. Existing line breaks are kept; empty lines stay empty.
 */
export function wrapToWidth(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const word of para.split(/[ \t]+/).filter((x) => x !== '')) {
      // a word far longer than the line (a pasted base64 image) cannot fit: do not measure it whole
      const ww = word.length > 4 * w + 64 ? Number.POSITIVE_INFINITY : displayWidth(word);
      if (line !== '' && used + 1 + ww <= w) {
        line += ` ${word}`;
        used += 1 + ww;
        continue;
      }
      if (line !== '') out.push(line);
      line = '';
      used = 0;
      if (ww <= w) {
        line = word;
        used = ww;
        continue;
      }
      for (const segment of graphemes(word)) {
        const gw = displayWidth(segment);
        if (line !== '' && used + gw > w) {
          out.push(line);
          line = '';
          used = 0;
        }
        line += segment;
        used += gw;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * A plain-text table for the terminal: columns as wide as their widest cell
 * (display width, capped by `maxWidths[i]`, default 60), separated by two
 * spaces, a dashed rule under the header. Cells are made terminal-safe and
 * one line; a cell wider than its column is cut with `…`.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], maxWidths: readonly number[] = []): string {
  const clean = (cells: readonly string[]) => headers.map((_, i) => safeLine(cells[i] ?? ''));
  const body = rows.map(clean);
  const widths = headers.map((h, i) => Math.min(maxWidths[i] ?? 60, Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i]!)))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => padToWidth(truncateToWidth(c, widths[i]!), widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(clean(headers)), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
