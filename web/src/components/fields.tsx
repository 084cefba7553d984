// Form parts from React Aria Components (labels, descriptions, errors and focus wired for
// assistive technology), styled once in styles.css.
import type { ReactNode } from "react";
import {
  Button as AriaButton,
  type ButtonProps,
  FieldError,
  Input,
  Label,
  Text,
  TextArea,
  TextField,
} from "react-aria-components";

interface TextInputProps {
  label: string;
  value: string;
  onChange(value: string): void;
  type?: "text" | "password" | "email" | "tel";
  autoComplete?: string;
  inputMode?: "numeric" | "text" | "tel" | "email";
  description?: string;
  errors?: string[];
  isRequired?: boolean;
  multiline?: boolean;
  maxLength?: number;
  autoFocus?: boolean;
}

export function TextInput(props: TextInputProps) {
  const errors = props.errors ?? [];
  return (
    <TextField
      className="field"
      value={props.value}
      onChange={props.onChange}
      type={props.type ?? "text"}
      autoComplete={props.autoComplete}
      inputMode={props.inputMode}
      isRequired={props.isRequired}
      isInvalid={errors.length > 0}
      maxLength={props.maxLength}
      autoFocus={props.autoFocus}
    >
      <Label>{props.label}</Label>
      {props.multiline ? <TextArea rows={4} /> : <Input />}
      {props.description && <Text slot="description">{props.description}</Text>}
      <FieldError>
        {errors.length === 1 ? (
          errors[0]
        ) : (
          <ul>
            {errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
        )}
      </FieldError>
    </TextField>
  );
}

export function Button({
  variant = "primary",
  ...props
}: ButtonProps & { variant?: "primary" | "secondary" }) {
  return <AriaButton {...props} className={`button ${variant}`} />;
}

/** A message for the whole form: an error (alert) or a confirmation (status). */
export function Message({ kind, children }: { kind: "error" | "success"; children: ReactNode }) {
  if (!children) return null;
  return (
    <div className={`message ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}
