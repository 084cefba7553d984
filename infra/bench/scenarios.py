"""The measured request of each route: its set-up (not counted), its floor (the round
trips its job needs at the least) and what that job is."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from support.agents import AGENT_PASSWORD, OWNER_PASSWORD

from infra.bench.harness import NEW_PASSWORD, Bench, BenchAgent, Request

Prepare = Callable[[Bench], Request]


@dataclass(frozen=True)
class Scenario:
    """One measured request of ``method route``: ``prepare`` does the set-up (not counted)
    and returns the request; ``floor`` is the round trips ``job`` needs at the least."""

    method: str
    route: str
    floor: int
    job: str
    prepare: Prepare
    label: str = ""
    expect: int | None = None  # a non-2xx status the scenario means to measure

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.route


Make = Callable[[Bench], BenchAgent]
Body = Callable[[Bench, BenchAgent], Any] | dict[str, Any] | None


def signed_in(bench: Bench) -> BenchAgent:
    return bench.agent()


def unsigned(bench: Bench) -> BenchAgent:
    return bench.agent(signed_in=False)


def enrolling(bench: Bench) -> BenchAgent:
    return bench.enrolling()


def enrolled(bench: Bench) -> BenchAgent:
    return bench.enrolled()


def admin(method: str, path: str, body: Any = None, query: dict[str, str] | None = None
          ) -> Prepare:
    """The admin calls ``path`` (no set-up)."""
    return lambda bench: Request(method, path, bench.admin, body, query)


def public(method: str, path: str, body: Any = None) -> Prepare:
    return lambda _: Request(method, path, None, body)


def on_agent(method: str, path: str, body: Body = None, *, own: bool = False,
             make: Make = unsigned, then: Callable[[Bench, BenchAgent], Any] | None = None
             ) -> Prepare:
    """A request about a fresh agent (made by ``make``, readied by ``then``): the admin's,
    or with ``own`` the agent's own. ``{id}`` in ``path`` is the agent's id; ``body`` may
    be computed from the agent (a code, say)."""
    def prepare(bench: Bench) -> Request:
        agent = make(bench)
        if then is not None:
            then(bench, agent)
        payload = body(bench, agent) if callable(body) else body
        return Request(method, path.format(id=agent.id),
                       agent.token if own else bench.admin, payload)
    return prepare


def as_self(method: str, path: str, body: Body = None, *, make: Make = signed_in,
            then: Callable[[Bench, BenchAgent], Any] | None = None) -> Prepare:
    return on_agent(method, path, body, own=True, make=make, then=then)


PHOTO = {"contentType": "image/png", "contentLength": 1000}
AUTHORIZER = "authorizer"
PROFILE = f"{AUTHORIZER}; profile"
# Re-authentication: the guess spends an attempt (conditional ADD) before the hash is
# compared, and a right one gives it back.
REAUTH = "attempt spent before comparing; given back"
GROUPS = "groups (one batch, for effectiveProperties)"


def session_scenarios() -> list[Scenario]:
    """Sign-in, challenges, tokens and sessions (the auth function)."""

    def refresh(bench: Bench) -> Request:
        tokens = bench.tokens("admin", OWNER_PASSWORD)
        return Request("POST", "/auth/refresh", body={"refreshToken": tokens["refreshToken"]})

    def challenge(answer: Callable[[Bench, BenchAgent], dict[str, str]], make: Make
                  ) -> Prepare:
        def prepare(bench: Bench) -> Request:
            agent = make(bench)
            started = bench.ok("POST", "/auth/login", body={"login": agent.account,
                                                            "password": AGENT_PASSWORD})
            return Request("POST", "/auth/challenge", body={
                "session": started["session"], "challenge": started["challenge"],
                **answer(bench, agent)})
        return prepare

    def backup_code(bench: Bench, agent: BenchAgent) -> dict[str, str]:
        issued = bench.ok("POST", f"/agents/{agent.id}/backup-codes", bench.admin)
        return {"backupCode": str(issued["codes"][0])}

    def temporary(bench: Bench) -> BenchAgent:
        return bench.agent(signed_in=False, forcePasswordChange=True)

    challenge_read = "challenge + profile + seed"
    return [
        Scenario("POST", "/auth/login", 4, "login guard; profile + hash + throttles (one "
                 "batch); the attempt spent before the comparison (from the owner's own "
                 "address: the source's count only); session transaction (session, last "
                 "login, counts reset, audit)",
                 public("POST", "/auth/login", {"login": "admin", "password": OWNER_PASSWORD})),
        Scenario("POST", "/auth/challenge", 4, f"{challenge_read} (one batch); the attempt "
                 "spent before the comparison; KMS Decrypt of the seed; one transaction "
                 "(challenge used, step stored, session, audit)",
                 challenge(lambda bench, agent: {"code": bench.totp(agent)}, enrolled),
                 label="TOTP code"),
        Scenario("POST", "/auth/challenge", 3, f"{challenge_read} + the code's item (one "
                 "batch); the attempt spent before the comparison; one transaction (code "
                 "used, challenge used, session, audit)",
                 challenge(backup_code, enrolled), label="backup code"),
        Scenario("POST", "/auth/challenge", 2, "challenge + profile + hash (one batch); one "
                 "transaction (challenge used, password, session, audit)",
                 challenge(lambda *_: {"newPassword": NEW_PASSWORD}, temporary),
                 label="new password"),
        Scenario("POST", "/auth/refresh", 2, "session + profile; conditional rotation", refresh),
        Scenario("POST", "/auth/logout", 2, f"{AUTHORIZER}; session delete + audit",
                 as_self("POST", "/auth/logout")),
        Scenario("DELETE", "/agents/{id}/sessions", 2, f"{AUTHORIZER}; epoch bump + audit",
                 on_agent("DELETE", "/agents/{id}/sessions", make=signed_in)),
        Scenario("GET", "/openapi.json", 0, "a file shipped in the layer",
                 public("GET", "/openapi.json")),
    ]


def agent_scenarios() -> list[Scenario]:
    """The agent routes, admin and self-service (the agents function)."""

    def assigned(bench: Bench, agent: BenchAgent) -> None:
        bench.ok("PUT", f"/agents/{agent.id}/assignments/chat/c1", bench.admin)

    def with_photo(bench: Bench, agent: BenchAgent) -> None:
        bench.ok("POST", f"/agents/{agent.id}/photo", bench.admin, PHOTO)

    def own_photo(bench: Bench, agent: BenchAgent) -> None:
        bench.ok("POST", "/me/photo", agent.token, PHOTO)

    def logged_on(bench: Bench, agent: BenchAgent) -> None:
        bench.ok("PUT", "/me/queue-status", agent.token, {"status": "logged_on"})

    def in_group(bench: Bench, _: BenchAgent) -> dict[str, str]:
        return {"groupId": bench.catalog_item("groups")}

    def listing(**query: str) -> Prepare:
        """A page that holds an agent in a group (its effective properties need the group)."""
        def prepare(bench: Bench) -> Request:
            bench.agent(signed_in=False, groupId=bench.catalog_item("groups"))
            return Request("GET", "/agents", bench.admin, query={"limit": "50", **query})
        return prepare

    def new_email(_: Bench, agent: BenchAgent) -> dict[str, str]:
        return {"email": f"moved-{agent.account}@example.com"}

    def create(bench: Bench) -> Request:
        account = bench.name("created")
        return Request("POST", "/agents", bench.admin, {
            "account": account, "email": f"{account}@example.com", "firstName": "B"})

    update = "conditional update + derived items + audit (one transaction)"
    return [
        Scenario("POST", "/agents", 3, f"{AUTHORIZER}; references (one batch); one transaction"
                 " (guards, profile, credential, items, audit, outbox)", create),
        Scenario("GET", "/agents", 3, f"{AUTHORIZER}; one Query of the account index; the "
                 f"page's {GROUPS}", listing()),
        Scenario("GET", "/agents", 4, f"{AUTHORIZER}; Query of the role's references; batch "
                 f"of the page's profiles; the page's {GROUPS}", listing(role="agent"),
                 label="?role="),
        Scenario("GET", "/agents", 4, f"{AUTHORIZER}; Query of the term's word items; batch "
                 f"of the page's profiles; the page's {GROUPS}", listing(q="bench"),
                 label="?q="),
        Scenario("GET", "/agents", 4, f"{AUTHORIZER}; Query of the attribute's references; "
                 f"batch of the page's profiles; the page's {GROUPS}",
                 listing(language="en"), label="?language="),
        Scenario("GET", "/agents", 3, f"{AUTHORIZER}; the account's guard; its profile "
                 "(the admin has no group to read)", listing(account="admin"),
                 label="?account="),
        Scenario("GET", "/agents/numeric-ids", 2, f"{AUTHORIZER}; Query of the ids partition",
                 admin("GET", "/agents/numeric-ids")),
        Scenario("GET", "/agents/{id}", 2, PROFILE, on_agent("GET", "/agents/{id}")),
        Scenario("PATCH", "/agents/{id}", 3, f"{PROFILE}; {update}",
                 on_agent("PATCH", "/agents/{id}", {"title": "x"})),
        Scenario("PATCH", "/agents/{id}", 3, f"{PROFILE}; one transaction (profile, token, "
                 "guard check, audit, outbox; the link is sealed with a cached KMS data key)",
                 on_agent("PATCH", "/agents/{id}", new_email), label="email change"),
        Scenario("DELETE", "/agents/{id}", 4, f"{AUTHORIZER}; profile + counts; partition "
                 "keys; one transaction", on_agent("DELETE", "/agents/{id}")),
        Scenario("PUT", "/agents/{id}/assignments/{kind}/{ref}", 2, f"{AUTHORIZER}; one "
                 "transaction (item, counter, audit)",
                 on_agent("PUT", "/agents/{id}/assignments/chat/c1")),
        Scenario("DELETE", "/agents/{id}/assignments/{kind}/{ref}", 2, f"{AUTHORIZER}; one "
                 "transaction", on_agent("DELETE", "/agents/{id}/assignments/chat/c1",
                                         then=assigned)),
        Scenario("GET", "/agents/{id}/assignments", 2, f"{AUTHORIZER}; one Query",
                 on_agent("GET", "/agents/{id}/assignments", then=assigned)),
        Scenario("PUT", "/agents/{id}/group", 4, f"{PROFILE}; group; transaction",
                 on_agent("PUT", "/agents/{id}/group", in_group)),
        Scenario("PUT", "/agents/{id}/queue-status", 3, f"{PROFILE}; {update}",
                 on_agent("PUT", "/agents/{id}/queue-status", {"status": "logged_off"},
                          make=signed_in, then=logged_on)),
        Scenario("POST", "/agents/{id}/photo", 3, f"{PROFILE}; update (the S3 presign is "
                 "local)", on_agent("POST", "/agents/{id}/photo", PHOTO)),
        Scenario("DELETE", "/agents/{id}/photo", 3, f"{PROFILE}; update (the S3 delete is not "
                 "counted)", on_agent("DELETE", "/agents/{id}/photo", then=with_photo)),
        Scenario("GET", "/me", 2, PROFILE, as_self("GET", "/me")),
        Scenario("PATCH", "/me", 3, f"{PROFILE}; {update}", as_self("PATCH", "/me",
                                                                   {"title": "x"})),
        Scenario("PUT", "/me/queue-status", 3, f"{PROFILE}; conditional update",
                 as_self("PUT", "/me/queue-status", {"status": "logged_on"})),
        Scenario("POST", "/me/photo", 3, f"{PROFILE}; update (the S3 presign is local)",
                 as_self("POST", "/me/photo", PHOTO)),
        Scenario("DELETE", "/me/photo", 3, f"{PROFILE}; update",
                 as_self("DELETE", "/me/photo", then=own_photo)),
    ]


def credential_scenarios() -> list[Scenario]:
    """Passwords, recovery, two-factor, backup codes, unlock (password, two_factor)."""

    def reset(bench: Bench) -> Request:
        agent = bench.agent(signed_in=False)
        return Request("POST", "/password/reset", body={
            "login": agent.account, "code": bench.recovery_code(agent),
            "newPassword": NEW_PASSWORD})

    def code(bench: Bench, agent: BenchAgent) -> dict[str, str]:
        return {"code": bench.totp(agent)}

    seed = "KMS Decrypt of the seed"
    return [
        Scenario("POST", "/password/forgot", 3, "login guard; the agent's items (one batch); "
                 "one transaction (hourly counter, code, audit, outbox sealed with a cached KMS "
                 "data key); the same work for unknown logins",
                 public("POST", "/password/forgot", {"login": "admin", "channel": "email"})),
        Scenario("POST", "/password/reset", 4, "login guard; the try counted atomically "
                 "before the code is compared (UpdateItem returning the code); profile; "
                 "transaction (code used, password, sessions, audit, outbox)", reset),
        Scenario("POST", "/me/password", 5, f"{AUTHORIZER}; profile + hash + throttle; "
                 f"{REAUTH}; transaction (password, other sessions, audit, outbox)",
                 as_self("POST", "/me/password", {"currentPassword": AGENT_PASSWORD,
                                                  "newPassword": NEW_PASSWORD})),
        Scenario("POST", "/agents/{id}/password", 3, f"{PROFILE} (the policy needs the account "
                 "and email); transaction (password, sessions, audit, outbox)",
                 on_agent("POST", "/agents/{id}/password", {
                     "newPassword": NEW_PASSWORD, "confirmPassword": NEW_PASSWORD})),
        Scenario("POST", "/me/two-factor", 6, f"{PROFILE} + hash (2FA off? the account "
                 f"for the otpauth label); {REAUTH}; KMS Encrypt of the seed; put",
                 as_self("POST", "/me/two-factor", {"currentPassword": AGENT_PASSWORD})),
        Scenario("POST", "/me/two-factor/confirm", 4, f"{PROFILE} + pending seed; {seed}; "
                 "transaction (2FA on, backup codes, audit, outbox)",
                 as_self("POST", "/me/two-factor/confirm", code, make=enrolling)),
        Scenario("DELETE", "/me/two-factor", 5, f"{PROFILE} + seed; {seed}; Query of the "
                 "backup codes' keys; transaction (seed, codes, profile, audit, outbox)",
                 as_self("DELETE", "/me/two-factor", code, make=enrolled)),
        Scenario("POST", "/agents/{id}/backup-codes", 4, f"{PROFILE}; Query of the earlier "
                 "codes; transaction (revoke them, new codes, audit)",
                 on_agent("POST", "/agents/{id}/backup-codes", make=enrolled)),
        Scenario("POST", "/agents/{id}/unlock", 3, f"{PROFILE} (an admin's credentials are "
                 "for admins only; its logins' throttles); conditional update + audit",
                 on_agent("POST", "/agents/{id}/unlock", make=enrolled)),
        Scenario("DELETE", "/agents/{id}/two-factor", 4, f"{PROFILE} + seed (an admin's "
                 "credentials are for admins only); Query of the backup codes' keys; "
                 "transaction (delete them, profile, audit, outbox)",
                 on_agent("DELETE", "/agents/{id}/two-factor", make=enrolled)),
    ]


def email_scenarios() -> list[Scenario]:
    """Email verification and the admin's email-change routes (email_verification)."""

    def verify(bench: Bench) -> Request:
        token = bench.verification_token(bench.agent(signed_in=False))
        return Request("POST", "/email-verification", body={"token": token})

    def pending(bench: Bench, agent: BenchAgent) -> None:
        bench.pending_email(agent)

    change = "profile + token item (one batch)"
    return [
        Scenario("POST", "/email-verification", 2, f"{change}; transaction (token used, email "
                 "and guards swapped, search items, audit, outbox)", verify),
        Scenario("POST", "/email-verification", 1, f"{change} (a well-formed unknown token: "
                 "nothing there)",
                 public("POST", "/email-verification",
                        {"token": f"{uuid.UUID(int=0)}.{'A' * 43}"}),
                 label="unknown token", expect=400),
        Scenario("POST", "/agents/{id}/email-change/resend", 3, f"{AUTHORIZER}; {change}; "
                 "transaction (profile, token, audit, outbox; the link sealed with a cached "
                 "KMS data key)",
                 on_agent("POST", "/agents/{id}/email-change/resend", then=pending)),
        Scenario("DELETE", "/agents/{id}/email-change", 3, f"{AUTHORIZER}; {change}; "
                 "transaction (profile, token, audit)",
                 on_agent("DELETE", "/agents/{id}/email-change", then=pending)),
    ]


