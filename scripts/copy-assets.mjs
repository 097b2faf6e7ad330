// tsc compiles TypeScript only: copy the non-TS files the built code loads at run time into dist/.
import { chmodSync, cpSync } from 'node:fs';

for (const path of ['adapters/cri/proto', 'test/bed/runtime/runtime-bed.sh']) cpSync(path, `dist/${path}`, { recursive: true });
chmodSync('dist/test/bed/runtime/runtime-bed.sh', 0o755);
