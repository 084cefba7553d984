"""Sign-in and everything around it, in one place.

``steps``: the password step and the challenges (TOTP or backup code, new password);
``refusals``: the one set of checks every step that can grant tokens applies, and their
audit; ``attempts``: password guesses counted before they are compared; ``challenges``
and ``sessions``: the half-finished sign-in and the tokens; ``second_factor``: codes
counted, locked and used once; ``two_factor`` (enrolment and its administration),
``reauth``, ``credentials`` (password changes) and ``recovery`` build on them.
Imports run one way, in that order of the list read backwards: no module imports one
that imports it.
"""