CATALOG_KINDS = ("roles", "queues", "skills", "groups", "profiles")


def catalog_scenarios() -> list[Scenario]:
    """The five catalogues share one implementation, so one template of scenarios each."""

    def on_item(method: str, kind: str, body: Any = None) -> Prepare:
        def prepare(bench: Bench) -> Request:
            return Request(method, f"/{kind}/{bench.catalog_item(kind)}", bench.admin, body)
        return prepare

    def create(kind: str) -> Prepare:
        def prepare(bench: Bench) -> Request:
            item_id = bench.name(kind[:-1])
            return Request("POST", f"/{kind}", bench.admin, {"id": item_id, "name": item_id})
        return prepare

    scenarios: list[Scenario] = []
    for kind in CATALOG_KINDS:
        scenarios += [
            Scenario("GET", f"/{kind}", 2, f"{AUTHORIZER}; one Query of the catalogue "
                     "partition", admin("GET", f"/{kind}")),
            Scenario("POST", f"/{kind}", 2, f"{AUTHORIZER}; conditional put + audit (one "
                     "transaction)", create(kind)),
            Scenario("GET", f"/{kind}/{{id}}", 2, f"{AUTHORIZER}; one GetItem",
                     on_item("GET", kind)),
            Scenario("PATCH", f"/{kind}/{{id}}", 3, f"{AUTHORIZER}; read; conditional update "
                     "+ audit", on_item("PATCH", kind, {"name": "Renamed"})),
            Scenario("DELETE", f"/{kind}/{{id}}", 4, f"{AUTHORIZER}; read; in-use Query; "
                     "conditional delete + audit", on_item("DELETE", kind)),
        ]
    return scenarios


