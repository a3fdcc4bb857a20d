/**
 * Text folding for the full-text indexes: lower-case, accents removed from
 * Latin letters (é → e, ü → u) EXCEPT the Danish å, which stays a letter of
 * its own; æ and ø have no decomposition and stay as they are. The same
 * function folds indexed text and query text, so they always agree.
 */
const COMBINING = /[\u0300-\u036f]/g;
const NEEDS_FOLD = /[^\u0000-\u007f]/;
/** Text with no character that has a canonical decomposition (none below U+00C0; æ ø å keep theirs). */
const PLAIN = /^[\u0000-\u00bf\u00c5\u00c6\u00d8\u00e5\u00e6\u00f8]*$/;

export function foldText(s: string): string {
  // nothing to decompose (ASCII, Latin-1 punctuation, æ ø å): the common case, no normalizing
  return PLAIN.test(s) ? s.toLowerCase() : foldTextGeneral(s);
}

/** foldText without its fast path: exported so that a test holds the two to the same answers. */
export function foldTextGeneral(s: string): string {
  const lower = s.normalize('NFC').toLowerCase();
  if (!NEEDS_FOLD.test(lower)) return lower;
  // keep å (and Å, already lowered) by protecting it across NFD
  return lower
    .replace(/å/g, '\u0001')
    .normalize('NFD')
    .replace(COMBINING, '')
    .normalize('NFC')
    .replace(/\u0001/g, 'å');
}

/** Digits only, for phone fragments ("+45 88 12 34 56" → "4588123456"). */
export function digitsOnly(s: string): string {
  return s.replace(/\D+/g, '');
}

/**
 * The text the trigram contact index holds for a case: the e-mail address
 * folded like every indexed word (NFC, lower case, accents off except å, so
 * `rene\u0301.olsen@…` and `rené.olsen@…` both become `rene.olsen@…`), and
 * the phone number's digits. null when the case has neither (fields of
 * other types count as absent).
 */
export function contactIndexText(email: unknown, phone: unknown): string | null {
  const parts: string[] = [];
  if (typeof email === 'string') parts.push(foldText(email));
  if (typeof phone === 'string') parts.push(digitsOnly(phone));
  return parts.length ? parts.join(' ') : null;
}
