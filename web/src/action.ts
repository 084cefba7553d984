// A form's submission: busy while it runs (its button disabled), and the sentence of what
// went wrong, if anything.
import { useState } from "react";
import { asProblem } from "./api/client";
import { describeProblem } from "./errors";

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  /** Runs `action`; a string it returns is shown as the error. */
  async function run(action: () => Promise<string | void>): Promise<void> {
    setBusy(true);
    setError("");
    try {
      setError((await action()) || "");
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, clearError: () => setError("") };
}

/** The sentence for a failed openapi-fetch call. */
export function failure(result: { error?: unknown; response: Response }): string {
  return describeProblem(asProblem(result.error, result.response));
}
