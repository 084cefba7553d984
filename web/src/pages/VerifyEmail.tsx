// The link in the verification email: the token is taken from the address and removed from
// it at once; it is sent only when the person clicks "Verify email" (mail scanners open
// links, and must not verify by doing so).
import { useEffect, useState } from "react";
import { Heading, Link } from "react-aria-components";
import { api, asProblem } from "../api/client";
import { Button, Message } from "../components/fields";
import { describeProblem } from "../errors";
import { navigate, paths } from "../router";

export const VERIFIED = "Your email address is verified.";
export const LINK_INVALID = "This link is invalid or has expired.";

function tokenFromAddress(): string {
  return new URLSearchParams(window.location.search).get("token") ?? "";
}

export function VerifyEmailPage() {
  const [token] = useState(tokenFromAddress);
  const [outcome, setOutcome] = useState<"" | "verified" | "failed">(token ? "" : "failed");
  const [error, setError] = useState(token ? "" : LINK_INVALID);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (window.location.search) navigate(paths.verifyEmail, { replace: true });
  }, []);

  async function verify() {
    setBusy(true);
    try {
      const result = await api.POST("/email-verification", { body: { token } });
      if (result.response.ok) {
        setOutcome("verified");
        setError("");
      } else {
        const problem = asProblem(result.error, result.response);
        setOutcome("failed");
        setError(problem.code === "invalid_token" ? LINK_INVALID : describeProblem(problem));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card">
      <Heading level={1} id="verify-heading">Verify email</Heading>
      {outcome === "" && (
        <>
          <p>Confirm that this email address is yours.</p>
          <Button onPress={() => void verify()} isDisabled={busy}>Verify email</Button>
        </>
      )}
      {outcome === "verified" && <Message kind="success">{VERIFIED}</Message>}
      <Message kind="error">{error}</Message>
      {outcome !== "" && <p><Link href={paths.signIn}>Go to sign in</Link></p>}
    </section>
  );
}
