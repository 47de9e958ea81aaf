// The webhook arrival meter: busy above the threshold within the window, quiet again once the window has passed.
import { describe, expect, it } from 'vitest';
import { IngestMeter } from './ingest-meter.js';

describe('IngestMeter', () => {
  it('counts arrivals within the window and forgets older ones', () => {
    let now = 10_000;
    const meter = new IngestMeter({ windowMs: 200, busyAbove: 10, now: () => now });
    for (let i = 0; i < 10; i++) meter.record();
    expect(meter.recent()).toBe(10);
    expect(meter.busy()).toBe(false);
    now += 60;
    meter.record();
    expect(meter.recent()).toBe(11);
    expect(meter.busy()).toBe(true);
    // 160 ms later the first ten have left the window; the eleventh has not.
    now += 160;
    expect(meter.recent()).toBe(1);
    expect(meter.busy()).toBe(false);
    now += 200;
    expect(meter.recent()).toBe(0);
  });

  it('reuses a bucket of the ring only after clearing what it held', () => {
    let now = 0;
    const meter = new IngestMeter({ windowMs: 200, busyAbove: 5, now: () => now });
    for (let i = 0; i < 6; i++) meter.record();
    expect(meter.busy()).toBe(true);
    // Four buckets of 50 ms later the same ring slot comes round again: its old count must not come back.
    now += 200;
    meter.record();
    expect(meter.recent()).toBe(1);
  });
});
