/**
 * Seeded randomness for the simulator: sfc32 (fast, 128-bit state, good
 * enough statistically) plus the few helpers the generator needs. Nothing
 * here reads Math.random or the clock, so equal seeds give equal streams.
 */

/** Mix a number and an optional string into a 32-bit seed (FNV-1a, then murmur3's finaliser). */
export function mixSeed(seed: number, salt = ''): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193);
  h ^= Math.floor(seed / 0x100000000) >>> 0;
  for (let i = 0; i < salt.length; i++) {
    h ^= salt.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const HEX = '0123456789abcdef';
const GUIDE_SLOTS = 65_536;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, salt = '') {
    const s = mixSeed(seed, salt);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = s;
    for (let i = 0; i < 15; i++) this.uint32(); // warm up away from the seed
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 0x100000000;
  }

  /** An integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(arr: readonly T[]): T {
    if (arr.length === 0) throw new RangeError('pick from an empty array');
    return arr[Math.floor(this.next() * arr.length)] as T;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** n lower-case hex digits (a flat string: no rope of 1-char pieces). */
  hex(n: number): string {
    return this.chars(n, HEX, 4);
  }

  /** prefix + n characters of `alphabet` (length 2^bits, drawn `bits` at a time) + suffix, as one flat string. */
  chars(n: number, alphabet: string, bits: number, prefix = '', suffix = ''): string {
    const codes: number[] = [];
    for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i));
    const per = Math.floor(32 / bits);
    const mask = (1 << bits) - 1;
    for (let i = 0; i < n; ) {
      let x = this.uint32();
      for (let j = 0; j < per && i < n; j++, i++, x >>>= bits) codes.push(alphabet.charCodeAt(x & mask));
    }
    for (let i = 0; i < suffix.length; i++) codes.push(suffix.charCodeAt(i));
    return String.fromCharCode.apply(null, codes);
  }

  /** A new generator whose stream depends on this one's next output and the label. */
  fork(label = ''): Rng {
    return new Rng(this.uint32(), label);
  }
}

/**
 * Zipf's law over ranks 0..n-1: P(rank k) ∝ 1/(k+1)^s. The CDF is computed
 * once; a guide table (up to 65,536 slots) narrows each binary search to a few steps.
 */
export class Zipf {
  readonly n: number;
  readonly s: number;
  private readonly cdf: Float64Array;
  private readonly guide: Uint32Array;
  private readonly slots: number;

  constructor(n: number, s = 1.07) {
    if (!(n >= 1)) throw new RangeError('Zipf needs at least one rank');
    this.n = n;
    this.s = s;
    const cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, s);
      cdf[k] = sum;
    }
    for (let k = 0; k < n; k++) cdf[k] = (cdf[k] as number) / sum;
    cdf[n - 1] = 1;
    this.cdf = cdf;
    const slots = Math.min(GUIDE_SLOTS, Math.max(64, n * 4));
    this.slots = slots;
    this.guide = new Uint32Array(slots + 1);
    let k = 0;
    for (let g = 0; g <= slots; g++) {
      while (k < n - 1 && (cdf[k] as number) < g / slots) k++;
      this.guide[g] = k;
    }
  }

  /** Probability of rank k (0-based). */
  p(k: number): number {
    return (this.cdf[k] as number) - (k > 0 ? (this.cdf[k - 1] as number) : 0);
  }

  /** A 0-based rank. */
  sample(rng: Rng): number {
    const u = rng.next();
    const g = Math.floor(u * this.slots);
    let lo = this.guide[g] as number;
    let hi = this.guide[g + 1] as number;
    // first k with cdf[k] > u lies in [lo, hi]
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
