// The read calls a portal-made wallet (demo patients, passkey accounts) cannot answer itself go to the chain's node
// as plain JSON-RPC; a node's error keeps its code and data, so the portal's error decoding sees what a wallet gives.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON-RPC result is whatever its method returns
export async function forwardToNode(url: string, method: string, params: unknown): Promise<any> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw Object.assign(new Error(body.error.message), body.error);
  return body.result;
}
