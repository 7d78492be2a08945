// Runs one GraphQL request with the graphql-sse client (distinct
// connections mode) and prints each result as one JSON line, then
// `{"complete":true}`; a failure prints `{"error":…}`. Usage:
//   node sse.mjs <http-url> <request-json> [access-token]
import { createClient } from 'graphql-sse';

const [url, request, token] = process.argv.slice(2);
const client = createClient({
  url,
  retryAttempts: 0,
  headers: token ? { Authorization: `Bearer ${token}` } : {},
});

await new Promise((resolve) => {
  client.subscribe(JSON.parse(request), {
    next: (result) => console.log(JSON.stringify(result)),
    error: (error) => {
      console.log(JSON.stringify({ error: String(error?.message ?? error) }));
      resolve();
    },
    complete: () => resolve(),
  });
});
console.log(JSON.stringify({ complete: true }));
client.dispose();
