// Forgot password/Need new password: a code by email or SMS, then the code and a new
// password. The first step answers the same whether or not the account exists.
import { useState } from "react";
import { Form, Heading, Label, Link, Radio, RadioGroup } from "react-aria-components";
import { api, asProblem } from "../api/client";
import { Button, Message, TextInput } from "../components/fields";
import { failure, useAction } from "../action";
import { describeProblem, fieldErrors } from "../errors";
import { paths } from "../router";
import {
  EMPTY_PASSWORDS,
  NewPasswordFields,
  type NewPasswordValue,
  passwordsMatch,
} from "./passwords";

export const RESET_DONE = "The password has been reset successfully.";

export function ForgotPasswordPage() {
  const [login, setLogin] = useState("");
  const [channel, setChannel] = useState<"email" | "sms">("email");
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const [passwords, setPasswords] = useState<NewPasswordValue>(EMPTY_PASSWORDS);
  const [checked, setChecked] = useState(false);
  const [rules, setRules] = useState<string[]>([]);
  const [done, setDone] = useState(false);
  const { busy, error, run, clearError } = useAction();

  const sendCode = () =>
    run(async () => {
      const result = await api.POST("/password/forgot", { body: { login: login.trim(), channel } });
      if (!result.response.ok) return failure(result);
      setSent(true);
    });

  const reset = () => {
    setChecked(true);
    if (!passwordsMatch(passwords)) return;
    setRules([]);
    return run(async () => {
      const result = await api.POST("/password/reset", {
        body: { login: login.trim(), code: code.trim(), newPassword: passwords.password },
      });
      if (result.response.ok) {
        setDone(true);
        return;
      }
      const problem = asProblem(result.error, result.response);
      if (problem.code === "password_policy") setRules(Object.values(fieldErrors(problem)).flat());
      return describeProblem(problem);
    });
  };

  if (done) {
    return (
      <section className="card">
        <Heading level={1} id="forgot-heading">Password reset</Heading>
        <Message kind="success">{RESET_DONE}</Message>
        <p><Link href={paths.signIn}>Sign in</Link></p>
      </section>
    );
  }
  return (
    <section className="card">
      <Heading level={1} id="forgot-heading">Forgot password/Need new password</Heading>
      {!sent ? (
        <Form validationBehavior="aria" onSubmit={(event) => { event.preventDefault(); void sendCode(); }}>
          <p>We send a one-time code to the email address or mobile phone of your account.</p>
          <TextInput label="Account or email" autoComplete="username" isRequired value={login}
            onChange={setLogin} autoFocus />
          <RadioGroup className="field" value={channel}
            onChange={(value) => setChannel(value as "email" | "sms")}>
            <Label>Send the code by</Label>
            <div className="choices">
              <Radio value="email">Email</Radio>
              <Radio value="sms">SMS</Radio>
            </div>
          </RadioGroup>
          <Message kind="error">{error}</Message>
          <Button type="submit" isDisabled={busy}>Send code</Button>
        </Form>
      ) : (
        <Form validationBehavior="aria" onSubmit={(event) => { event.preventDefault(); void reset(); }}>
          <Message kind="success">
            If the account exists and has {channel === "email" ? "an email address" : "a mobile phone"},
            a code is on its way. It is valid for a few minutes.
          </Message>
          <TextInput label="Code" autoComplete="one-time-code" inputMode="numeric" isRequired
            value={code} onChange={setCode} autoFocus />
          <NewPasswordFields value={passwords} onChange={setPasswords} ruleErrors={rules}
            showMismatch={checked} />
          <Message kind="error">{error}</Message>
          <Button type="submit" isDisabled={busy}>Reset password</Button>
          <Button variant="secondary" onPress={() => { setSent(false); clearError(); }}>
            Send a new code
          </Button>
        </Form>
      )}
      <p><Link href={paths.signIn}>Back to sign in</Link></p>
    </section>
  );
}
