// Which commit a result measured: the short hash, marked +uncommitted when tracked files (other than results) differ.
import { spawnSync } from 'node:child_process';

export function commitMeasured(root: string): string {
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results']) !== '';
  return dirty ? `${commit}+uncommitted` : commit;
}
