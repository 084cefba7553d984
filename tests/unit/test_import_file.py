"""Reading an import file: what spreadsheets save is read as they meant it, and a file
that cannot be read as a whole is refused with the reason."""

from __future__ import annotations

import pytest
from roster.errors import InvalidCsv, RosterError, UnknownColumn
from roster.models import import_file
from roster.models.import_file import read_csv, request_fields


def test_excel_s_semicolons_bom_and_crlf_are_read() -> None:
    text = "\ufeffAccount ; EMAIL;firstName\r\njdoe;jane@example.com;Jane\r\n"
    read = read_csv(text.encode("utf-8"))
    assert read.columns == ("account", "email", "firstName")
    assert [row.cells for row in read.rows] == [
        {"account": "jdoe", "email": "jane@example.com", "firstName": "Jane"}]


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    text = ('account,email,firstName,title\n'
            'a,a@example.com,A,"two\nlines"\n'
            '\n'
            ',,,\n'
            'b,b@example.com,B,\n')
    rows = read_csv(text.encode()).rows
    assert [(row.number, row.cells and row.cells["account"]) for row in rows] == [
        (2, "a"), (5, "b")]
    assert rows[0].cells is not None and rows[0].cells["title"] == "two\nlines"


def test_the_delimiter_is_the_header_row_s_even_after_blank_lines() -> None:
    read = read_csv(b"\n\naccount;email;firstName\njdoe;jane@example.com;Jane\n")
    assert read.columns == ("account", "email", "firstName")
    assert read.rows[0].number == 4


def test_a_cell_longer_than_any_field_makes_its_row_an_error() -> None:
    long = "x" * (import_file.MAX_CELL_LENGTH + 1)
    rows = read_csv(f"account,email,firstName\na,a@example.com,{long}\n".encode()).rows
    assert (rows[0].cells, rows[0].cell_count) == (None, 3)


def test_a_row_with_another_number_of_cells_is_its_own_error() -> None:
    rows = read_csv(b"account,email,firstName\na,a@example.com\nb,b@example.com,B,extra\n").rows
    assert [(row.number, row.cells, row.cell_count) for row in rows] == [
        (2, None, 2), (3, None, 4)]


@pytest.mark.parametrize(("body", "error", "field"), [
    (b"", InvalidCsv, "body"),
    (b"\n\n", InvalidCsv, "body"),
    (b"account,email,firstName\n", InvalidCsv, "body"),
    (b"account,email,firstName\n\n,,\n", InvalidCsv, "body"),
    (b"account,email\na,a@example.com\n", InvalidCsv, "firstName"),
    (b"account,email,firstName,Email\na,b,c,d\n", InvalidCsv, "email"),
    (b"account,email,firstName,password\na,b,c,d\n", UnknownColumn, "password"),
    (b"account,email,firstName,\na,b,c,d\n", UnknownColumn, "(blank)"),
    (b"account,email,firstName\nj\xf6rg,j@example.com,J\n", InvalidCsv, "body"),
    (b"account,email,firstName\x00\na,b,c\n", InvalidCsv, "body"),
    (b'account,email,firstName\n"a,b,c\n', InvalidCsv, "body"),
])
def test_a_file_that_cannot_be_read_as_a_whole_is_refused(
        body: bytes, error: type[RosterError], field: str) -> None:
    with pytest.raises(error) as refused:
        read_csv(body)
    assert refused.value.status == 422
    assert field in {entry["field"] for entry in refused.value.errors}


def test_a_file_may_hold_at_most_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_file, "MAX_IMPORT_ROWS", 3)
    body = b"account,email,firstName\n" + b"a,a@example.com,A\n" * 3
    assert len(read_csv(body).rows) == 3
    with pytest.raises(InvalidCsv):
        read_csv(body + b"d,d@example.com,D\n")


def test_cells_become_the_fields_of_post_agents() -> None:
    fields = request_fields({
        "account": " jdoe ", "email": "jane@example.com", "firstName": "Jane",
        "lastName": "", "roles": "agent| manager |", "queues": "", "skills": "fr:3|de : 5",
        "active": "false", "numericId": "12", "phone": "'+4712345678",
        "title": "'=HYPERLINK()", "alias": "'Tis me"})
    assert fields == {
        "account": "jdoe", "email": "jane@example.com", "firstName": "Jane",
        "roles": ["agent", "manager"], "skills": [{"skillId": "fr", "level": "3"},
                                                  {"skillId": "de", "level": "5"}],
        "active": "false", "numericId": "12", "phone": "+4712345678",
        "title": "=HYPERLINK()", "alias": "'Tis me"}


def test_a_skill_without_a_level_is_named_for_the_model_to_refuse() -> None:
    assert request_fields({"skills": "french"}) == {"skills": [{"skillId": "french"}]}
