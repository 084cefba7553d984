// The API client: openapi-fetch over the types generated from the served OpenAPI document.
// The access token lives in this module's memory only (never in storage); the refresh
// token is the HttpOnly cookie the API sets on /auth ("refreshTokenAs": "cookie"), which
// this code never sees.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Agent = components["schemas"]["Agent"];
/** The tokens of a sign-in that asked for the refresh token as a cookie. */
export type Tokens = components["schemas"]["CookieTokens"];
export type Challenge = components["schemas"]["ChallengeAnswer"];
export type Problem = components["schemas"]["Problem"] & { attemptsRemaining?: number };

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 30_000;

let accessToken: string | null = null;
let expiresAt = 0;
let refreshing: Promise<boolean> | null = null;
let onSessionEnded: () => void = () => {};

// Same origin as the page (locally and deployed alike).
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  credentials: "same-origin",
});

/** Keep the tokens of a sign-in (or refresh): the access token in memory. */
export function keepTokens(tokens: Tokens): void {
  accessToken = tokens.accessToken;
  expiresAt = Date.now() + tokens.expiresIn * 1000;
}

export function forgetTokens(): void {
  accessToken = null;
  expiresAt = 0;
}

export function hasAccessToken(): boolean {
  return accessToken !== null;
}

/** Called when the API says the session is over (a 401 `unauthorized`/`invalid_token`). */
export function whenSessionEnds(callback: () => void): void {
  onSessionEnded = callback;
}

/**
 * New tokens from the refresh cookie; false when there is no live session. One refresh at
 * a time, across tabs too (Web Locks): a refresh token presented twice ends the session.
 */
export function refresh(): Promise<boolean> {
  if (!refreshing) {
    const run = async () => {
      const { data } = await api.POST("/auth/refresh", {
        body: {},
      });
      if (data && "accessToken" in data) {
        keepTokens(data as Tokens);
        return true;
      }
      forgetTokens();
      return false;
    };
    const locked: Promise<boolean> =
      typeof navigator !== "undefined" && navigator.locks
        ? navigator.locks.request("roster-refresh", () => run()).then((live) => live)
        : run();
    refreshing = locked.finally(() => {
      refreshing = null;
    });
  }
  return refreshing as Promise<boolean>;
}

const bearer: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (schemaPath.startsWith("/auth/") && schemaPath !== "/auth/logout") return request;
    if (schemaPath.startsWith("/password/") || schemaPath === "/email-verification") {
      return request;
    }
    if (accessToken && Date.now() > expiresAt - REFRESH_MARGIN_MS) await refresh();
    if (accessToken) request.headers.set("Authorization", `Bearer ${accessToken}`);
    return request;
  },
  async onResponse({ response, schemaPath }) {
    if (response.status === 401 && !schemaPath.startsWith("/auth/")) {
      const problem = (await response.clone().json().catch(() => null)) as Problem | null;
      if (problem && (problem.code === "unauthorized" || problem.code === "invalid_token")) {
        forgetTokens();
        onSessionEnded();
      }
    }
    return response;
  },
};

api.use(bearer);

/** The problem document of a failed call, or a stand-in when the answer was not one. */
export function asProblem(error: unknown, response: Response): Problem {
  if (error && typeof error === "object" && "code" in error) return error as Problem;
  return {
    type: "about:blank",
    title: "",
    status: response.status,
    code: response.status >= 500 ? "internal_error" : "unexpected",
  };
}
