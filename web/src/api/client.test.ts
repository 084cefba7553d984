// The client's token handling, over a stand-in fetch: one refresh at a time (a refresh
// token presented twice ends the session), the bearer only where it belongs, and an ended
// session noticed.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

const ORIGIN = "http://app.test";
type Client = typeof import("./client");

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
  });
}

const TOKENS = { status: "authenticated", accessToken: "access-1", tokenType: "Bearer", expiresIn: 900 };

let calls: Request[];
let answer: (request: Request) => Response;
let client: Client;

beforeEach(async () => {
  calls = [];
  answer = () => json(200, TOKENS);
  vi.stubGlobal("location", { origin: ORIGIN });
  vi.stubGlobal("fetch", async (input: Request) => {
    calls.push(input.clone());
    await new Promise((resolve) => setTimeout(resolve, 5));
    return answer(input);
  });
  vi.resetModules();
  client = await import("./client");
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("refresh", () => {
  test("concurrent refreshes send the cookie once", async () => {
    const results = await Promise.all([client.refresh(), client.refresh(), client.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(calls.map((request) => request.url)).toEqual([`${ORIGIN}/auth/refresh`]);
    expect(calls[0]!.headers.get("Authorization")).toBeNull();
    expect(client.hasAccessToken()).toBe(true);
  });

  test("a refused refresh leaves no token", async () => {
    answer = () => json(401, { type: "about:blank", title: "", status: 401, code: "invalid_token" });
    expect(await client.refresh()).toBe(false);
    expect(client.hasAccessToken()).toBe(false);
  });
});

describe("the bearer token", () => {
  test("goes with the API's calls, not with the public ones", async () => {
    client.keepTokens({ ...TOKENS, status: "authenticated", tokenType: "Bearer" });
    answer = () => json(202, { status: "accepted" });
    await client.api.GET("/me");
    await client.api.POST("/password/forgot", { body: { login: "jdoe", channel: "email" } });
    expect(calls.map((request) => request.headers.get("Authorization"))).toEqual([
      "Bearer access-1",
      null,
    ]);
  });

  test("is refreshed first when about to expire", async () => {
    client.keepTokens({ ...TOKENS, expiresIn: 10, status: "authenticated", tokenType: "Bearer" });
    answer = (request) =>
      request.url.endsWith("/auth/refresh") ? json(200, { ...TOKENS, accessToken: "access-2" }) : json(200, {});
    await client.api.GET("/me");
    expect(calls.map((request) => new URL(request.url).pathname)).toEqual(["/auth/refresh", "/me"]);
    expect(calls[1]!.headers.get("Authorization")).toBe("Bearer access-2");
  });

  test("a 401 unauthorized ends the session; a wrong current password does not", async () => {
    const ended = vi.fn();
    client.whenSessionEnds(ended);
    client.keepTokens({ ...TOKENS, status: "authenticated", tokenType: "Bearer" });
    answer = () => json(401, { type: "about:blank", title: "", status: 401, code: "invalid_credentials" });
    await client.api.POST("/me/password", { body: { currentPassword: "x", newPassword: "y" } });
    expect(ended).not.toHaveBeenCalled();
    answer = () => json(401, { type: "about:blank", title: "", status: 401, code: "unauthorized" });
    await client.api.GET("/me");
    expect(ended).toHaveBeenCalledOnce();
    expect(client.hasAccessToken()).toBe(false);
  });
});
