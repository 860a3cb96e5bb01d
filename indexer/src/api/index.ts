// The indexer's HTTP API: GraphQL (what the client library asks) and SQL over HTTP (@ponder/client). Ponder adds
// /health, /ready and /status (the block each chain is indexed to) itself.
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";

const app = new Hono();
app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

export default app;
