// WAL positions as the read routing compares them: parsed from PostgreSQL's text, ordered, and malformed text refused.
import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from './read-routing.js';

describe('WAL positions', () => {
  it('parses and formats PostgreSQL pg_lsn text, in WAL order', () => {
    const a = parseLsn('16/B374D848');
    expect(a).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(a ?? 0n)).toBe('16/B374D848');
    // a higher segment outranks a longer offset text
    expect((parseLsn('1/0') ?? 0n) > (parseLsn('0/FFFFFFFF') ?? 0n)).toBe(true);
    expect(parseLsn('0/3000148')).toBe(0x3000148n);
  });

  it('takes anything else as no position (a cookie cannot smuggle text into a comparison)', () => {
    for (const bad of [null, undefined, '', '16', '16/', '/1', 'G/1', '1/2/3', '123456789/0', ' 1/2', '1/2;x']) {
      expect(parseLsn(bad), String(bad)).toBeNull();
    }
  });
});
