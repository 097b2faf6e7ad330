// Writes the chart files for every registered machine:
//   node dist/visualizations/generate.js [outDir]
// outDir defaults to the repository's visualizations/ (../../visualizations from the built file).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineRegistry } from '../machines/registry.js';
import { writeCharts } from './write-charts.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(process.argv[2] ?? path.join(here, '..', '..', 'visualizations'));

for (const file of await writeCharts(machineRegistry, outDir)) console.log(file);
