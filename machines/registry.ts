// Every machine this build knows. The daemon, `kruised replay` and `kruised charts` use it.
import { containerMetaPodMachine } from './container-meta/container-meta-pod.machine.js';
import { crrPodMachine } from './crr/crr-pod.machine.js';
import { blobFetchMachine } from './demo/blob-fetch.machine.js';
import { imageTagMachine } from './image-pull/image-tag.machine.js';
import { nodeImageStatusMachine } from './image-pull/node-image-status.machine.js';
import { registryOf, type MachineRegistry } from './registry-types.js';

export const machineRegistry: MachineRegistry = registryOf([
  { machine: blobFetchMachine, summary: 'Demonstration: fetch one blob with retries, progress and digest verification.' },
  {
    machine: imageTagMachine,
    summary: 'Image pre-download: pull one NodeImage tag with retries, timeouts, a deadline and progress, give its status, and record its Event.',
  },
  {
    machine: nodeImageStatusMachine,
    summary: "Image pre-download: write this node's NodeImage status within upstream's budget, holding changes so they share writes.",
  },
  { machine: crrPodMachine, summary: "ContainerRecreateRequests: serialise one pod's CRRs, kill their containers one per pass, and complete them." },
  {
    machine: containerMetaPodMachine,
    summary:
      "Container meta: keep one pod's runtime-containers-meta annotation true to its runtime containers, and restart containers whose env-from-metadata hash is stale during an in-place update.",
  },
]);
