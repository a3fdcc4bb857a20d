import { Rng, Zipf } from './random.js';

/**
 * The words message contents are drawn from: real Danish and English
 * helpdesk words first (roughly by how common they are), then generated
 * pseudo-words built from syllables until the vocabulary holds 20,000+
 * distinct words. Everything is deterministic (fixed seed).
 */

const DANISH = `
og i at det er en til på jeg du vi ikke med har for den som de af kan så men
har hej tak venlig hilsen mvh også får går vil skal bare lige ved når efter
min mit mine jeres vores din dit kunne ville havde blev bliver være været
nu her der hvor hvad hvorfor hvordan hvis eller fra om over under igen stadig
fejl løsning spørgsmål bestilling nummerflytning fiber router faktura mobil
abonnement opsigelse hastighed forbindelse søg skærm adgangskode internet
kunde kundeservice support sag henvendelse svar besked mail telefon nummer
opkald linje netværk signal dækning wifi modem boks installation tekniker
levering pakke pris betaling regning beløb rabat kreditnota tilbud aftale
bindingsperiode ordre ændring flytning adresse lejlighed hus kabel stik
lampe lyser blinker rødt grønt virker fungerer langsom nede afbrudt ustabil
genstart genstarte nulstil nulstille opdatering opdatere indstillinger
login konto bruger brugernavn kode glemt nyt ny gammel gamle ønsker ønske
hjælp hjælpe venter ventet længe dage uger timer minutter i dag i morgen
igår weekend mandag tirsdag onsdag torsdag fredag lørdag søndag måned
sim simkort esim data roaming udlandet opkaldsliste sms mms voicemail
telefonsvarer viderestilling hemmeligt nummeret portering overførsel
oprettet oprette lukket lukke åben åbne behandling sagsnummer reference
medarbejder afdeling virksomhed firma erhverv privat kontrakt underskrift
bekræftelse kvittering godkendt afvist fejlmeddelelse kode fejlkode skærmbillede
vedhæftet bilag billede fil dokument venligst snarest muligt hurtigst
beklager undskyld desværre heldigvis selvfølgelig naturligvis gerne
mangler manglende forkert korrekt rigtig rigtigt forsinket forsinkelse
udfald nedbrud driftsforstyrrelse vedligeholdelse område postnummer by
tv kanaler pakken streaming boks fjernbetjening app appen hjemmeside
selvbetjening mitid nemid email emailadresse kontaktperson telefonnummer
frakoble tilkoble aktivere aktiveret deaktiveret spærret spærring låst
pinkode pukkode mobilnummer hovednummer lokalnummer omstilling
tilfreds utilfreds klage klagen erstatning kompensation godtgørelse
ekstra gebyr oprettelsesgebyr måneden kvartal årlig forudbetalt
`;

const ENGLISH = `
the to and a of is in it you that for on not have with this be are can we
my your our please thanks thank regards hello hi dear best kind
issue problem error solution question order invoice password account
speed connection network outage down slow unstable working works broken
customer support ticket case request reply answer update status change
router modem fiber cable line phone mobile number porting transfer sim
subscription cancel cancellation termination contract renewal price
payment bill billing charge refund credit discount fee overdue reminder
address move moving installation technician appointment delivery package
login username reset forgot locked blocked unlock activate activation
screen display device settings configuration firmware reboot restart
email attachment screenshot document file form signature confirmation
today tomorrow yesterday week month hours minutes days waiting waited
urgent asap soon immediately still again already never always sometimes
coverage signal roaming abroad voicemail forwarding data usage limit
company business office employee manager department admin reseller
helpdesk agent escalate escalated resolved closed open pending handling
`;

const ONSETS = ['b', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'st', 'sk', 'sp', 'tr', 'kr', 'br', 'fl', 'gl', 'bl', 'pr', 'sn', ''];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'y', 'æ', 'ø', 'å', 'ei', 'ie', 'ou', 'ee', 'aa'];
const CODAS = ['', '', '', 'n', 'r', 'l', 's', 't', 'd', 'k', 'ng', 'nd', 'st', 'rt', 'lse', 'ning', 'else', 'er', 'et', 'ede'];

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

function buildVocabulary(target: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (w: string): void => {
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  };
  // interleave Danish and English so both languages have common words near the top
  const da = words(DANISH);
  const en = words(ENGLISH);
  for (let i = 0; i < Math.max(da.length, en.length); i++) {
    if (i < da.length) add(da[i] as string);
    if (i < en.length) add(en[i] as string);
  }
  const rng = new Rng(20_000, 'vocabulary');
  while (out.length < target) {
    const syllables = rng.int(2, 4);
    let w = '';
    for (let s = 0; s < syllables; s++) w += rng.pick(ONSETS) + rng.pick(NUCLEI) + (s === syllables - 1 ? rng.pick(CODAS) : '');
    add(w);
  }
  return out;
}

/** The vocabulary in rank order: real, common words first. */
export const VOCABULARY: readonly string[] = Object.freeze(buildVocabulary(20_480));

/** The number of real (not generated) words at the head of VOCABULARY. */
export const REAL_WORD_COUNT = new Set([...words(DANISH), ...words(ENGLISH)]).size;

const ZIPF = new Zipf(VOCABULARY.length, 1.07);

/** One word drawn from VOCABULARY with Zipf-distributed rank. */
export function drawWord(rng: Rng): string {
  return VOCABULARY[ZIPF.sample(rng)] as string;
}

/** The rank (0-based) of a drawn word, for tests measuring the distribution. */
export function drawRank(rng: Rng): number {
  return ZIPF.sample(rng);
}

