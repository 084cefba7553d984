// The committed API types must be exactly what openapi-typescript makes from the served
// document: a route or schema changed without `npm run generate` fails here.
import { readFile } from "node:fs/promises";
import { expect, test } from "vitest";
import { generateTypes, OUTPUT } from "../../scripts/openapi-types.mjs";

test("src/api/schema.d.ts is generated from shared/roster/openapi.json", async () => {
  const committed = await readFile(OUTPUT, "utf8");
  const fresh: string = await generateTypes();
  expect(committed === fresh, "run `npm run generate` in web/ and commit src/api/schema.d.ts").toBe(true);
});
