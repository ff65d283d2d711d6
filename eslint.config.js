import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const pageOnly = 'shared/ and renderer/ run in the page: no Node built-ins.';
const nodeNames = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'crypto'].map((name) => ({ name, message: pageOnly }));
const pageRules = (extra) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [...nodeNames, { name: 'electron', message: extra }],
      patterns: [
        { group: ['node:*'], message: pageOnly },
        { group: ['**/electron/**'], message: extra },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['out/', 'dist/', 'test-results/', 'playwright-report/', 'node_modules/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  // The house rules: services never import electron; shared/ and renderer/ never touch Node.
  { files: ['shared/**/*.ts'], ignores: ['**/*.test.ts'], rules: pageRules('shared/ imports nothing from electron/ or the electron package.') },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['**/*.test.{ts,tsx}'],
    rules: pageRules('The renderer reaches main only through the contract client (renderer/api.ts).'),
  },
  {
    files: ['electron/services/**/*.ts', 'electron/web/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Services and the non-Electron shells never import electron.' }] }],
    },
  },
);
