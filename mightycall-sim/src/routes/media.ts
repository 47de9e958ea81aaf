// GET /_sim/recordings/{id}.wav: a short tone behind recording and voicemail links (Range honoured), optionally expiring.
import type { Context } from 'hono';
import type { AccountRegistry } from '../accounts.js';
import type { SimClock } from '../clock.js';
import type { SimEnv } from '../env.js';

const SAMPLE_RATE = 8000;

/**
 * Half a second of a 440 Hz tone, 8 kHz 8-bit mono PCM, faded in and out: generated here, so no audio file is
 * committed. Players show a real duration and can seek in it.
 */
export function toneWavBytes(): Uint8Array {
  const samples = SAMPLE_RATE / 2;
  const buffer = Buffer.alloc(44 + samples);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + samples, 4);
  buffer.write('WAVEfmt ', 8, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(SAMPLE_RATE, 24);
  buffer.writeUInt32LE(SAMPLE_RATE, 28);
  buffer.writeUInt16LE(1, 32);
  buffer.writeUInt16LE(8, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(samples, 40);
  const fade = SAMPLE_RATE / 50;
  for (let i = 0; i < samples; i++) {
    const envelope = Math.min(1, i / fade, (samples - 1 - i) / fade);
    const value = 128 + Math.round(60 * envelope * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE));
    buffer.writeUInt8(value, 44 + i);
  }
  return new Uint8Array(buffer);
}

const WAV = toneWavBytes();

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` over `size` bytes: [start, end] inclusive, 'unsatisfiable', or null (whole). */
function byteRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const [start, end] =
    m[1] === '' ? [Math.max(0, size - Number(m[2])), size - 1] : [Number(m[1]), m[2] === '' ? size - 1 : Number(m[2])];
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, Math.min(end, size - 1)];
}

export function mediaHandler(accounts: AccountRegistry, clock: SimClock) {
  return (c: Context<SimEnv>) => {
    const file = c.req.param('file') ?? '';
    const id = file.replace(/\.wav$/i, '').toLowerCase();
    const known = accounts.list().some((a) => a.mediaById.has(id));
    if (!known) return c.json({ message: 'File not found' }, 404);
    const expiry = Number(c.req.query('exp'));
    if (Number.isFinite(expiry) && c.req.query('exp') !== undefined && clock.now() > expiry) {
      return c.json({ message: 'The link has expired' }, 403);
    }
    const range = byteRange(c.req.header('range'), WAV.length);
    if (range === 'unsatisfiable') return c.body(null, 416, { 'content-range': `bytes */${WAV.length}` });
    if (range) {
      const [start, end] = range;
      return c.body(WAV.slice(start, end + 1).buffer, 206, {
        'content-type': 'audio/wav',
        'accept-ranges': 'bytes',
        'content-range': `bytes ${start}-${end}/${WAV.length}`,
      });
    }
    return c.body(WAV.slice().buffer, 200, { 'content-type': 'audio/wav', 'accept-ranges': 'bytes' });
  };
}
