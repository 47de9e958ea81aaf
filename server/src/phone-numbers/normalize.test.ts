import { describe, expect, it } from 'vitest';
import { toE164 } from './normalize.js';

describe('toE164', () => {
  it.each([
    ['(212) 555-0141', '+12125550141'],
    ['212.555.0141', '+12125550141'],
    ['+1 212 555 0141', '+12125550141'],
    ['12125550141', '+12125550141'],
    ['0012125550141', '+12125550141'],
    ['+44 20 7946 0311', '+442079460311'],
    ['+442079460311', '+442079460311'],
    ['  +1-800-555-0199 ', '+18005550199'],
  ])('normalizes %s to %s', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });

  it.each([[''], ['abc'], ['12'], [null], [undefined], ['+1 212 555 0141 0141 0141 0141 0141 0141 0141']])(
    'rejects %s',
    (input) => {
      expect(toE164(input)).toBeNull();
    },
  );
});
