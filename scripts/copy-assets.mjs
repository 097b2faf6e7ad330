// tsc compiles TypeScript only: copy the non-TS files the built code loads at run time into dist/.
import { cpSync } from 'node:fs';

for (const dir of ['adapters/cri/proto']) cpSync(dir, `dist/${dir}`, { recursive: true });
