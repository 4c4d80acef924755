import { join } from 'node:path';

/** Where benches leave their JSON results: this tree's bench/results, or the tree a copy was made from (scripts/with-node.sh sets LOCKSMITH_TREE). */
export const RESULTS_DIR = join(process.env.LOCKSMITH_TREE || join(import.meta.dirname, '..', '..'), 'bench', 'results');
