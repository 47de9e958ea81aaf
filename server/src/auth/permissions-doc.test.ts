// docs/permissions.md is the enforced table: generated from the code, and equal to the isolation matrix's spec.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ACCESS, type Actor } from '../../test/isolation.matrix.js';
import type { Permission } from './permissions.js';
import { renderPermissionsDoc } from './permissions-doc.js';
import { assembledRouteTable, DOC_FILE } from './write-permissions-doc.js';

/** Markdown tables compared cell by cell, so padding added by the formatter (biome) does not matter. */
function normalizeTables(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      if (!line.startsWith('|')) return line.trimEnd();
      const cells = line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim().replace(/^(:?)-+(:?)$/, '$1-$2'));
      return `|${cells.join('|')}|`;
    })
    .join('\n')
    .trim();
}

/** The permission matrix as docs/permissions.md states it: permission → actors holding it in their org. */
function documentedAccess(doc: string): Map<string, Set<Actor>> {
  const rows = normalizeTables(doc)
    .split('\n')
    .filter((l) => /^\|`[a-z:]+`\|.*\|(✓|—)\|/.test(l));
  const out = new Map<string, Set<Actor>>();
  for (const row of rows) {
    const cells = normalizeTables(row).split('|');
    const [permission, , platformAdmin, orgAdmin, orgManager, agent, orgKey, platformKey] = cells
      .slice(1, -1)
      .map((c) => c.replaceAll('`', ''));
    const holders = new Set<Actor>();
    if (platformAdmin === '✓') holders.add('platformAdmin');
    if (orgAdmin === '✓') holders.add('adminA').add('adminB');
    if (orgManager === '✓') holders.add('managerA');
    if (agent === '✓') holders.add('agentA');
    if (orgKey !== '—') holders.add('orgKeyWithScope');
    if (orgKey === 'any') holders.add('orgKeyWithoutScope');
    if (platformKey !== '—') holders.add('platformKey');
    out.set(permission ?? '', holders);
  }
  return out;
}

describe('docs/permissions.md', () => {
  it('is exactly what the code generates (run `npx tsx server/src/auth/write-permissions-doc.ts` after changes)', async () => {
    const onDisk = await readFile(DOC_FILE, 'utf8');
    expect(normalizeTables(onDisk)).toBe(normalizeTables(renderPermissionsDoc(await assembledRouteTable())));
  });

  it('states the same matrix the isolation test enforces', async () => {
    const documented = documentedAccess(await readFile(DOC_FILE, 'utf8'));
    const spec = Object.entries(ACCESS) as Array<[Exclude<Permission, 'public'>, readonly Actor[]]>;
    expect(documented.size).toBe(spec.length + 1);
    for (const [permission, actors] of spec) {
      expect([...(documented.get(permission) ?? [])].sort(), permission).toEqual([...actors].sort());
    }
  });
});
