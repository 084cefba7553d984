// Security: change the password; turn two-factor on (QR code drawn here from the
// otpauth URI, the secret as text, a code to confirm, the backup codes shown once) or off.
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import { Form, Heading } from "react-aria-components";
import { api, asProblem, type Problem } from "../api/client";
import { Button, Message, TextInput } from "../components/fields";
import { failure, useAction } from "../action";
import { describeProblem, fieldErrors } from "../errors";
import { useSession } from "../session";
import {
  EMPTY_PASSWORDS,
  NewPasswordFields,
  type NewPasswordValue,
  passwordsMatch,
} from "./passwords";

export function SecurityPage() {
  const { agent } = useSession();
  const [enrolling, setEnrolling] = useState(false);
  if (!agent) return null;
  return (
    <>
      <Heading level={1}>Security</Heading>
      {/* one "Current password" field on the page at a time */}
      {!enrolling && <ChangePassword />}
      {agent.twoFactorEnabled && !enrolling ? (
        <TurnOffTwoFactor />
      ) : (
        <EnableTwoFactor enrolling={enrolling} setEnrolling={setEnrolling} />
      )}
    </>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState("");
  const [passwords, setPasswords] = useState<NewPasswordValue>(EMPTY_PASSWORDS);
  const [checked, setChecked] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function change() {
    setChecked(true);
    setDone(false);
    if (!passwordsMatch(passwords)) return;
    setBusy(true);
    setProblem(null);
    try {
      const result = await api.POST("/me/password", {
        body: { currentPassword: current, newPassword: passwords.password },
      });
      if (result.response.ok) {
        setDone(true);
        setCurrent("");
        setPasswords(EMPTY_PASSWORDS);
        setChecked(false);
      } else {
        setProblem(asProblem(result.error, result.response));
      }
    } finally {
      setBusy(false);
    }
  }

  const rules = problem?.code === "password_policy" ? Object.values(fieldErrors(problem)).flat() : [];
  return (
    <section className="card">
      <Heading level={2} id="password-heading">Change password</Heading>
      <Form validationBehavior="aria" onSubmit={(event) => { event.preventDefault(); void change(); }}>
        <TextInput label="Current password" type="password" autoComplete="current-password"
          isRequired value={current} onChange={setCurrent} />
        <NewPasswordFields value={passwords} onChange={setPasswords} ruleErrors={rules}
          showMismatch={checked} />
        {problem && <Message kind="error">{describeProblem(problem)}</Message>}
        {done && (
          <Message kind="success">
            Your password has been changed. Your other sessions have been signed out.
          </Message>
        )}
        <Button type="submit" isDisabled={busy}>Change password</Button>
      </Form>
    </section>
  );
}

interface Enrolment {
  secret: string;
  otpauthUri: string;
}

function EnableTwoFactor(props: { enrolling: boolean; setEnrolling(value: boolean): void }) {
  const { reload } = useSession();
  const [password, setPassword] = useState("");
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [code, setCode] = useState("");
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const { busy, error, run } = useAction();

  const start = () =>
    run(async () => {
      const result = await api.POST("/me/two-factor", { body: { currentPassword: password } });
      if (!result.data) return failure(result);
      setEnrolment(result.data);
      setPassword("");
    });

  const confirm = () =>
    run(async () => {
      const result = await api.POST("/me/two-factor/confirm", { body: { code: code.trim() } });
      if (!result.data) return failure(result);
      setBackupCodes(result.data.backupCodes);
      setEnrolment(null);
    });

  async function finish() {
    setBackupCodes(null);
    props.setEnrolling(false);
    await reload();
  }

  return (
    <section className="card">
      <Heading level={2} id="two-factor-heading">Two-factor authentication</Heading>
      {!props.enrolling && (
        <>
          <p>Two-factor authentication is off. Turn it on to sign in with a code from an authenticator app as well as your password.</p>
          <Button onPress={() => props.setEnrolling(true)}>Enable two-factor</Button>
        </>
      )}
      {props.enrolling && !enrolment && !backupCodes && (
        <Form validationBehavior="aria" onSubmit={(event) => { event.preventDefault(); void start(); }}>
          <p>Enter your password to turn on two-factor authentication.</p>
          <TextInput label="Current password" type="password" autoComplete="current-password"
            isRequired value={password} onChange={setPassword} autoFocus />
          <Message kind="error">{error}</Message>
          <div className="actions">
            <Button type="submit" isDisabled={busy}>Enable two-factor</Button>
            <Button variant="secondary" onPress={() => props.setEnrolling(false)}>Cancel</Button>
          </div>
        </Form>
      )}
      {enrolment && (
        <Form validationBehavior="aria" onSubmit={(event) => { event.preventDefault(); void confirm(); }}>
          <p>Scan this QR code with your authenticator app, or type the secret key into it. Then enter the code it shows.</p>
          <QrCode uri={enrolment.otpauthUri} />
          <p>
            Secret key: <code className="secret" data-testid="two-factor-secret">{enrolment.secret}</code>
          </p>
          <TextInput label="Code" autoComplete="one-time-code" inputMode="numeric" isRequired
            value={code} onChange={setCode} />
          <Message kind="error">{error}</Message>
          <Button type="submit" isDisabled={busy}>Confirm</Button>
        </Form>
      )}
      {backupCodes && <BackupCodes codes={backupCodes} onDone={() => void finish()} />}
    </section>
  );
}

function QrCode({ uri }: { uri: string }) {
  const [image, setImage] = useState("");
  useEffect(() => {
    let cancelled = false;
    QRCode.toDataURL(uri, { errorCorrectionLevel: "M", margin: 2, width: 220 }).then((url) => {
      if (!cancelled) setImage(url);
    });
    return () => {
      cancelled = true;
    };
  }, [uri]);
  return image ? (
    <img className="qr" src={image} width={220} height={220}
      alt="QR code for your authenticator app (the same secret key is written below)" />
  ) : null;
}

function BackupCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const [copied, setCopied] = useState("");
  const text = codes.join("\n") + "\n";

  function download() {
    // a file made here, in the browser: the codes go nowhere else
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "roster-backup-codes.txt";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  return (
    <>
      <Message kind="success">Two-factor authentication is on.</Message>
      <p>
        These are your backup codes. Each works once, if you cannot use your authenticator app.
        Keep them somewhere safe: they are shown only now.
      </p>
      <ul className="codes" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}><code>{code}</code></li>
        ))}
      </ul>
      <div className="actions">
        <Button variant="secondary" onPress={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setCopied("The backup codes are copied.");
          } catch {
            setCopied("Copying is not allowed here: select the codes and copy them yourself.");
          }
        }}>Copy backup codes</Button>
        <Button variant="secondary" onPress={download}>Download backup codes</Button>
        <Button onPress={onDone}>Done</Button>
      </div>
      {copied && <p role="status">{copied}</p>}
    </>
  );
}

function TurnOffTwoFactor() {
  const { reload } = useSession();
  const [code, setCode] = useState("");
  const { busy, error, run } = useAction();

  const turnOff = () =>
    run(async () => {
      const result = await api.DELETE("/me/two-factor", { body: { code: code.trim() } });
      if (!result.response.ok) return failure(result);
      await reload();
    });

  return (
    <section className="card">
      <Heading level={2} id="two-factor-heading">Two-factor authentication</Heading>
      <p>Two-factor authentication is on. To turn it off, enter a code from your authenticator app.</p>
      <Form validationBehavior="aria" onSubmit={(event) => { event.preventDefault(); void turnOff(); }}>
        <TextInput label="Code" autoComplete="one-time-code" inputMode="numeric" isRequired
          value={code} onChange={setCode} />
        <Message kind="error">{error}</Message>
        <Button type="submit" isDisabled={busy}>Turn off two-factor</Button>
      </Form>
    </section>
  );
}