def import_scenarios() -> list[Scenario]:
    """Bulk import's routes (the worker's own cost: infra.bench.bulk)."""

    def file(bench: Bench) -> str:
        account = bench.name("imported")
        return ("account,email,firstName\n"
                f"{account},{account}@example.com,Imp\nbad,not-an-email,\n")

    def started(bench: Bench) -> str:
        response = bench.send(Request("POST", "/imports", bench.admin, file(bench),
                                      {"sendWelcome": "false"}, "text/csv"))
        return str(response.json()["id"])

    def on_job(suffix: str = "") -> Prepare:
        return lambda bench: Request("GET", f"/imports/{started(bench)}{suffix}", bench.admin)

    return [
        Scenario("POST", "/imports", 2, f"{AUTHORIZER}; job + audit (one transaction); the "
                 "rows go to SQS (not counted)", lambda bench: Request(
                     "POST", "/imports", bench.admin, file(bench), {"sendWelcome": "false"},
                     "text/csv")),
        Scenario("GET", "/imports", 2, f"{AUTHORIZER}; one Query of the jobs' index partition",
                 admin("GET", "/imports")),
        Scenario("GET", "/imports/{id}", 2, f"{AUTHORIZER}; one Query: counters, job and "
                 "first errors", on_job()),
        Scenario("GET", "/imports/{id}/errors", 3, f"{AUTHORIZER}; the job (404); one Query "
                 "of its errors", on_job("/errors")),
    ]


