// The photo upload over a stand-in fetch: PUT /me/photo on the page's own origin (the CSP's
// connect-src 'self'), the file itself as the body with its type, the agent answered.
import { afterEach, beforeEach, expect, test, vi } from "vitest";

const ORIGIN = "http://app.test";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
let calls: Request[];
let answer: Response;

beforeEach(() => {
  calls = [];
  vi.stubGlobal("location", { origin: ORIGIN });
  vi.stubGlobal("fetch", async (input: Request) => {
    calls.push(input.clone());
    return answer;
  });
  vi.resetModules();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

test("the photo goes as the body of PUT /me/photo, to the app's own origin", async () => {
  answer = new Response(JSON.stringify({ id: "a-1", photoUrl: "https://photos.test/k" }), {
    status: 200, headers: { "Content-Type": "application/json" },
  });
  const { uploadPhoto } = await import("./Profile");
  const sent = await uploadPhoto(new File([PNG], "me.png", { type: "image/png" }));
  expect(sent.agent?.photoUrl).toBe("https://photos.test/k");
  expect(calls).toHaveLength(1);
  const [request] = calls;
  expect(request.method).toBe("PUT");
  expect(request.url).toBe(`${ORIGIN}/me/photo`);
  expect(request.headers.get("Content-Type")).toBe("image/png");
  expect(new Uint8Array(await request.arrayBuffer())).toEqual(PNG);
});

test("a refused photo answers its problem", async () => {
  answer = new Response(
    JSON.stringify({ type: "about:blank", title: "t", status: 413, code: "payload_too_large" }),
    { status: 413, headers: { "Content-Type": "application/problem+json" } },
  );
  const { uploadPhoto } = await import("./Profile");
  const sent = await uploadPhoto(new File([PNG], "me.png", { type: "image/png" }));
  expect(sent.problem?.code).toBe("payload_too_large");
});
