// GET /_sim/recordings/{id}.wav: silent audio behind recording and voicemail links, optionally expiring.
import type { Context } from 'hono';
import type { AccountRegistry } from '../accounts.js';
import type { SimClock } from '../clock.js';
import type { SimEnv } from '../env.js';

/** Half a second of 8 kHz, 8-bit mono silence. */
function silentWavBytes(): Uint8Array {
  const samples = 4000;
  const buffer = Buffer.alloc(44 + samples, 0x80);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + samples, 4);
  buffer.write('WAVEfmt ', 8, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(8000, 24);
  buffer.writeUInt32LE(8000, 28);
  buffer.writeUInt16LE(1, 32);
  buffer.writeUInt16LE(8, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(samples, 40);
  return new Uint8Array(buffer);
}

const WAV = silentWavBytes();

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
    return c.body(WAV.slice().buffer, 200, { 'content-type': 'audio/wav' });
  };
}
