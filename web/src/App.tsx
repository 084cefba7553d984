// The shell: the routes, the navigation of a signed-in agent, and where each page sends a
// visitor who is (not) signed in.
import { useEffect } from "react";
import { Link, RouterProvider } from "react-aria-components";
import { Button } from "./components/fields";
import { ForgotPasswordPage } from "./pages/ForgotPassword";
import { ProfilePage } from "./pages/Profile";
import { SecurityPage } from "./pages/Security";
import { SignInPage } from "./pages/SignIn";
import { VerifyEmailPage } from "./pages/VerifyEmail";
import { navigate, paths, usePath } from "./router";
import { SessionProvider, useSession } from "./session";

const PUBLIC = new Set<string>([paths.forgotPassword, paths.verifyEmail]);
const SIGNED_IN = new Set<string>([paths.profile, paths.security]);
const TITLES: Record<string, string> = {
  [paths.signIn]: "Sign in",
  [paths.forgotPassword]: "Forgot password",
  [paths.verifyEmail]: "Verify email",
  [paths.profile]: "Profile",
  [paths.security]: "Security",
};

export function App() {
  return (
    <RouterProvider navigate={(to) => navigate(to)}>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </RouterProvider>
  );
}

/** Where a path leads for this visitor: signed-out pages and signed-in pages swap. */
export function destination(path: string, signedIn: boolean): string {
  if (PUBLIC.has(path)) return path;
  if (signedIn) return SIGNED_IN.has(path) ? path : paths.profile;
  return paths.signIn;
}

function Shell() {
  const { status, agent, signOut } = useSession();
  const path = usePath();
  const signedIn = status === "signed-in";
  const target = status === "loading" ? path : destination(path, signedIn);

  useEffect(() => {
    if (target !== path) navigate(target, { replace: true });
  }, [target, path]);
  useEffect(() => {
    document.title = `${TITLES[target] ?? "Roster"} · Roster`;
    document.documentElement.lang = (signedIn && agent?.language) || "en";
  }, [target, signedIn, agent?.language]);

  return (
    <>
      <header className="top">
        <span className="brand">Roster</span>
        {signedIn && agent && (
          <nav aria-label="Main">
            <Link href={paths.profile} className={target === paths.profile ? "current" : ""}
              aria-current={target === paths.profile ? "page" : undefined}>Profile</Link>
            <Link href={paths.security} className={target === paths.security ? "current" : ""}
              aria-current={target === paths.security ? "page" : undefined}>Security</Link>
            <span className="who">{agent.alias || agent.account}</span>
            <Button variant="secondary" onPress={() => void signOut()}>Sign out</Button>
          </nav>
        )}
      </header>
      <main>
        {status === "loading" ? <p role="status">Loading…</p> : <Page path={target} />}
      </main>
    </>
  );
}

function Page({ path }: { path: string }) {
  switch (path) {
    case paths.forgotPassword:
      return <ForgotPasswordPage />;
    case paths.verifyEmail:
      return <VerifyEmailPage />;
    case paths.profile:
      return <ProfilePage />;
    case paths.security:
      return <SecurityPage />;
    default:
      return <SignInPage />;
  }
}
