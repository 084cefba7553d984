// Every time the app shows is in the signed-in agent's time format (12h/24h) and language.

export interface TimePreferences {
  timeFormat: "24h" | "12h";
  language: string;
}

function locale(language: string): string {
  try {
    return Intl.getCanonicalLocales(language)[0] ?? "en";
  } catch {
    return "en"; // a language tag the browser does not know
  }
}

/** An ISO 8601 instant as a date and time in the browser's time zone. */
export function formatDateTime(iso: string, prefs: TimePreferences): string {
  return new Intl.DateTimeFormat(locale(prefs.language), {
    dateStyle: "medium",
    timeStyle: "short",
    hourCycle: prefs.timeFormat === "12h" ? "h12" : "h23",
  }).format(new Date(iso));
}
