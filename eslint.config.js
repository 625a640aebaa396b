import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**/broken-*/**', '.marina/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // bin/marina has no extension; it is an ES module like everything else.
    files: ['**/*.{js,mjs,ts,mts}', 'bin/marina'],
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
