import { expect, test } from "vitest";
import { destination } from "./App";
import { changes } from "./pages/Profile";

test("signed-out visitors go to sign-in, except on the public pages", () => {
  expect(destination("/app", false)).toBe("/app/sign-in");
  expect(destination("/app/security", false)).toBe("/app/sign-in");
  expect(destination("/app/forgot-password", false)).toBe("/app/forgot-password");
  expect(destination("/app/verify-email", true)).toBe("/app/verify-email");
});

test("signed-in agents go to their profile, except on their own pages", () => {
  expect(destination("/app/sign-in", true)).toBe("/app/profile");
  expect(destination("/app/nowhere", true)).toBe("/app/profile");
  expect(destination("/app/security", true)).toBe("/app/security");
});

test("PATCH /me gets only what changed; an emptied phone is null", () => {
  const before = {
    alias: "Jane", title: "", bio: "", language: "en", timeFormat: "24h" as const,
    showPhoto: true, email: "jane@example.com", phone: "+4712345678", mobilePhone: "",
  };
  expect(changes(before, { ...before })).toEqual({});
  expect(changes(before, { ...before, alias: "J", phone: "", timeFormat: "12h" })).toEqual({
    alias: "J", phone: null, timeFormat: "12h",
  });
});
