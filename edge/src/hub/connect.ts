/**
 * @module
 * A node's WebSocket handshake (`GET /v1/nodes/connect`). The token is checked before the hub sees the
 * socket; a refused node still gets a WebSocket, closed at once with a close code it can act on (4001
 * bad or missing token, 4003 not a node token), since a plain HTTP 401 reaches WebSocket clients as an
 * opaque handshake failure. An accepted socket goes to the hub with the token's id in `TOKEN_ID_HEADER`.
 *
 * @example
 * nodesRouter.get("/nodes/connect", (c) => connectNode(c.env, c.req.raw));
 */
import { DistilleryError, NODE_CLOSE_CODES } from "@distillery/shared";
import { resolveToken } from "../auth/tokens";
import { database } from "../db/client";
import type { Env } from "../env";
import { TOKEN_ID_HEADER } from "./node-hub";
import { nodeHub } from "./nodes";

/** Accepts the socket only to close it with `code`, so the agent learns why it was refused. */
function refuse(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(code, reason);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** Hands an upgrade request with a node (or admin) token to the hub; refuses any other with a close code. */
export async function connectNode(env: Env, request: Request): Promise<Response> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new DistilleryError("nodes.websocket_required", "connect with a WebSocket (Upgrade: websocket)", {
      status: 426,
    });
  }
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  if (!token) return refuse(NODE_CLOSE_CODES.unauthorized, "send 'Authorization: Bearer <node token>'");
  let role: string;
  let tokenId: string;
  try {
    ({ role, tokenId } = await resolveToken(database(env.DB), token));
  } catch (error) {
    if ((error as DistilleryError).code !== "auth.invalid_token") throw error;
    return refuse(NODE_CLOSE_CODES.unauthorized, "the node token is unknown or revoked");
  }
  if (role !== "node" && role !== "admin") {
    return refuse(
      NODE_CLOSE_CODES.forbidden,
      `a '${role}' token cannot connect a node; create a 'node' token`,
    );
  }
  const headers = new Headers(request.headers);
  headers.set(TOKEN_ID_HEADER, tokenId);
  return nodeHub(env).fetch(new Request("https://hub/connect", { headers }));
}
