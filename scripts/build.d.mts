// Types of scripts/build.mjs for the tests that import it.
export declare const RUNTIME_ASSETS: readonly string[];
export declare const TEST_ASSETS: readonly string[];
export declare const NODE_WIN_PACKAGE: string;
export declare function build(): void;
export declare function assembleApp(out: string, options?: { windows?: boolean }): void;
