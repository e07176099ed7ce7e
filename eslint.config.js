import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { coreBoundary } from './eslint/core-boundary.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'test-artifacts/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['functions/core/**/*.ts'],
    plugins: { scanfleet: { rules: { 'core-boundary': coreBoundary } } },
    rules: { 'scanfleet/core-boundary': ['error', { allow: ['valibot'] }] },
  },
  {
    files: ['functions/api/dashboard/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'sessionStorage', 'fetch', 'URLSearchParams', 'setInterval'].map(
          (name) => [name, 'readonly'],
        ),
      ),
    },
  },
);
