/**
 * Events of one group in event-time order: their timestamps and seqs (and, for kinds that need
 * it, one text value each), sorted by (timestamp, seq) so that equal timestamps keep the log's
 * order. Events arriving in time order append; a late one is inserted in its place.
 */
export class TimeSeries {
  /** Timestamps, Unix ms, ascending. */
  readonly ts: number[];
  /** Seqs, in the same order. */
  readonly seqs: number[];
  /** One value per entry, for kinds that keep one (`distinct`); else empty. */
  readonly values: string[];

  constructor(ts: number[] = [], seqs: number[] = [], values: string[] = []) {
    this.ts = ts;
    this.seqs = seqs;
    this.values = values;
  }

  get length(): number {
    return this.ts.length;
  }

  /** Inserts an entry in its place; returns its index. */
  insert(t: number, seq: number, value?: string): number {
    const n = this.ts.length;
    const lastT = this.ts[n - 1];
    let at = n;
    if (n > 0 && (t < (lastT as number) || (t === lastT && seq < (this.seqs[n - 1] as number)))) {
      at = this.atOrAfter(t, seq);
    }
    if (at === n) {
      this.ts.push(t);
      this.seqs.push(seq);
      if (value !== undefined) this.values.push(value);
    } else {
      this.ts.splice(at, 0, t);
      this.seqs.splice(at, 0, seq);
      if (value !== undefined) this.values.splice(at, 0, value);
    }
    return at;
  }

  /** The index of the first entry later than `t` (the number of entries at or before it). */
  after(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the first entry at or after (`t`, `seq`) in (timestamp, seq) order. */
  atOrAfter(t: number, seq: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mt = this.ts[mid] as number;
      if (mt < t || (mt === t && (this.seqs[mid] as number) < seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** How many entries have `fromMs < timestamp ≤ toMs`. */
  countIn(fromMs: number, toMs: number): number {
    return Math.max(0, this.after(toMs) - this.after(fromMs));
  }

  /** The seqs of the entries with `fromMs < timestamp ≤ toMs`, in time order. */
  seqsIn(fromMs: number, toMs: number): number[] {
    return this.seqs.slice(this.after(fromMs), this.after(toMs));
  }

  /** Drops the first `count` entries. */
  dropFirst(count: number): void {
    if (count <= 0) return;
    this.ts.splice(0, count);
    this.seqs.splice(0, count);
    if (this.values.length > 0) this.values.splice(0, count);
  }

  /** Drops every entry before `t`. */
  dropBefore(t: number): void {
    this.dropFirst(this.atOrAfter(t, Number.NEGATIVE_INFINITY));
  }

  /** Drops every entry at or before `t`. */
  dropThrough(t: number): void {
    this.dropFirst(this.after(t));
  }

  /** Keeps only the entries at `indexes` (ascending). */
  keep(indexes: readonly number[]): void {
    const pick = <T>(items: T[]) => {
      const kept = indexes.map((i) => items[i] as T);
      items.length = 0;
      items.push(...kept);
    };
    pick(this.ts);
    pick(this.seqs);
    if (this.values.length > 0) pick(this.values);
  }

  /** The JSON form: `[timestamps, seqs]`, and the values when kept. */
  toJSON(): unknown {
    return this.values.length > 0 ? [this.ts, this.seqs, this.values] : [this.ts, this.seqs];
  }

  /** A series from its JSON form. */
  static fromJSON(json: unknown): TimeSeries {
    const [ts, seqs, values] = json as [number[], number[], string[]?];
    return new TimeSeries([...ts], [...seqs], values ? [...values] : []);
  }
}
