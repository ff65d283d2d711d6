/** The version comes from package.json at build time, so the CLI, main and the page never disagree. */
declare const __APP_VERSION__: string;
export const version: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0-dev';
