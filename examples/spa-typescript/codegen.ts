import type { CodegenConfig } from '@graphql-codegen/cli';

// `npm run codegen`: reads the server's exported SDL and every graphql(`...`) call under src/,
// writes typed documents to src/gql/ (gitignored) plus src/gql/persisted-documents.json, the
// allow-list for the server's PERSISTED_QUERIES_ONLY mode ({sha256 of the text: text}).
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // Each document gets `__meta__.hash` (sha256 of its text, as APQ wants), and
        // persisted-documents.json maps those hashes to the texts.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: {
        // Documents as strings (TypedDocumentString): sent with plain fetch, no GraphQL client.
        documentMode: 'string',
        useTypeImports: true,
        // Only what operations use (enums, inputs, scalars, results): the schema's object
        // types are not emitted, so its `Record` type cannot shadow TypeScript's Record<K, V>.
        onlyOperationTypes: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
        defaultScalarType: 'unknown',
      },
    },
  },
};

export default config;
