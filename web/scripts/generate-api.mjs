import { writeFile } from "node:fs/promises";
import { generateTypes, OUTPUT } from "./openapi-types.mjs";

await writeFile(OUTPUT, await generateTypes());
console.log(`wrote ${OUTPUT}`);
