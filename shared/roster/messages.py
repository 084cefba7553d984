"""Message templates: email subject and body, SMS text; one set per language.

A template is picked by the agent's ``language`` (its primary subtag), falling back to
English. Secret values (codes, temporary passwords, links) are filled in by the
notifier at send time, from the sealed part of the outbox item.
"""

from __future__ import annotations

from string import Formatter

from roster.templates import Template, email_change, two_factor, welcome

FALLBACK_LANGUAGE = "en"

# Each area's templates, English and Norwegian (bokmål) at least; add a module here.
TEMPLATES: dict[str, dict[str, Template]] = {
    name: variants
    for module in (welcome, email_change, two_factor)
    for name, variants in module.TEMPLATES.items()
}


def language_of(tag: str | None) -> str:
    return (tag or FALLBACK_LANGUAGE).split("-")[0].lower()


def pick(template: str, language: str | None) -> Template:
    variants = TEMPLATES[template]
    return variants.get(language_of(language), variants[FALLBACK_LANGUAGE])


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def render(template: str, language: str | None, values: dict[str, str]) -> tuple[str, str, str]:
    """Subject, email body and SMS text with ``values`` filled in."""
    chosen = pick(template, language)
    return (
        chosen.subject.format_map(values),
        chosen.body.format_map(values),
        chosen.sms.format_map(values),
    )