// Every word as Latin-1 bytes in one array (æ, ø, å are Latin-1), so texts are
// assembled byte by byte into a scratch buffer and decoded once: far faster
// than joining string pieces, and the result is one flat one-byte string.
const WORD_START = new Uint32Array(VOCABULARY.length + 1);
const WORD_BYTES = new Uint8Array(VOCABULARY.reduce((s, w) => s + w.length, 0));
VOCABULARY.forEach((w, k) => {
  let p = WORD_START[k] as number;
  for (let i = 0; i < w.length; i++) WORD_BYTES[p++] = w.charCodeAt(i);
  WORD_START[k + 1] = p;
});
let scratch = Buffer.alloc(4096);

/** Latin-1 lower to upper case: a-z and à-þ (but not ÷) are 32 above their capitals. */
function upper(b: number): number {
  return (b >= 97 && b <= 122) || (b >= 0xe0 && b <= 0xfe && b !== 0xf7) ? b - 32 : b;
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return false;
  return true;
}

function ensureRoom(p: number, more: number): void {
  if (scratch.length >= p + more) return;
  const bigger = Buffer.alloc(Math.max(scratch.length * 2, p + more));
  scratch.copy(bigger, 0, 0, p);
  scratch = bigger;
}

function put(s: string, p: number): number {
  ensureRoom(p, s.length);
  for (let i = 0; i < s.length; i++) scratch[p++] = s.charCodeAt(i);
  return p;
}

/**
 * `prefix` + `n` Zipf-drawn words made into sentences of 5 to 14 words
 * (capitalised, ending in a full stop, 1 in 16 a question mark, sometimes a
 * comma) + `suffix`, as one flat string.
 */
export function drawText(rng: Rng, n: number, prefix = '', suffix = ''): string {
  if (!isLatin1(prefix) || !isLatin1(suffix)) return prefix + drawText(rng, n) + suffix;
  let left = 0;
  let comma = -1;
  let p = put(prefix, 0);
  for (let i = 0; i < n; i++) {
    const k = ZIPF.sample(rng);
    let j = WORD_START[k] as number;
    const end = WORD_START[k + 1] as number;
    ensureRoom(p, end - j + 2);
    if (i > 0) scratch[p++] = 32;
    if (left === 0) {
      const x = rng.uint32();
      left = 5 + (x % 10);
      comma = (x >>> 8) % 4 === 0 ? 2 + ((x >>> 12) % (left - 3)) : -1;
      scratch[p++] = upper(WORD_BYTES[j++] as number);
    }
    while (j < end) scratch[p++] = WORD_BYTES[j++] as number;
    left--;
    if (left === 0 || i === n - 1) {
      scratch[p++] = (rng.uint32() & 15) === 0 ? 63 : 46;
      left = 0;
    } else if (left === comma) scratch[p++] = 44;
  }
  p = put(suffix, p);
  return scratch.toString('latin1', 0, p);
}

/** The helpdesk agents (sentBy of OUTGOING and COMMENT messages). */
export const AGENTS: readonly string[] = [
  'Mikkel Jørgensen', 'Thomas Andersen', 'Sofie Nielsen', 'Line Østergaard', 'Jonas Hansen',
  'Camilla Sørensen', 'Rasmus Pedersen', 'Ida Kristensen', 'Mads Møller', 'Emma Lund',
  'Frederik Dahl', 'Julie Bæk', 'Anders Holm', 'Sara Friis', 'Kasper Ågaard',
];

export const FIRST_NAMES: readonly string[] = words(`
Anne Mette Kirsten Hanne Helle Susanne Lene Marianne Karen Camilla Maria Louise Pia Birgitte Lone
Peter Jens Lars Michael Henrik Søren Thomas Jan Niels Morten Martin Rasmus Jesper Anders Christian
Bjørn Jørgen Åse Sørine Grethe Malene Rikke Tove Bent Poul Ole Erik Finn Torben Kim
John Sarah David Emily James Olivia
`);

export const SURNAMES: readonly string[] = words(`
Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen
Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen Østergaard Kjær
Jakobsen Lauridsen Bæk Holm Dalsgaard Frandsen Skov Brøndum Smith Taylor Brown Wilson
`);

export const COMPANY_WORDS: readonly string[] = words(`
Nordisk Dansk Fiber Byg El VVS Auto Revision Advokat Tandlæge Bager Frisør Tømrer Maler Consult
Data Net IT Logistik Transport Ejendomme Invest Handel Design Medie Køkken Grøn Sund Havn Fjord
`);

export const COMPANY_SUFFIXES: readonly string[] = ['ApS', 'A/S', 'I/S', '& Co', 'IVS', 'Holding ApS', ''];

export const SUBJECTS_DA: readonly string[] = [
  'Skærm går i sort', 'Problemer med fiber', 'Langsom forbindelse', 'Spørgsmål til faktura', 'Nummerflytning',
  'Opsigelse af abonnement', 'Glemt adgangskode', 'Router blinker rødt', 'Ingen forbindelse', 'Bestilling af ny mobil',
  'Fejl på regning', 'Flytning af fiber', 'SIM-kort virker ikke', 'Ændring af abonnement', 'Hastighed er for lav',
  'Får ikke mine sms', 'Telefonen går på telefonsvarer', 'Spørgsmål om bindingsperiode', 'Tekniker kom ikke', 'Udfald på linjen',
];

export const SUBJECTS_EN: readonly string[] = [
  'Invoice question', 'Password reset', 'No internet connection', 'Slow speed', 'Router not working',
  'Cancel subscription', 'Number porting', 'Wrong charge on my bill', 'Order status', 'Mobile data not working',
  'Moving to a new address', 'Technician appointment', 'Roaming charges abroad', 'Voicemail setup', 'Account locked',
];
