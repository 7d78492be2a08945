// Runs one operation with urql's core client and its default fetch
// exchange (the `Accept` header urql sends by default), and prints one JSON
// line: the response's content type, and urql's result. Usage:
//   node urql.mjs <http-url> <query|mutation> <document> [variables-json]
// An unhandled rejection (an `AbortError` from a stream urql cancels) makes
// node exit non-zero.
import { Client, fetchExchange, gql } from '@urql/core';

const [url, kind, document, variables] = process.argv.slice(2);
const contentTypes = [];
const client = new Client({
  url,
  exchanges: [fetchExchange],
  requestPolicy: 'network-only',
  fetch: async (input, init) => {
    const response = await fetch(input, init);
    contentTypes.push(response.headers.get('content-type'));
    return response;
  },
});

const run = kind === 'mutation' ? client.mutation.bind(client) : client.query.bind(client);
const result = await run(gql(document), variables ? JSON.parse(variables) : {}).toPromise();
console.log(JSON.stringify({
  contentTypes,
  data: result.data ?? null,
  errors: result.error?.graphQLErrors?.map((e) => ({ message: e.message, code: e.extensions?.code })) ?? [],
  networkError: result.error?.networkError ? String(result.error.networkError) : null,
}));