def provisioning_scenarios() -> list[Scenario]:
    """Provisioning tokens (main API) and SCIM's own authorizer."""

    def created(bench: Bench) -> dict[str, Any]:
        response = bench.send(Request("POST", "/provisioning-tokens", bench.admin,
                                      {"name": bench.name("token")}))
        return dict(response.json())

    def scim(bench: Bench) -> Request:
        token = str(created(bench)["token"])
        bench.send(Request("GET", "/scim/v2/ServiceProviderConfig", token))  # lastUsedAt set
        return Request("GET", "/scim/v2/ServiceProviderConfig", token)

    return [
        Scenario("POST", "/provisioning-tokens", 2, f"{AUTHORIZER}; token + pointer + audit "
                 "(one transaction)", lambda bench: Request(
                     "POST", "/provisioning-tokens", bench.admin, {"name": bench.name("t")})),
        Scenario("GET", "/provisioning-tokens", 2, f"{AUTHORIZER}; one Query of the tokens' "
                 "index partition", admin("GET", "/provisioning-tokens")),
        Scenario("DELETE", "/provisioning-tokens/{id}", 3, f"{AUTHORIZER}; the pointer; "
                 "token + pointer deleted with the audit (one transaction)",
                 lambda bench: Request("DELETE", f"/provisioning-tokens/{created(bench)['id']}",
                                       bench.admin)),
        Scenario("GET", "/scim/v2/ServiceProviderConfig", 1, "the SCIM authorizer's one read "
                 "of the token by digest (lastUsedAt written within the minute already)", scim),
    ]


