// The agent's own profile: the self-service fields of PATCH /me (a changed email or phone
// asks for the current password), the photo, and logging on to the queues.
import { useEffect, useState } from "react";
import { Checkbox, FileTrigger, Form, Heading, Label, Radio, RadioGroup } from "react-aria-components";
import { api, asProblem, type Agent, type Problem } from "../api/client";
import { Choice } from "../components/choice";
import { Button, Message, TextInput } from "../components/fields";
import { describeProblem, fieldErrors } from "../errors";
import { useSession } from "../session";
import { formatDateTime } from "../time";

const LANGUAGES = [
  { id: "en", name: "English" },
  { id: "nb", name: "Norsk bokmål" },
  { id: "sv", name: "Svenska" },
  { id: "da", name: "Dansk" },
  { id: "fi", name: "Suomi" },
  { id: "de", name: "Deutsch" },
  { id: "fr", name: "Français" },
  { id: "es", name: "Español" },
];

interface Editable {
  alias: string;
  title: string;
  bio: string;
  language: string;
  timeFormat: "24h" | "12h";
  showPhoto: boolean;
  email: string;
  phone: string;
  mobilePhone: string;
}

/** Changing these needs the current password (re-authentication). */
const GUARDED = ["email", "phone", "mobilePhone"] as const;

function editable(agent: Agent): Editable {
  return {
    alias: agent.alias ?? "",
    title: agent.title ?? "",
    bio: agent.bio ?? "",
    language: agent.language ?? "en",
    timeFormat: agent.timeFormat === "12h" ? "12h" : "24h",
    showPhoto: Boolean(agent.showPhoto),
    email: agent.email ?? "",
    phone: agent.phone ?? "",
    mobilePhone: agent.mobilePhone ?? "",
  };
}

/** What changed, as PATCH /me's body (an emptied phone is null). */
export function changes(before: Editable, after: Editable): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof Editable)[]) {
    if (after[key] === before[key]) continue;
    const value = after[key];
    body[key] = (key === "phone" || key === "mobilePhone") && value === "" ? null : value;
  }
  return body;
}

export function ProfilePage() {
  const { agent } = useSession();
  if (!agent) return null;
  return (
    <>
      <Heading level={1}>Profile</Heading>
      <Summary agent={agent} />
      <Details agent={agent} />
      <Photo agent={agent} />
      <Queue agent={agent} />
    </>
  );
}

function Summary({ agent }: { agent: Agent }) {
  const prefs = { timeFormat: agent.timeFormat === "12h" ? "12h" : "24h", language: agent.language ?? "en" } as const;
  return (
    <section className="card">
      <Heading level={2} id="account-heading">Account</Heading>
      <dl className="facts">
        <dt>Account</dt>
        <dd>{agent.account}</dd>
        <dt>Name</dt>
        <dd>{`${agent.firstName ?? ""} ${agent.lastName ?? ""}`.trim()}</dd>
        <dt>Email</dt>
        <dd>{agent.email}</dd>
        {agent.pendingEmail && (
          <>
            <dt>Waiting for verification</dt>
            <dd>
              {agent.pendingEmail.email} (the link expires{" "}
              <time dateTime={agent.pendingEmail.expiresAt}>
                {formatDateTime(agent.pendingEmail.expiresAt, prefs)}
              </time>
              )
            </dd>
          </>
        )}
        <dt>Last sign-in</dt>
        <dd>
          {agent.lastLoginAt ? (
            <time dateTime={agent.lastLoginAt}>{formatDateTime(agent.lastLoginAt, prefs)}</time>
          ) : (
            "Never"
          )}
        </dd>
        <dt>Account created</dt>
        <dd>
          <time dateTime={agent.createdAt}>{formatDateTime(agent.createdAt, prefs)}</time>
        </dd>
      </dl>
    </section>
  );
}

