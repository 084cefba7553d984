import { expect, test } from "vitest";
import { formatDateTime } from "./time";

const INSTANT = "2026-11-23T17:09:36Z";

test("24h and 12h formats", () => {
  const h24 = formatDateTime(INSTANT, { timeFormat: "24h", language: "en" });
  const h12 = formatDateTime(INSTANT, { timeFormat: "12h", language: "en" });
  expect(h24).not.toMatch(/[AP]M/);
  expect(h12).toMatch(/[AP]M/);
  expect(h24).toMatch(/\b(1[0-9]|2[0-3]|0?[0-9]):09\b/);
});

test("the agent's language names the month", () => {
  const english = formatDateTime(INSTANT, { timeFormat: "24h", language: "en" });
  const german = formatDateTime(INSTANT, { timeFormat: "24h", language: "de" });
  expect(english).toContain("Nov");
  expect(german).not.toBe(english);
});

test("a language tag the browser does not know falls back to English", () => {
  expect(formatDateTime(INSTANT, { timeFormat: "12h", language: "not a tag!" })).toMatch(/[AP]M/);
});
