// "New password" and "Confirm password" together: the policy's failed rules next to the
// first, a mismatch next to the second. Used by the new-password step, the reset and the
// change of password.
import { TextInput } from "../components/fields";

export interface NewPasswordValue {
  password: string;
  confirm: string;
}

export const EMPTY_PASSWORDS: NewPasswordValue = { password: "", confirm: "" };

export const MISMATCH = "The passwords do not match.";

export function passwordsMatch(value: NewPasswordValue): boolean {
  return value.password === value.confirm;
}

export function NewPasswordFields(props: {
  value: NewPasswordValue;
  onChange(value: NewPasswordValue): void;
  ruleErrors: string[];
  showMismatch: boolean;
}) {
  const { value, onChange } = props;
  return (
    <>
      <TextInput
        label="New password"
        type="password"
        autoComplete="new-password"
        isRequired
        value={value.password}
        onChange={(password) => onChange({ ...value, password })}
        errors={props.ruleErrors}
      />
      <TextInput
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        isRequired
        value={value.confirm}
        onChange={(confirm) => onChange({ ...value, confirm })}
        errors={props.showMismatch && !passwordsMatch(value) ? [MISMATCH] : []}
      />
    </>
  );
}
