// An HTTP client for the gateway with its own cookie jar, as one browser profile would be: requests, Sign-In with
// Ethereum (nonce → EIP-4361 message → signature → verify) and the raw-path requests the path-traversal tests need
// (fetch normalises `%2e%2e` away before sending).
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Address, Hex } from "viem";
import { createSiweMessage } from "viem/siwe";
import { CLIENT_HEADER } from "@/lib/gatewayHeaders";
import { LOCAL_CHAIN_ID } from "./localNode";

/** Every request carries it, as the portal's own client does: the gateway serves a record only with it. */

/** Whoever signs the SIWE message: an externally owned account, or an ERC-1271 wallet's owner signing for it. */
export interface SiweSigner {
  address: Address;
  signMessage(args: { message: string }): Promise<Hex>;
}

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; valueless attributes (HttpOnly, Secure) map to "". */
  attributes: Map<string, string>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair, ...attributes] = header.split(";").map((part) => part.trim());
  const separator = pair.indexOf("=");
  return {
    name: pair.slice(0, separator),
    value: pair.slice(separator + 1),
    attributes: new Map(
      attributes.map((attribute) => {
        const at = attribute.indexOf("=");
        return at < 0 ? [attribute.toLowerCase(), ""] : [attribute.slice(0, at).toLowerCase(), attribute.slice(at + 1)];
      }),
    ),
  };
}

const isDeletion = (cookie: SetCookie) =>
  cookie.value === "" ||
  cookie.attributes.get("max-age") === "0" ||
  (cookie.attributes.has("expires") && Date.parse(cookie.attributes.get("expires")!) <= Date.now());

/** fetch wants bytes backed by a plain ArrayBuffer. */
function bodyInit(body: RequestOptions["body"]): BodyInit | undefined {
  if (!(body instanceof Uint8Array)) return body;
  return body.buffer instanceof ArrayBuffer
    ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
    : new Uint8Array(body);
}

export class GatewayResponse {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly bytes: Uint8Array,
  ) {}

  text(): string {
    return new TextDecoder().decode(this.bytes);
  }

  /** The body as JSON; fails with the status and text when it is not JSON. */
  json<T = Record<string, unknown>>(): T {
    try {
      return JSON.parse(this.text()) as T;
    } catch {
      throw new Error(`Expected a JSON body, got ${this.status}: ${this.text().slice(0, 500)}`);
    }
  }

  setCookies(): SetCookie[] {
    return this.headers.getSetCookie().map(parseSetCookie);
  }

  cookie(name: string): SetCookie | undefined {
    return this.setCookies().find((cookie) => cookie.name === name);
  }

  /** For assertion messages: the status and the start of the body. */
  describe(): string {
    const type = this.headers.get("content-type") ?? "";
    const text = type.includes("octet-stream") ? `<${this.bytes.length} bytes>` : this.text().slice(0, 400);
    return `${this.status} ${text}`;
  }
}

export interface RequestOptions {
  body?: Uint8Array | string | ReadableStream<Uint8Array>;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface SiweOverrides {
  domain?: string;
  uri?: string;
  chainId?: number;
  issuedAt?: Date;
  expirationTime?: Date;
  notBefore?: Date;
  nonce?: string;
  address?: Address;
}

/** A node:http response, read to its end, as a GatewayResponse. */
function readResponse(response: IncomingMessage): Promise<GatewayResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("end", () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        for (const item of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, item);
      }
      resolve(new GatewayResponse(response.statusCode ?? 0, headers, new Uint8Array(Buffer.concat(chunks))));
    });
    response.on("error", reject);
  });
}

export class GatewayClient {
  readonly jar = new Map<string, string>();

  constructor(
    readonly origin: string,
    readonly signer?: SiweSigner,
  ) {}

