// docs/deploy.md quotes the deployment files as they are (the tests run those files), and they agree with each
// other and with the server: the unit gives a graceful stop time to finish, the environment file sets only
// variables the server reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ROOT } from '../faults/helpers.js';
import { environmentFile, service } from './unit.js';

const DOC = readFileSync(`${ROOT}docs/deploy.md`, 'utf8');
const README = readFileSync(`${ROOT}README.md`, 'utf8');
const FILES = ['deploy/nginx.conf', 'deploy/victorysync@.service', 'deploy/victorysync.env'];

/** The fenced block right after each `<!-- file: PATH -->` marker of the doc. */
function quoted(doc: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of doc.matchAll(/<!-- file: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)) {
    blocks.set(m[1] ?? '', m[2] ?? '');
  }
  return blocks;
}

describe('the deployment files and docs/deploy.md', () => {
  it('quotes each deployment file exactly, once', () => {
    const blocks = quoted(DOC);
    expect([...blocks.keys()].sort()).toEqual([...FILES].sort());
    for (const file of FILES) expect(blocks.get(file), file).toBe(readFileSync(`${ROOT}${file}`, 'utf8'));
    expect(DOC.match(/<!-- file: /g)).toHaveLength(FILES.length);
  });

  it('the unit runs the server with SIGTERM and waits longer than the server forces its own exit', () => {
    const unit = service('1');
    expect(unit.args.slice(-3)).toEqual(['--import', 'tsx', 'server/src/main.ts']);
    expect(unit.env.PORT).toBe('3001');
    expect(service('2').env.PORT).toBe('3002');
    expect(unit.killSignal).toBe('SIGTERM');
    const config = loadConfig({ ...unit.env, VICTORYSYNC_SECRET_KEY: undefined });
    // The forced exit comes 2 s after the timeout (main.ts).
    expect(config.shutdownTimeoutMs + 2000).toBeLessThan(unit.timeoutStopSeconds * 1000);
    expect(config.auth.trustedProxies.trusts('127.0.0.1')).toBe(true);
    expect(config.metricsToken).not.toBeNull();
    // nginx's upstream ports are the instances' ports.
    const nginx = readFileSync(`${ROOT}deploy/nginx.conf`, 'utf8');
    expect([...nginx.matchAll(/server 127\.0\.0\.1:(\d+) /g)].map((m) => m[1])).toEqual(['3001', '3002']);
  });

  it('the environment file sets only variables of the README configuration table, and valid values', () => {
    const env = environmentFile();
    for (const name of Object.keys(env)) expect(README, name).toContain(`\`${name}\``);
    expect(() => loadConfig(env)).not.toThrow();
  });

  it("nginx's body limits are the server's defaults", () => {
    const nginx = readFileSync(`${ROOT}deploy/nginx.conf`, 'utf8');
    const config = loadConfig({});
    const sizes = [...nginx.matchAll(/client_max_body_size (\d+)m;/g)].map((m) => Number(m[1]) * 1_048_576);
    expect(sizes).toEqual([config.maxBodyBytes, config.importMaxBytes]);
  });
});