function Details({ agent }: { agent: Agent }) {
  const { setAgent } = useSession();
  const [value, setValue] = useState<Editable>(() => editable(agent));
  const [currentPassword, setCurrentPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  const before = editable(agent);
  const body = changes(before, value);
  const guarded = GUARDED.some((key) => key in body);
  const errors = problem ? fieldErrors(problem) : {};
  const set = <K extends keyof Editable>(key: K) => (next: Editable[K]) =>
    setValue((current) => ({ ...current, [key]: next }));

  async function save() {
    setBusy(true);
    setProblem(null);
    setSaved("");
    try {
      const result = await api.PATCH("/me", {
        body: (guarded ? { ...body, currentPassword } : body) as never,
        headers: { "If-Match": `"${agent.version}"` },
      });
      if (result.data) {
        setAgent(result.data);
        setValue(editable(result.data));
        setCurrentPassword("");
        setSaved(
          "email" in body
            ? "Saved. We sent a verification link to the new email address."
            : "Saved.",
        );
      } else {
        setProblem(asProblem(result.error, result.response));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card">
      <Heading level={2} id="details-heading">Your details</Heading>
      <Form validationBehavior="aria" onSubmit={(event) => { event.preventDefault(); void save(); }}>
        <TextInput label="Alias" value={value.alias} onChange={set("alias")} maxLength={200}
          description="Shown to visitors in the chat window." errors={errors.alias} />
        <TextInput label="Title" value={value.title} onChange={set("title")} maxLength={100}
          errors={errors.title} />
        <TextInput label="Bio" multiline value={value.bio} onChange={set("bio")} maxLength={1000}
          errors={errors.bio} />
        <TextInput label="Email" type="email" autoComplete="email" value={value.email}
          onChange={set("email")} errors={errors.email} />
        <TextInput label="Phone" type="tel" autoComplete="tel" value={value.phone}
          onChange={set("phone")} errors={errors.phone}
          description="In international form, such as +4712345678." />
        <TextInput label="Mobile phone" type="tel" value={value.mobilePhone}
          onChange={set("mobilePhone")} errors={errors.mobilePhone} />
        <Choice label="Language" value={value.language} onChange={set("language")}
          options={LANGUAGES.some((l) => l.id === value.language)
            ? LANGUAGES : [...LANGUAGES, { id: value.language, name: value.language }]} />
        <RadioGroup className="field" value={value.timeFormat}
          onChange={(format) => set("timeFormat")(format as Editable["timeFormat"])}>
          <Label>Time format</Label>
          <div className="choices">
            <Radio value="24h">24-hour</Radio>
            <Radio value="12h">12-hour</Radio>
          </div>
        </RadioGroup>
        <Checkbox className="checkbox" isSelected={value.showPhoto} onChange={set("showPhoto")}>
          Show photo to visitors
        </Checkbox>
        {guarded && (
          <TextInput label="Current password" type="password" autoComplete="current-password"
            isRequired value={currentPassword} onChange={setCurrentPassword}
            description="Changing your email or phone needs your password."
            errors={errors.currentPassword} />
        )}
        {problem && <Message kind="error">{describeProblem(problem)}</Message>}
        <Message kind="success">{saved}</Message>
        <Button type="submit" isDisabled={busy || Object.keys(body).length === 0}>
          Save
        </Button>
      </Form>
    </section>
  );
}

const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
type PhotoType = (typeof PHOTO_TYPES)[number];
/** PUT /me/photo's limit (the API answers 413 above it). */
const MAX_PHOTO_BYTES = 2 * 1024 * 1024;

function isPhotoType(type: string): type is PhotoType {
  return (PHOTO_TYPES as readonly string[]).includes(type);
}

/**
 * The photo, sent as the body of PUT /me/photo: to the app's own origin, as the CSP
 * (connect-src 'self') requires; the API checks its first bytes and answers the agent.
 */
export async function uploadPhoto(file: File): Promise<
  { agent: Agent; problem?: undefined } | { agent?: undefined; problem: Problem }
> {
  const type = file.type as PhotoType;
  const result = await api.PUT("/me/photo", {
    body: file as never,
    bodySerializer: (body: unknown) => body as Blob,
    headers: { "Content-Type": type },
  });
  if (result.data) return { agent: result.data };
  return { problem: asProblem(result.error, result.response) };
}

function Photo({ agent }: { agent: Agent }) {
  const { setAgent, reload } = useSession();
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  const photo = agent.photoUrl && /^https?:\/\//.test(agent.photoUrl) ? agent.photoUrl : null;

  async function upload(file: File) {
    setError("");
    setSaved("");
    if (!isPhotoType(file.type)) {
      setError("Choose a JPEG, PNG or WebP image.");
      return;
    }
    if (file.size > MAX_PHOTO_BYTES) {
      setError("Choose an image of at most 2 MB.");
      return;
    }
    setBusy(true);
    try {
      const sent = await uploadPhoto(file);
      if (sent.agent) {
        setAgent(sent.agent);
        setSaved("Photo saved.");
      } else {
        setError(sent.problem.code === "validation_failed"
          ? "The file is not a JPEG, PNG or WebP image."
          : describeProblem(sent.problem));
      }
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setError("");
    setSaved("");
    try {
      const result = await api.DELETE("/me/photo");
      if (!result.response.ok) setError(describeProblem(asProblem(result.error, result.response)));
      await reload();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card">
      <Heading level={2} id="photo-heading">Photo</Heading>
      {photo ? <img className="photo" src={photo} alt="Your photo" /> : <p>No photo yet.</p>}
      <div className="actions">
        <FileTrigger acceptedFileTypes={[...PHOTO_TYPES]}
          onSelect={(files) => { const file = files?.[0]; if (file) void upload(file); }}>
          <Button variant="secondary" isDisabled={busy}>Upload photo</Button>
        </FileTrigger>
        {photo && (
          <Button variant="secondary" isDisabled={busy} onPress={() => void remove()}>
            Remove photo
          </Button>
        )}
      </div>
      <Message kind="error">{error}</Message>
      <Message kind="success">{saved}</Message>
    </section>
  );
}

const NO_PROFILE = "";

function Queue({ agent }: { agent: Agent }) {
  const { reload } = useSession();
  const [profileId, setProfileId] = useState(agent.activeProfileId ?? NO_PROFILE);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const loggedOn = agent.queueStatus === "logged_on";
  useEffect(() => setProfileId(agent.activeProfileId ?? NO_PROFILE), [agent.activeProfileId]);
  const options = [
    { id: NO_PROFILE, name: "No profile (my own skills)" },
    ...(agent.profiles ?? []).map((id) => ({ id, name: id })),
  ];

  async function change(status: "logged_on" | "logged_off") {
    setBusy(true);
    setError("");
    try {
      const body = status === "logged_on" && profileId ? { status, profileId } : { status };
      const result = await api.PUT("/me/queue-status", { body });
      if (!result.response.ok) setError(describeProblem(asProblem(result.error, result.response)));
      await reload();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card">
      <Heading level={2} id="queue-heading">Queue</Heading>
      <p role="status">{loggedOn ? "You are logged on to your queues." : "You are logged off."}</p>
      {!loggedOn && (
        <Choice label="Profile" value={profileId} onChange={setProfileId} options={options} />
      )}
      <Message kind="error">{error}</Message>
      {loggedOn ? (
        <Button onPress={() => void change("logged_off")} isDisabled={busy}>Log off</Button>
      ) : (
        <Button onPress={() => void change("logged_on")} isDisabled={busy}>Log on</Button>
      )}
    </section>
  );
}