  get address(): Address {
    if (!this.signer) throw new Error("This client has no signer.");
    return this.signer.address;
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  private remember(response: GatewayResponse): void {
    for (const cookie of response.setCookies()) {
      if (isDeletion(cookie)) this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, cookie.value);
    }
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<GatewayResponse> {
    const headers: Record<string, string> = { [CLIENT_HEADER]: "1", ...options.headers };
    if (this.jar.size > 0 && headers.cookie === undefined) headers.cookie = this.cookieHeader();
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] ??= "application/json";
    }
    const init: RequestInit & { duplex?: "half" } = { method, headers, body: bodyInit(body), redirect: "manual" };
    if (body instanceof ReadableStream) init.duplex = "half";
    const response = await fetch(`${this.origin}${path}`, init);
    const result = new GatewayResponse(response.status, response.headers, new Uint8Array(await response.arrayBuffer()));
    this.remember(result);
    return result;
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request("GET", path, { headers });
  }

  /**
   * A GET as a browser sends it for a link followed from another site (or an <img> on one): this client's cookies,
   * but no X-MedConsent-Client, which no navigation can add.
   */
  async navigate(path: string): Promise<GatewayResponse> {
    const headers: Record<string, string> = { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" };
    if (this.jar.size > 0) headers.cookie = this.cookieHeader();
    const response = await fetch(`${this.origin}${path}`, { headers, redirect: "manual" });
    return new GatewayResponse(response.status, response.headers, new Uint8Array(await response.arrayBuffer()));
  }

  /** PUT of raw bytes (a blob upload). */
  putBytes(path: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
    return this.request("PUT", path, {
      body: bytes,
      headers: { "content-type": "application/octet-stream", ...headers },
    });
  }

  putJson(path: string, json: unknown, headers?: Record<string, string>) {
    return this.request("PUT", path, { json, headers });
  }

  postJson(path: string, json: unknown, headers?: Record<string, string>) {
    return this.request("POST", path, { json, headers });
  }

  // ---- Sign-In with Ethereum ----

  async nonce(): Promise<string> {
    const response = await this.get("/api/auth/nonce");
    if (response.status !== 200) throw new Error(`GET /api/auth/nonce: ${response.describe()}`);
    return response.json<{ nonce: string }>().nonce;
  }

  /** The EIP-4361 message this gateway expects, with any field overridden. */
  siweMessage(nonce: string, overrides: SiweOverrides = {}): string {
    const origin = new URL(this.origin);
    return createSiweMessage({
      address: overrides.address ?? this.address,
      chainId: overrides.chainId ?? LOCAL_CHAIN_ID,
      domain: overrides.domain ?? origin.host,
      uri: overrides.uri ?? `${origin.origin}/`,
      version: "1",
      nonce: overrides.nonce ?? nonce,
      issuedAt: overrides.issuedAt ?? new Date(),
      expirationTime: overrides.expirationTime,
      notBefore: overrides.notBefore,
      statement: "Sign in to the MedConsent gateway.",
    });
  }

  verify(message: string, signature: Hex, headers?: Record<string, string>) {
    return this.postJson("/api/auth/verify", { message, signature }, headers);
  }

  /** nonce → message → signature → verify; the verify response (throws unless 200). */
  async signIn(overrides: SiweOverrides = {}): Promise<GatewayResponse> {
    const message = this.siweMessage(await this.nonce(), overrides);
    const signature = await this.signer!.signMessage({ message });
    const response = await this.verify(message, signature);
    if (response.status !== 200) throw new Error(`sign-in as ${this.address}: ${response.describe()}`);
    return response;
  }

  /**
   * A request whose path is sent exactly as given (no URL normalisation), with this client's cookies. Resolves with
   * whatever the server answers, even if it answers before the body is sent.
   */
  rawRequest(method: string, rawPath: string, body?: Uint8Array): Promise<GatewayResponse> {
    const url = new URL(this.origin);
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          // A fresh connection each time: a kept-alive socket the server has closed would fail with ECONNRESET.
          agent: false,
          method,
          path: rawPath,
          headers: {
            [CLIENT_HEADER]: "1",
            ...(this.jar.size > 0 ? { cookie: this.cookieHeader() } : {}),
            ...(body ? { "content-type": "application/octet-stream", "content-length": String(body.length) } : {}),
          },
        },
        (response) => readResponse(response).then(resolve, reject),
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  /**
   * A PUT whose body is streamed in chunks without a Content-Length (Transfer-Encoding: chunked), up to `totalBytes`,
   * stopping early once the server answers. Resolves with the answer and how many bytes were written.
   */
  streamedPut(
    path: string,
    totalBytes: number,
    chunkBytes = 64 * 1024,
  ): Promise<{ response: GatewayResponse; sent: number }> {
    return this.streamed("PUT", path, totalBytes, { chunkBytes });
  }

  /**
   * streamedPut for any method and content type (e.g. an endless JSON POST). A server that refuses mid-stream answers
   * and closes at once; on a loaded machine the client's next write can fail (EPIPE, ECONNRESET) before the answer is
   * parsed, so such an attempt is made again, up to three times, rather than read as a failure of the server.
   */
  async streamed(
    method: string,
    path: string,
    totalBytes: number,
    options: { chunkBytes?: number; contentType?: string } = {},
  ): Promise<{ response: GatewayResponse; sent: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.streamOnce(method, path, totalBytes, options);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 3 || (code !== "EPIPE" && code !== "ECONNRESET")) throw error;
      }
    }
  }

  private streamOnce(
    method: string,
    path: string,
    totalBytes: number,
    options: { chunkBytes?: number; contentType?: string },
  ): Promise<{ response: GatewayResponse; sent: number }> {
    const chunkBytes = options.chunkBytes ?? 64 * 1024;
    const url = new URL(this.origin);
    return new Promise((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          // A fresh connection each time: a kept-alive socket the server has closed would fail with ECONNRESET.
          agent: false,
          method,
          path,
          headers: {
            [CLIENT_HEADER]: "1",
            ...(this.jar.size > 0 ? { cookie: this.cookieHeader() } : {}),
            "content-type": options.contentType ?? "application/octet-stream",
            "transfer-encoding": "chunked",
          },
        },
        (response) => {
          answered = true;
          readResponse(response).then((answer) => {
            request.destroy();
            resolve({ response: answer, sent });
          }, reject);
        },
      );
      // The server may close the connection as soon as it has answered: a write error after that is expected.
      request.on("error", (error) => {
        if (!answered) reject(error);
      });
      const chunk = Buffer.alloc(chunkBytes, 0x5a);
      const writeMore = () => {
        while (!answered && sent < totalBytes) {
          const size = Math.min(chunkBytes, totalBytes - sent);
          sent += size;
          if (!request.write(size === chunkBytes ? chunk : chunk.subarray(0, size))) {
            request.once("drain", writeMore);
            return;
          }
        }
        if (!answered) request.end();
      };
      writeMore();
    });
  }
}
