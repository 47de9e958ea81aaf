// The PNG encoder and chart: valid files (signature, chunk checksums, IHDR), pixels that decode back as drawn.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ANSWERED_RGB, CHART_HEIGHT, CHART_WIDTH, drawCallsChart, MISSED_RGB } from './chart.js';
import { crc32, RgbImage } from './png.js';

interface Chunk {
  type: string;
  data: Buffer;
}

function chunks(png: Buffer): Chunk[] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const out: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `${type} checksum`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

/** The RGB pixel at (x, y) of an unfiltered 8-bit RGB PNG. */
function pixel(png: Buffer, x: number, y: number): number[] {
  const parts = chunks(png);
  const ihdr = parts[0]?.data ?? Buffer.alloc(0);
  const width = ihdr.readUInt32BE(0);
  const raw = inflateSync(Buffer.concat(parts.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const row = y * (width * 3 + 1);
  expect(raw[row]).toBe(0);
  const i = row + 1 + x * 3;
  return [raw[i] ?? -1, raw[i + 1] ?? -1, raw[i + 2] ?? -1];
}

describe('PNG encoder', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });

  it('writes a valid PNG whose pixels decode as drawn', () => {
    const image = new RgbImage(4, 3, [0, 0, 0]);
    image.fillRect(1, 1, 2, 1, [10, 20, 30]);
    const png = image.toPng();
    const parts = chunks(png);
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = parts[0]?.data ?? Buffer.alloc(0);
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([4, 3, 8, 2]);
    expect(pixel(png, 0, 0)).toEqual([0, 0, 0]);
    expect(pixel(png, 1, 1)).toEqual([10, 20, 30]);
    expect(pixel(png, 2, 1)).toEqual([10, 20, 30]);
    expect(pixel(png, 3, 1)).toEqual([0, 0, 0]);
  });

  it('draws answered bars below missed ones, scaled to the busiest bucket', () => {
    const png = drawCallsChart([
      { answered: 10, missed: 10 },
      { answered: 0, missed: 0 },
    ]);
    const ihdr = chunks(png)[0]?.data ?? Buffer.alloc(0);
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    const x = Math.round(12 + (CHART_WIDTH - 24) / 4);
    // The first bar fills the plot: answered in its lower half, missed in the upper.
    expect(pixel(png, x, CHART_HEIGHT - 20)).toEqual([...ANSWERED_RGB]);
    expect(pixel(png, x, 20)).toEqual([...MISSED_RGB]);
    // The empty bucket has no bar.
    expect(pixel(png, Math.round(12 + ((CHART_WIDTH - 24) * 3) / 4), CHART_HEIGHT - 20)).toEqual([255, 255, 255]);
  });
});
