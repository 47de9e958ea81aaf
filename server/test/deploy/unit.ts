// Reads deploy/victorysync@.service and deploy/victorysync.env, the files a production install uses, so the
// deployment tests start their server processes the way systemd starts them there.
import { readFileSync } from 'node:fs';
import { ROOT } from '../faults/helpers.js';

export const UNIT_FILE = `${ROOT}deploy/victorysync@.service`;
export const ENV_FILE = `${ROOT}deploy/victorysync.env`;

export interface Service {
  /** node's arguments from ExecStart (the program is /usr/bin/node there, this process's node here) */
  args: string[];
  /** the unit's Environment= lines for this instance, over the environment file */
  env: Record<string, string>;
  workingDirectory: string;
  timeoutStopSeconds: number;
  killSignal: string;
}

function settings(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('[') && line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

/** KEY=VALUE lines of the environment file. */
export function environmentFile(text = readFileSync(ENV_FILE, 'utf8')): Record<string, string> {
  return Object.fromEntries(settings(text));
}

/** What systemd runs for instance `instance` (%i) of the template unit. */
export function service(instance: string, text = readFileSync(UNIT_FILE, 'utf8')): Service {
  const section = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  const lines = settings(section).map(([k, v]) => [k, v.replaceAll('%i', instance)] as const);
  const one = (key: string) => {
    const found = lines.filter(([k]) => k === key);
    if (found.length !== 1) throw new Error(`${UNIT_FILE}: expected one ${key}=, found ${found.length}`);
    return found[0]?.[1] ?? '';
  };
  const [program, ...args] = one('ExecStart').split(/\s+/);
  if (program !== '/usr/bin/node') throw new Error(`${UNIT_FILE}: ExecStart runs ${program}, not node`);
  const env: Record<string, string> = environmentFile();
  for (const [key, value] of lines) {
    if (key !== 'Environment') continue;
    const [name = '', ...rest] = value.split('=');
    env[name] = rest.join('=');
  }
  return {
    args,
    env,
    workingDirectory: one('WorkingDirectory'),
    timeoutStopSeconds: Number(one('TimeoutStopSec')),
    killSignal: one('KillSignal'),
  };
}
