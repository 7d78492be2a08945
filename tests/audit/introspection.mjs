// Sends the `graphql` package's standard introspection query (what
// GraphiQL, code generators and API clients send) to a gateway, builds the
// client schema from the answer, and prints, as one JSON line, that schema
// and the gateway's /schema.graphql, both sorted by name and printed by the
// same printer (the SDL lists types in its own order, the introspection
// answer in another): {status, errors, introspected, served}.
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';

const [graphqlUrl, sdlUrl] = process.argv.slice(2);
if (!graphqlUrl || !sdlUrl) {
  console.error('usage: node introspection.mjs GRAPHQL_URL SCHEMA_URL');
  process.exit(2);
}

const response = await fetch(graphqlUrl, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
  },
  body: JSON.stringify({ query: getIntrospectionQuery() }),
});
const body = await response.json();
const print = (schema) => printSchema(lexicographicSortSchema(schema));
const sdl = await (await fetch(sdlUrl)).text();
console.log(JSON.stringify({
  status: response.status,
  errors: body.errors,
  introspected: body.data ? print(buildClientSchema(body.data)) : null,
  served: print(buildSchema(sdl)),
}));
