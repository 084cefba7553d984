// What a failed call says to the person: a sentence chosen by the problem's `code` (and a
// password rule's `rule`), never the API's own title, detail or message.
import type { Problem } from "./api/client";

const SENTENCES: Record<string, string> = {
  invalid_credentials: "The account, email or password is not right.",
  account_inactive: "This account is inactive. Contact an administrator to activate it.",
  account_locked: "This account is locked. Contact an administrator to unlock it.",
  too_many_attempts: "Too many attempts. Wait a while, then try again.",
  ip_not_allowed: "Signing in from this network is not allowed for this account.",
  invalid_code: "The code is not right.",
  invalid_session: "The sign-in took too long. Sign in again.",
  temporary_password_expired:
    "The temporary password has expired. Ask an administrator for a new one, or use Forgot password.",
  password_policy: "The new password does not meet the password rules.",
  invalid_token: "This link is invalid or has expired.",
  email_taken: "That email address is used by another account.",
  two_factor_already_enabled: "Two-factor authentication is already on.",
  two_factor_not_enabled: "Two-factor authentication is not on.",
  unknown_reference: "That profile is not one you may log on with.",
  validation_failed: "Some values are not accepted. Check the marked fields.",
  immutable_field: "Some values cannot be changed here.",
  version_conflict: "Your profile was changed meanwhile. Reload the page and try again.",
  concurrent_change: "Something changed meanwhile. Try again.",
  unauthorized: "Your session has ended. Sign in again.",
  forbidden: "You are not allowed to do that.",
  owner_protected: "The owner's account cannot be changed that way.",
  payload_too_large: "The file is too large.",
  service_unavailable: "The service is busy. Try again in a moment.",
  internal_error: "Something went wrong on our side. Try again later.",
};

const FALLBACK = "Something went wrong. Try again.";

/** The sentence for a problem; `invalid_code` with attempts left says how many. */
export function describeProblem(problem: Problem): string {
  const sentence = SENTENCES[problem.code] ?? FALLBACK;
  if (problem.code === "invalid_code" && typeof problem.attemptsRemaining === "number") {
    const left = problem.attemptsRemaining;
    return `${sentence} ${left} ${left === 1 ? "attempt" : "attempts"} remaining.`;
  }
  return sentence;
}

const RULES: Record<string, string> = {
  max_length: "Use at most 128 characters.",
  require_lower: "Use a lower-case letter.",
  require_upper: "Use an upper-case letter.",
  require_digit: "Use a digit.",
  require_symbol: "Use a symbol.",
  common: "Do not use a common password.",
  contains_account: "Do not use your account name in it.",
  contains_email: "Do not use your email address in it.",
  invalid_characters: "Use only valid text characters.",
};

/** A failed password rule as a sentence (the minimum length is the configured one). */
export function describeRule(rule: string | undefined, message: string): string {
  if (rule === "min_length") {
    const minimum = /\d+/.exec(message)?.[0];
    return minimum ? `Use at least ${minimum} characters.` : "Use more characters.";
  }
  return (rule && RULES[rule]) || "Choose another password.";
}

/** The problem's field errors as sentences, by field name (`newPassword`, `email`...). */
export function fieldErrors(problem: Problem): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  for (const error of problem.errors ?? []) {
    const field = error.field.split(".")[0] || "";
    const sentence =
      problem.code === "password_policy"
        ? describeRule(error.rule, error.message)
        : "This value is not accepted.";
    (byField[field] ??= []).push(sentence);
  }
  return byField;
}
