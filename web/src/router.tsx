// The app's few routes under /app/, on the History API (React Aria's RouterProvider makes
// its links navigate here without a page load).
import { useEffect, useState } from "react";

export const BASE = "/app";

export const paths = {
  signIn: `${BASE}/sign-in`,
  forgotPassword: `${BASE}/forgot-password`,
  verifyEmail: `${BASE}/verify-email`,
  profile: `${BASE}/profile`,
  security: `${BASE}/security`,
} as const;

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  listeners.forEach((listener) => listener());
}

/** The current path, without a trailing slash (`/app/` is `/app`). */
export function usePath(): string {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