def photo_scenarios() -> list[Scenario]:
    """The photo itself through the API (``PUT``): the S3 calls are not counted."""
    from support.images import png

    def own(bench: Bench) -> Request:
        return Request("PUT", "/me/photo", bench.agent().token, png(), content_type="image/png")

    def admins(bench: Bench) -> Request:
        return Request("PUT", f"/agents/{bench.agent(signed_in=False).id}/photo", bench.admin,
                       png(), content_type="image/png")

    return [
        Scenario("PUT", "/me/photo", 3, f"{AUTHORIZER}; the agent; the new key in one "
                 "conditional update + audit", own),
        Scenario("PUT", "/agents/{id}/photo", 3, f"{AUTHORIZER}; the agent; the new key in one "
                 "conditional update + audit", admins),
    ]


SCIM = "application/scim+json"
SCIM_AUTHORIZER = "the SCIM authorizer (the token by its digest)"


def scim_scenarios() -> list[Scenario]:
    """SCIM through its own API with a provisioning token: the filters Entra and Okta
    send each read one guard or index item, then the profile."""

    tokens: dict[int, str] = {}

    def token(bench: Bench) -> str:
        """One token per bench, used once before (its first use writes lastUsedAt)."""
        if id(bench) not in tokens:
            made = str(bench.ok("POST", "/provisioning-tokens", bench.admin,
                                {"name": bench.name("idp")})["token"])
            bench.send(Request("GET", "/scim/v2/ServiceProviderConfig", made))
            tokens[id(bench)] = made
        return tokens[id(bench)]

    def user(bench: Bench, scim: str) -> dict[str, Any]:
        account = bench.name("scimuser")
        return bench.ok("POST", "/scim/v2/Users", scim, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": account,
            "externalId": f"{account}-oid", "name": {"givenName": "S", "familyName": "U"},
            "emails": [{"primary": True, "type": "work", "value": f"{account}@example.com"}]})

    def group(bench: Bench, scim: str) -> dict[str, Any]:
        return bench.ok("POST", "/scim/v2/Groups", scim, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": bench.name("Scim Group ")})

    def on_user(method: str, body: Any = None, **query: str) -> Prepare:
        def prepare(bench: Bench) -> Request:
            scim = token(bench)
            made = user(bench, scim)
            return Request(method, f"/scim/v2/Users/{made['id']}", scim, body,
                           query or None, SCIM)
        return prepare

    def users_where(attribute: str) -> Prepare:
        def prepare(bench: Bench) -> Request:
            scim = token(bench)
            made = user(bench, scim)
            value = {"userName": made["userName"], "externalId": made["externalId"],
                     'emails[type eq "work"].value': made["emails"][0]["value"]}[attribute]
            return Request("GET", "/scim/v2/Users", scim,
                           query={"filter": f'{attribute} eq "{value}"'})
        return prepare

    def on_group(method: str, body: Callable[[Bench, str], Any] | None = None,
                 **query: str) -> Prepare:
        def prepare(bench: Bench) -> Request:
            scim = token(bench)
            made = group(bench, scim)
            return Request(method, f"/scim/v2/Groups/{made['id']}", scim,
                           body(bench, scim) if body else None, query or None, SCIM)
        return prepare

    def add_member(bench: Bench, scim: str) -> dict[str, Any]:
        return {"schemas": [PATCH_OP], "Operations": [
            {"op": "Add", "path": "members", "value": [{"value": user(bench, scim)["id"]}]}]}

    def groups_named(bench: Bench) -> Request:
        scim = token(bench)
        made = group(bench, scim)
        return Request("GET", "/scim/v2/Groups", scim, query={
            "filter": f'displayName eq "{made["displayName"]}"',
            "excludedAttributes": "members"})

    def new_user(bench: Bench) -> Request:
        account = bench.name("scimnew")
        return Request("POST", "/scim/v2/Users", token(bench), {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": account,
            "name": {"givenName": "N", "familyName": "U"},
            "emails": [{"primary": True, "type": "work", "value": f"{account}@example.com"}]},
            content_type=SCIM)

    def new_group(bench: Bench) -> Request:
        return Request("POST", "/scim/v2/Groups", token(bench), {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": bench.name("New Group ")}, content_type=SCIM)

    def discovery(path: str) -> Prepare:
        ids = {"/scim/v2/ResourceTypes/{id}": "User",
               "/scim/v2/Schemas/{id}": "urn:ietf:params:scim:schemas:core:2.0:User"}
        return lambda bench: Request("GET", path.replace("{id}", ids.get(path, "")),
                                     token(bench))

    def replaced_user(bench: Bench) -> Request:
        scim = token(bench)
        made = user(bench, scim)
        return Request("PUT", f"/scim/v2/Users/{made['id']}", scim, {
            **{key: made[key] for key in ("schemas", "userName", "externalId", "name",
                                          "emails")}, "title": "Lead"}, content_type=SCIM)

    deactivate = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]}
    return [
        Scenario("GET", "/scim/v2/Users", 3, f"{SCIM_AUTHORIZER}; the account guard; the "
                 "profile", users_where("userName"), label="userName eq"),
        Scenario("GET", "/scim/v2/Users", 3, f"{SCIM_AUTHORIZER}; the externalId guard; the "
                 "profile", users_where("externalId"), label="externalId eq"),
        Scenario("GET", "/scim/v2/Users", 3, f"{SCIM_AUTHORIZER}; the email guard; the "
                 "profile", users_where('emails[type eq "work"].value'), label="emails eq"),
        Scenario("POST", "/scim/v2/Users", 3, f"{SCIM_AUTHORIZER}; references (one batch); "
                 "one transaction", new_user),
        Scenario("GET", "/scim/v2/Users/{id}", 2, f"{SCIM_AUTHORIZER}; the profile",
                 on_user("GET")),
        Scenario("PATCH", "/scim/v2/Users/{id}", 4, f"{SCIM_AUTHORIZER}; the profile; one "
                 "conditional update (sessions end); the token's deactivation count",
                 on_user("PATCH", deactivate), label="active False"),
        Scenario("PUT", "/scim/v2/Users/{id}", 3, f"{SCIM_AUTHORIZER}; the profile; one "
                 "conditional update", replaced_user),
        Scenario("DELETE", "/scim/v2/Users/{id}", 4, f"{SCIM_AUTHORIZER}; the agent with its "
                 "assignment counts; its items (one Query); one delete transaction",
                 on_user("DELETE")),
        Scenario("GET", "/scim/v2/Groups", 2, f"{SCIM_AUTHORIZER}; one Query of the name's "
                 "partition", groups_named, label="displayName eq"),
        Scenario("POST", "/scim/v2/Groups", 2, f"{SCIM_AUTHORIZER}; one transaction (the "
                 "id's availability is its condition; a new queue has no members to read)",
                 new_group),
        Scenario("GET", "/scim/v2/Groups/{id}", 3, f"{SCIM_AUTHORIZER}; the queue; its "
                 "members (one Query)", on_group("GET")),
        Scenario("PATCH", "/scim/v2/Groups/{id}", 5, f"{SCIM_AUTHORIZER}; the queue; its "
                 "members (one Query, before the change: the answer applies it); the member; "
                 "one conditional update of the member",
                 on_group("PATCH", add_member), label="add member"),
        Scenario("PUT", "/scim/v2/Groups/{id}", 4, f"{SCIM_AUTHORIZER}; the queue; its "
                 "members (one Query: the answer applies the change); one conditional rename",
                 on_group("PUT", lambda bench, scim: {
                     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                     "displayName": bench.name("Renamed ")})),
        Scenario("DELETE", "/scim/v2/Groups/{id}", 4, f"{SCIM_AUTHORIZER}; the queue; its "
                 "members (none); one delete at the revision read", on_group("DELETE")),
        *(Scenario("GET", path, 1, f"{SCIM_AUTHORIZER}; a fixed document",
                   discovery(path)) for path in (
            "/scim/v2/ResourceTypes", "/scim/v2/ResourceTypes/{id}", "/scim/v2/Schemas",
            "/scim/v2/Schemas/{id}")),
    ]


PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scenarios() -> list[Scenario]:
    return [*session_scenarios(), *agent_scenarios(), *credential_scenarios(),
            *email_scenarios(), *catalog_scenarios(), *import_scenarios(),
            *photo_scenarios(), *scim_scenarios(),
            *provisioning_scenarios(),
            Scenario("GET", "/audit", 2, f"{AUTHORIZER}; one Query of the feed index",
                     admin("GET", "/audit"))]
