"""The single table's key layout (documented in docs/data-model.md; keep both true).

Every item has ``pk``/``sk``. Agent-owned items share the agent's partition so one
``Query`` or ``BatchGetItem`` reaches them; secrets sit in items of their own so that
reading a profile never reads a hash or a seed.
"""

from __future__ import annotations

from roster.models.agent import fold_account, fold_email
from roster.models.catalog import fold_name
from roster.repository.table import Key

PROFILE = "PROFILE"
GUARD = "GUARD"
OUTBOX = "OUTBOX"

AGENT_LIST_PARTITION = "AGENTS"  # gsi1pk of every profile: the full list, by account
AUDIT_FEED_PARTITION = "AUDIT"  # gsi1pk of every audit event: the feed, by time
EXPIRY_BUCKET = "EXPIRING"  # the sparse index's only partition


def agent_partition(agent_id: str) -> str:
    return f"AGENT#{agent_id}"


def agent(agent_id: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": PROFILE}


def password(agent_id: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": "CRED#PASSWORD"}


def totp(agent_id: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": "CRED#TOTP"}


def recovery_code(agent_id: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": "CRED#RECOVERY"}


BACKUP_PREFIX = "BACKUP#"


def backup_code(agent_id: str, code_digest: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": f"{BACKUP_PREFIX}{code_digest}"}


def session(agent_id: str, session_id: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": f"SESSION#{session_id}"}


def email_change(agent_id: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": "EMAILCHANGE"}


def assignment(agent_id: str, kind: str, ref: str) -> Key:
    return {"pk": agent_partition(agent_id), "sk": f"ASSIGN#{kind}#{ref}"}


def account_guard(account: str) -> Key:
    """Accounts are unique and found under ASCII case folding only (``fold_account``)."""
    return {"pk": f"ACCOUNT#{fold_account(account)}", "sk": GUARD}


def email_guard(email: str) -> Key:
    return {"pk": f"EMAIL#{fold_email(email)}", "sk": GUARD}


def numeric_id_guard(numeric_id: int) -> Key:
    return {"pk": f"NUMERICID#{numeric_id}", "sk": GUARD}


def external_id_guard(external_id: str) -> Key:
    """An identity provider's id of an agent (SCIM ``externalId``): case-exact, unique."""
    return {"pk": f"EXTERNALID#{external_id}", "sk": GUARD}


def scim_deactivations(actor_id: str, window: str) -> Key:
    """A provisioning token's deactivations in one window (the mass-deactivation alarm)."""
    return {"pk": f"SCIMDEACT#{actor_id}#{window}", "sk": "COUNTER"}


def login_guard(login: str) -> Key:
    """The guard a login string names: an email when it has ``@``, else an account."""
    return email_guard(login) if "@" in login else account_guard(login)


def normal_login(login: str) -> str:
    """A login string as its guard matches it: an email lower-cased, an account folded
    in ASCII only."""
    return fold_email(login) if "@" in login else fold_account(login)


def sign_in_subject(agent_id: str | None, login: str) -> str:
    """Whose wrong passwords a sign-in counts: the agent's (its account and email share
    one count), or, for a login that names nobody, that normalised login string."""
    return agent_subject(agent_id) if agent_id else f"LOGIN#{normal_login(login)}"


def agent_subject(agent_id: str) -> str:
    return f"AGENT#{agent_id}"


def sign_in_throttle(subject: str) -> Key:
    """Wrong passwords for ``subject`` from every source (the per-agent ceiling)."""
    return {"pk": f"THROTTLE#{subject}", "sk": "ALL"}


def sign_in_source_throttle(subject: str, source_ip: str) -> Key:
    """Wrong passwords for ``subject`` from one source IP, and that pair's last success."""
    return {"pk": f"THROTTLE#{subject}", "sk": f"{SOURCE_PREFIX}{source_ip}"}


SOURCE_PREFIX = "IP#"


def email_change_mails(agent_id: str, hour: str) -> Key:
    """Email-change mails (links, resends, address-in-use notices) about one agent in one
    clock hour, whoever asked for them."""
    return {"pk": agent_partition(agent_id), "sk": f"EMAILCHANGERATE#{hour}"}


def recovery_requests(scope: str, hour: str) -> Key:
    """Password-recovery requests of one agent (or one unknown login string) in one
    clock hour: ``scope`` is ``AGENT#<id>`` or ``LOGIN#<login, lower-cased>``."""
    return {"pk": f"RECOVERYRATE#{scope}", "sk": f"HOUR#{hour}"}


def challenge(challenge_id: str) -> Key:
    return {"pk": f"CHALLENGE#{challenge_id}", "sk": "CHALLENGE"}


def catalog_partition(kind: str) -> str:
    return f"CATALOG#{kind}"


def catalog(kind: str, item_id: str) -> Key:
    return {"pk": catalog_partition(kind), "sk": item_id}


def reference_partition(kind: str, value: str) -> str:
    return f"REF#{kind}#{value}"


def reference(kind: str, value: str, account: str, agent_id: str) -> Key:
    """An agent's membership of a catalogue item, sorted by account for filtered lists."""
    return {"pk": reference_partition(kind, value), "sk": f"{account.lower()}#{agent_id}"}


def catalog_name_partition(kind: str, name: str) -> str:
    """The items of ``kind`` named ``name`` (case-insensitively: ``fold_name``)."""
    return f"NAME#{kind}#{fold_name(name)}"


def catalog_name(kind: str, name: str, item_id: str) -> Key:
    return {"pk": catalog_name_partition(kind, name), "sk": item_id}


def catalog_reference(kind: str, value: str, owner_kind: str, owner_id: str) -> Key:
    """A catalogue item's use of another (a group's profile, a profile's skill).

    Same partition as the agents' references so one ``Query`` tells whether the item is
    in use; ``~`` sorts after every account name, so lists of agents by reference never
    meet these.
    """
    return {"pk": reference_partition(kind, value), "sk": f"~{owner_kind}#{owner_id}"}


def outbox(message_id: str) -> Key:
    return {"pk": f"OUTBOX#{message_id}", "sk": OUTBOX}


def audit_partition(agent_id: str | None) -> str:
    return f"AUDIT#{agent_id or '-'}"


def audit(agent_id: str | None, sort: str) -> Key:
    return {"pk": audit_partition(agent_id), "sk": sort}


def idempotency_partition(function: str) -> str:
    return f"IDEMPOTENCY#{function}"


# ---------------------------------------------------------------- agent listings (issue 3)
NUMERIC_ID_LIST_PARTITION = "NUMERICIDS"  # gsi1pk of numeric-id guards: the ids in use
ASSIGNMENT_PREFIX = "ASSIGN#"


def numeric_id_sort(numeric_id: int) -> str:
    return f"{numeric_id:010d}"


def active_partition(active: bool) -> str:
    """gsi2pk of a profile: the agents that are (in)active, by account."""
    return f"{AGENT_LIST_PARTITION}#ACTIVE#{str(active).lower()}"


def word_partition(word: str) -> str:
    """The partition of the search words starting with ``word``'s first character."""
    return f"WORD#{word[:1]}"


def word(word: str, account: str, agent_id: str) -> Key:
    """One folded word of an agent (``roster.models.search``), sorted by word, then
    account: ``q``'s results in that order, read with ``begins_with(sk, term)``."""
    return {"pk": word_partition(word), "sk": f"{word}#{account.lower()}#{agent_id}"}


def assignment_counts(agent_id: str) -> Key:
    """The agent's number of assignments per kind, kept with each assignment write."""
    return {"pk": agent_partition(agent_id), "sk": "ASSIGNCOUNTS"}


def after_account(account_lower: str) -> str:
    """A sort-key bound just past every key of ``account`` (``account``, ``account#...``)."""
    return f"{account_lower}#~"


# ---------------------------------------------------------------------- bulk import
IMPORT_LIST_PARTITION = "IMPORTS"  # gsi1pk of every job: the list, newest first
IMPORT_JOB = "#JOB"  # sorts after the counters and before the errors of its partition
IMPORT_COUNTER_PREFIX = "#COUNT#"
IMPORT_ERROR_PREFIX = "ERROR#"
IMPORT_ROW_PREFIX = "ROW#"


def import_partition(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def import_job(import_id: str) -> Key:
    return {"pk": import_partition(import_id), "sk": IMPORT_JOB}


def import_counter(import_id: str, shard: int) -> Key:
    return {"pk": import_partition(import_id), "sk": f"{IMPORT_COUNTER_PREFIX}{shard:02d}"}


def import_row(import_id: str, row: int) -> Key:
    """The row's marker: its outcome is written once, under this key's condition."""
    return {"pk": import_partition(import_id), "sk": f"{IMPORT_ROW_PREFIX}{row:07d}"}


def import_error(import_id: str, row: int, index: int) -> Key:
    return {"pk": import_partition(import_id),
            "sk": f"{IMPORT_ERROR_PREFIX}{row:07d}#{index:02d}"}


PROVISIONING_TOKEN_LIST_PARTITION = "PROVISIONING_TOKENS"  # gsi1pk: the list, by creation


def provisioning_token(digest: str) -> Key:
    """A provisioning token, under its keyed digest: the authorizer's one read."""
    return {"pk": f"PROVTOKEN#{digest}", "sk": "TOKEN"}


def provisioning_token_pointer(token_id: str) -> Key:
    """Which digest the token ``token_id`` is stored under (for revoking it by id)."""
    return {"pk": f"PROVTOKENID#{token_id}", "sk": "POINTER"}
