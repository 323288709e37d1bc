import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the server's schema (`../schema.graphql`, exported by
// `cargo run -p api -- export-schema`). The output in src/gql is committed; CI checks it is
// up to date with `npm run codegen && git diff --exit-code src/gql`.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*', '!src/**/*.test.{ts,tsx}'],
  ignoreNoDocuments: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string', Decimal: 'string' },
      },
    },
  },
};

export default config;
