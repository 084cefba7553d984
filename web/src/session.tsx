// Who is signed in: the agent from GET /me once tokens are in memory. On a page load the
// session is taken up again from the refresh cookie, if there is a live one.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import {
  api,
  forgetTokens,
  hasAccessToken,
  keepTokens,
  refresh,
  type Agent,
  type Tokens,
  whenSessionEnds,
} from "./api/client";

type Status = "loading" | "signed-out" | "signed-in";

interface Session {
  status: Status;
  agent: Agent | null;
  /** Tokens from a finished sign-in: loads the agent. */
  signedIn(tokens: Tokens): Promise<void>;
  /** The agent as the API now has it (after a change). */
  setAgent(agent: Agent): void;
  reload(): Promise<void>;
  signOut(): Promise<void>;
}

/**
 * Whether this browser signed in and has not signed out since: a flag, no token (the
 * refresh token is an HttpOnly cookie the app cannot see).
 */
const HINT = "roster.signedIn";

function signedInHere(yes: boolean): void {
  try {
    if (yes) window.localStorage.setItem(HINT, "1");
    else window.localStorage.removeItem(HINT);
  } catch {
    // storage disabled: every page load then tries the cookie
  }
}

function mayHaveSession(): boolean {
  try {
    return window.localStorage.getItem(HINT) !== null;
  } catch {
    return true;
  }
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>("loading");
  const [agent, setAgentState] = useState<Agent | null>(null);

  const ended = useCallback(() => {
    forgetTokens();
    signedInHere(false);
    setAgentState(null);
    setStatus("signed-out");
  }, []);

  const reload = useCallback(async () => {
    const { data } = await api.GET("/me");
    if (data) {
      setAgentState(data);
      setStatus("signed-in");
    } else if (!hasAccessToken()) {
      ended();
    }
  }, [ended]);

  useEffect(() => {
    whenSessionEnds(ended);
    let cancelled = false;
    // Without a sign-in in this browser there is no cookie to refresh with: no request.
    (mayHaveSession() ? refresh() : Promise.resolve(false)).then(async (live) => {
      if (cancelled) return;
      if (live) await reload();
      else ended();
    });
    return () => {
      cancelled = true;
    };
  }, [ended, reload]);

  const value = useMemo<Session>(
    () => ({
      status,
      agent,
      async signedIn(tokens) {
        keepTokens(tokens);
        signedInHere(true);
        await reload();
      },
      setAgent: setAgentState,
      reload,
      async signOut() {
        await api.POST("/auth/logout").catch(() => undefined);
        ended();
      },
    }),
    [status, agent, reload, ended],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
