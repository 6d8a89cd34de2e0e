import { fileURLToPath } from 'node:url';

// Node-safe entry for the server (apps/venue): where the built static files are. Both from src/
// (vitest alias) and from dist/ the static directory is <package>/dist/public/.
export const PACKAGE_NAME = '@venue/web-ui';

/** Absolute path of the built static directory (index.html and assets), with a trailing separator. */
export const webUiRoot: string = fileURLToPath(new URL('../dist/public/', import.meta.url));
