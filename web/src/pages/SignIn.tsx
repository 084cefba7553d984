// Sign-in, then the steps the API asks for: the two-factor code (or a backup code), then a
// new password when the current one is temporary.
import { useState } from "react";
import { Form, Heading, Link } from "react-aria-components";
import { api, asProblem, type Challenge, type Problem, type Tokens } from "../api/client";
import { Button, Message, TextInput } from "../components/fields";
import { useAction } from "../action";
import { describeProblem, fieldErrors } from "../errors";
import { paths } from "../router";
import { useSession } from "../session";
import {
  EMPTY_PASSWORDS,
  NewPasswordFields,
  type NewPasswordValue,
  passwordsMatch,
} from "./passwords";

type Step =
  | { kind: "credentials" }
  | { kind: "TOTP_REQUIRED"; session: string }
  | { kind: "NEW_PASSWORD_REQUIRED"; session: string };

type Answer = Tokens | Challenge;
type ChallengeBody =
  | { challenge: "TOTP_REQUIRED"; code: string }
  | { challenge: "TOTP_REQUIRED"; backupCode: string }
  | { challenge: "NEW_PASSWORD_REQUIRED"; newPassword: string };

export function SignInPage() {
  const { signedIn } = useSession();
  const [step, setStep] = useState<Step>({ kind: "credentials" });
  const [error, setError] = useState("");

  async function answered(
    result: { data?: Answer; error?: unknown; response: Response },
    onProblem?: (problem: Problem) => void,
  ) {
    if (result.data && result.data.status === "challenge") {
      const challenge = result.data as Challenge;
      setError("");
      setStep({ kind: challenge.challenge, session: challenge.session });
    } else if (result.data) {
      await signedIn(result.data as Tokens);
    } else {
      const problem = asProblem(result.error, result.response);
      if (problem.code === "invalid_session" || problem.code === "temporary_password_expired") {
        setStep({ kind: "credentials" });
      }
      setError(describeProblem(problem));
      onProblem?.(problem);
    }
  }

  async function challenge(answer: ChallengeBody, onProblem?: (problem: Problem) => void) {
    setError("");
    const session = step.kind === "credentials" ? "" : step.session;
    await answered(
      await api.POST("/auth/challenge", {
        body: { session, refreshTokenAs: "cookie", ...answer },
      }),
      onProblem,
    );
  }

  return (
    <section className="card">
      {step.kind === "credentials" && (
        <Credentials
          error={error}
          onSubmit={async (login, password) => {
            setError("");
            await answered(
              await api.POST("/auth/login", {
                body: { login, password, refreshTokenAs: "cookie" },
              }),
            );
          }}
        />
      )}
      {step.kind === "TOTP_REQUIRED" && (
        <TwoFactorStep
          error={error}
          onSubmit={(answer) => challenge({ challenge: "TOTP_REQUIRED", ...answer })}
        />
      )}
      {step.kind === "NEW_PASSWORD_REQUIRED" && (
        <NewPasswordStep
          error={error}
          onSubmit={(newPassword, showRules) =>
            challenge({ challenge: "NEW_PASSWORD_REQUIRED", newPassword }, (problem) =>
              showRules(Object.values(fieldErrors(problem)).flat()),
            )
          }
        />
      )}
    </section>
  );
}

function Credentials(props: { error: string; onSubmit(login: string, password: string): Promise<void> }) {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const { busy, run } = useAction();
  return (
    <>
      <Heading level={1} id="sign-in-heading">
        Sign in
      </Heading>
      <Form
        validationBehavior="aria"
        onSubmit={(event) => {
          event.preventDefault();
          void run(() => props.onSubmit(login, password));
        }}
      >
        <TextInput label="Account or email" autoComplete="username" isRequired value={login}
          onChange={setLogin} autoFocus />
        <TextInput label="Password" type="password" autoComplete="current-password" isRequired
          value={password} onChange={setPassword} />
        <Message kind="error">{props.error}</Message>
        <Button type="submit" isDisabled={busy}>Sign in</Button>
      </Form>
      <p>
        <Link href={paths.forgotPassword}>Forgot password/Need new password</Link>
      </p>
    </>
  );
}

function TwoFactorStep(props: {
  error: string;
  onSubmit(answer: { code: string } | { backupCode: string }): Promise<void>;
}) {
  const [useBackup, setUseBackup] = useState(false);
  const [code, setCode] = useState("");
  const { busy, run } = useAction();
  return (
    <>
      <Heading level={1} id="sign-in-heading">
        Two-factor authentication
      </Heading>
      <p>
        {useBackup
          ? "Enter one of your backup codes."
          : "Enter the 6-digit code from your authenticator app."}
      </p>
      <Form
        validationBehavior="aria"
        onSubmit={(event) => {
          event.preventDefault();
          const answer = useBackup ? { backupCode: code.trim() } : { code: code.trim() };
          void run(() => props.onSubmit(answer));
        }}
      >
        {useBackup ? (
          <TextInput key="backup" label="Backup code" autoComplete="off" isRequired value={code}
            onChange={setCode} autoFocus />
        ) : (
          <TextInput key="code" label="Code" autoComplete="one-time-code" inputMode="numeric"
            isRequired value={code} onChange={setCode} autoFocus />
        )}
        <Message kind="error">{props.error}</Message>
        <Button type="submit" isDisabled={busy}>Verify</Button>
      </Form>
      <p>
        <Button variant="secondary" onPress={() => { setUseBackup(!useBackup); setCode(""); }}>
          {useBackup ? "Use an authenticator code" : "Use a backup code"}
        </Button>
      </p>
    </>
  );
}

function NewPasswordStep(props: {
  error: string;
  onSubmit(newPassword: string, showRules: (rules: string[]) => void): Promise<void>;
}) {
  const [value, setValue] = useState<NewPasswordValue>(EMPTY_PASSWORDS);
  const [rules, setRules] = useState<string[]>([]);
  const [checked, setChecked] = useState(false);
  const { busy, run } = useAction();
  return (
    <>
      <Heading level={1} id="sign-in-heading">
        Choose a new password
      </Heading>
      <p>Your password is temporary. Choose your own to finish signing in.</p>
      <Form
        validationBehavior="aria"
        onSubmit={(event) => {
          event.preventDefault();
          setChecked(true);
          if (!passwordsMatch(value)) return;
          setRules([]);
          void run(() => props.onSubmit(value.password, setRules));
        }}
      >
        <NewPasswordFields value={value} onChange={setValue} ruleErrors={rules} showMismatch={checked} />
        <Message kind="error">{props.error}</Message>
        <Button type="submit" isDisabled={busy}>Save</Button>
      </Form>
    </>
  );
}
