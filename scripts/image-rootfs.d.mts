// Types of scripts/image-rootfs.mjs for the tests that import it.
export declare const NODE_PATH: string;
export declare function resolveIn(root: string, path: string): string | undefined;
export declare function readElf(buf: Buffer): { interp: string | undefined; needed: string[]; runpath: string[] };
export declare function closure(donor: string, binary: string): string[];
export declare function makeRootfs(donor: string, out: string, binary?: string): void;
