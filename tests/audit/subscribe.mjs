// Subscribes through the gateway with the `graphql-ws` npm package (the
// client most web dashboards use) and prints each result as one JSON line,
// then `{"complete":true}`. Usage:
//   node subscribe.mjs <ws-url> <query> [access-token] [max-results]
// A refused connection prints `{"closed":{"code":…,"reason":…}}`.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, query, token, max] = process.argv.slice(2);
const limit = max ? Number(max) : Infinity;
let seen = 0;

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  lazy: true,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
  on: {
    closed: (event) => {
      if (event && event.code !== 1000) {
        console.log(JSON.stringify({ closed: { code: event.code, reason: event.reason } }));
      }
    },
  },
});

await new Promise((resolve) => {
  const stop = client.subscribe(
    { query },
    {
      next: (result) => {
        console.log(JSON.stringify(result));
        seen += 1;
        if (seen >= limit) {
          stop();
          resolve();
        }
      },
      error: (error) => {
        const detail = Array.isArray(error) ? { errors: error } : { error: String(error?.reason ?? error) };
        console.log(JSON.stringify(detail));
        resolve();
      },
      complete: () => resolve(),
    },
  );
});
console.log(JSON.stringify({ complete: true }));
await client.dispose();
