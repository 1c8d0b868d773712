// The attribution run's defaults, in a module with no imports: the CLI and the extension's settings both read
// them, and the extension must not load the CLI's option parsing to do so.

/** Most tokens a run generates: --max-new-tokens of explain, batch and compare, and instructionLens.maxNewTokens
 *  (whose default in package.json a test holds equal to this). */
export const DEFAULT_MAX_NEW_TOKENS = 48;
