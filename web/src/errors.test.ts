import { describe, expect, test } from "vitest";
import { describeProblem, describeRule, fieldErrors } from "./errors";

const problem = (code: string, extra: object = {}) => ({
  type: "about:blank", title: "Raw title", status: 400, code, detail: "raw detail", ...extra,
});

describe("describeProblem", () => {
  test("says the attempts left on a wrong code", () => {
    expect(describeProblem(problem("invalid_code", { attemptsRemaining: 4 }))).toBe(
      "The code is not right. 4 attempts remaining.",
    );
    expect(describeProblem(problem("invalid_code", { attemptsRemaining: 1 }))).toBe(
      "The code is not right. 1 attempt remaining.",
    );
  });

  test("sends a locked account to an administrator", () => {
    expect(describeProblem(problem("account_locked"))).toMatch(/locked.*Contact an administrator/);
  });

  test("never shows the API's own words, even for a code it does not know", () => {
    for (const code of ["invalid_credentials", "something_new"]) {
      const sentence = describeProblem(problem(code));
      expect(sentence).not.toContain("Raw title");
      expect(sentence).not.toContain("raw detail");
    }
    expect(describeProblem(problem("something_new"))).toBe("Something went wrong. Try again.");
  });
});

describe("password rules", () => {
  test("each failed rule is a sentence of the app's, the minimum length as configured", () => {
    const failed = problem("password_policy", {
      errors: [
        { field: "newPassword", rule: "min_length", message: "must be at least 14 characters" },
        { field: "newPassword", rule: "require_upper", message: "raw" },
        { field: "newPassword", rule: "brand_new_rule", message: "raw" },
      ],
    });
    expect(fieldErrors(failed)).toEqual({
      newPassword: ["Use at least 14 characters.", "Use an upper-case letter.", "Choose another password."],
    });
    expect(describeRule("min_length", "no number")).toBe("Use more characters.");
  });

  test("other field errors are named by their top field, without the API's message", () => {
    const invalid = problem("validation_failed", {
      errors: [{ field: "skills.1.skillId", message: "raw message" }],
    });
    expect(fieldErrors(invalid)).toEqual({ skills: ["This value is not accepted."] });
  });
});
