/**
 * `--recursive`: the files of a directory tree and where each one's output goes —
 * encrypt: every regular file → `<out>/<relative path>.encrypted`;
 * decrypt: every `*.encrypted` file → `<out>/<relative path without .encrypted>`, others skipped.
 * Symbolic links are not followed; the tree is listed before anything is written.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const SUFFIX = '.encrypted';

export interface TreeFile {
  input: string;
  output: string;
  size: number;
}

export interface TreePlan {
  files: TreeFile[];
  skipped: number;
}

export function planTree(direction: 'encrypt' | 'decrypt', inDir: string, outDir: string): TreePlan {
  const files: TreeFile[] = [];
  let skipped = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.isFile() || entry.name.includes('.locksmith-tmp-')) skipped++;
      else if (direction === 'encrypt') {
        if (entry.name.endsWith(SUFFIX)) skipped++;
        else files.push({ input: path, output: join(outDir, relative(inDir, path) + SUFFIX), size: lstatSync(path).size });
      } else if (entry.name.endsWith(SUFFIX) && entry.name.length > SUFFIX.length) {
        files.push({ input: path, output: join(outDir, relative(inDir, path).slice(0, -SUFFIX.length)), size: lstatSync(path).size });
      } else skipped++;
    }
  };
  walk(inDir);
  return { files, skipped };
}
