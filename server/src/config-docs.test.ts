// The README's configuration table lists exactly the environment variables config.ts reads (and marks the few read only by tests).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CONFIG_SOURCE = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/**
 * Variables the README documents that the server never reads: the test suite, the benchmark and the browser
 * tests read them. Each row must say so at the start of its meaning, and config.ts must not read them.
 */
const NOT_READ_BY_THE_SERVER: Readonly<Record<string, RegExp>> = {
  TEST_DATABASE_URL: /^tests:/,
  BENCH_DATABASE_URL: /^benchmark:/,
  CHROMIUM_PATH: /^browser tests:/,
};
const MARKED_NOT_SERVER = /^(tests|benchmark|browser tests):/;

/** The first group of every match of `pattern` (a /g regular expression) in `text`. */
function captured(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]));
}

/**
 * The names config.ts reads: the keys of its `EnvSchema = z.object({ … })` (one per line, indented once, as
 * Biome formats it) and any direct access such as `e.NAME`, `env.NAME`, `env['NAME']` or `process.env.NAME`.
 */
function variablesReadBy(source: string): string[] {
  const start = source.indexOf('const EnvSchema = z.object({');
  const end = source.indexOf('\n})', start);
  if (start < 0 || end < 0) {
    throw new Error('config.ts no longer declares `const EnvSchema = z.object({ … })`: teach this test its new shape');
  }
  const names = new Set([
    ...captured(source.slice(start, end), /^ {2}['"]?([A-Z][A-Z0-9_]*)['"]?\s*:/gm),
    ...captured(source, /\b(?:e|env|process\.env)\.([A-Z][A-Z0-9_]*)\b/g),
    ...captured(source, /\b(?:e|env|process\.env)\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g),
  ]);
  return [...names].sort();
}

interface ConfigRow {
  names: string[];
  meaning: string;
  line: string;
}

/** The rows of the table under `## Configuration`: the backticked names of the first cell, and the meaning. */
function configurationTable(readme: string): ConfigRow[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Configuration\n'));
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const rows: ConfigRow[] = [];
  for (const line of section.split('\n').filter((l) => l.startsWith('|'))) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const first = cells[0] ?? '';
    if (first === 'variable' || /^-+$/.test(first)) continue; // the header and the rule under it
    rows.push({ names: captured(first, /`([A-Z][A-Z0-9_]*)`/g), meaning: cells[2] ?? '', line: line.trim() });
  }
  return rows;
}

describe('the README configuration table and config.ts', () => {
  const read = variablesReadBy(CONFIG_SOURCE);
  const rows = configurationTable(README);
  const documented = rows.flatMap((row) => row.names);

  it('finds what it compares: the variables config.ts reads and the rows of the table', () => {
    expect(read).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'VICTORYSYNC_SECRET_KEY']));
    expect(read.length).toBeGreaterThanOrEqual(20);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((row) => row.names.length === 0).map((row) => row.line)).toEqual([]);
  });

  it('lists every variable config.ts reads', () => {
    const missing = read.filter((name) => !documented.includes(name));
    expect(missing, 'config.ts reads these; add a row for each to the README configuration table').toEqual([]);
  });

  it('lists no variable config.ts does not read, except those marked as read by the tests or the benchmark', () => {
    const unknown = documented.filter((name) => !read.includes(name) && !(name in NOT_READ_BY_THE_SERVER));
    expect(unknown, 'the README documents these, but config.ts does not read them').toEqual([]);
  });

  it('marks each test and benchmark variable as such, and config.ts reads none of them', () => {
    for (const [name, mark] of Object.entries(NOT_READ_BY_THE_SERVER)) {
      const row = rows.find((r) => r.names.includes(name));
      expect(row?.meaning, `README row of ${name}`).toMatch(mark);
      expect(read, `config.ts reads ${name}: document it as a server setting`).not.toContain(name);
    }
    const marked = rows.filter((row) => MARKED_NOT_SERVER.test(row.meaning)).flatMap((row) => row.names);
    expect(marked.sort()).toEqual(Object.keys(NOT_READ_BY_THE_SERVER).sort());
  });

  it('lists each variable once', () => {
    const twice = documented.filter((name, i) => documented.indexOf(name) !== i);
    expect(twice).toEqual([]);
  });
});
