#!/usr/bin/env python3
"""Checks a callstats workbook against the report it was made from (EndToEndTests.WorkbookTests).

  check_xlsx.py openpyxl WORKBOOK [SHEET=REFERENCE...]
      Opens WORKBOOK with openpyxl; each SHEET must hold the rows of REFERENCE (a .csv or .json
      report of the same rows): header = the CSV's column names, bold, frozen under row 1,
      auto-filtered over the rows; cells typed by column (`_s`: a [h]:mm:ss duration, `_pct`: a
      number shown 0.0, times: date-times, text: strings, counts: numbers, empty: empty), values
      equal to the reference's. No cell of any sheet is a formula (in the XML too).
      With a .json reference text must round-trip exactly, but for what XML cannot hold
      (replaced with U+FFFD) and the 32,767-character cut.
  check_xlsx.py libreoffice CSV_FROM_LIBREOFFICE REFERENCE_CSV
      A sheet as LibreOffice saved it ("as shown") equals the CSV report: durations as seconds
      within a second, percentages within their shown decimal, times to the second.

Prints what differs and exits 1; exits 0 when everything agrees.
"""
import csv
import datetime
import json
import re
import sys
import zipfile

TIME_COLUMNS = {"period_start", "period_end", "time", "called_back_at", "as_of", "state_since", "from", "to"}
CELL_LIMIT = 32767
problems = []


def fail(message):
    problems.append(message)
    if len(problems) > 40:
        report()


def report():
    for problem in problems[:40]:
        print(problem)
    sys.exit(1 if problems else 0)


def kind(column):
    if column in TIME_COLUMNS:
        return "time"
    if column.endswith("_s"):
        return "duration"
    if column.endswith("_pct"):
        return "percent"
    return "other"


def wall_clock(iso):
    """The ISO time's own wall clock (the report zone's), without its offset."""
    text = re.sub(r"(Z|[+-]\d\d:\d\d)$", "", iso)
    return datetime.datetime.fromisoformat(text)


def column_letter(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xml_safe(text):
    """What the workbook can hold of a text: XML-invalid characters as U+FFFD, cut at the limit."""
    out = []
    units = 0
    for char in text:
        units += 2 if ord(char) > 0xFFFF else 1
        if units > CELL_LIMIT:
            break
        code = ord(char)
        bad = (code < 0x20 and char not in "\t\n\r") or code in (0xFFFE, 0xFFFF)
        out.append("\ufffd" if bad else char)
    return "".join(out)


def reference_rows(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        if isinstance(data, dict):  # a view: the rows under the view's name, as_of first
            name = next(key for key in ("agents", "queues", "calls") if key in data)
            rows = [dict(as_of=data["as_of"], as_of_source=data["as_of_source"], **row) for row in data[name]]
        else:
            rows = data
        if not rows:
            return None, []
        header = list(rows[0].keys())
        return header, [[row[key] for key in header] for row in rows]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], [[None if value == "" else value for value in row] for row in rows[1:]]


def check_openpyxl(workbook_path, pairs):
    import openpyxl  # imported here: the libreoffice mode does not need it

    with zipfile.ZipFile(workbook_path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode("utf-8")
                if re.search(r"<f[ >/]", xml):
                    fail(f"{name}: holds a formula")
                if 't="s"' in xml or 't="str"' in xml:
                    fail(f"{name}: a string that is not inline")
    book = openpyxl.load_workbook(workbook_path)
    for pair in pairs:
        sheet_name, reference = pair.split("=", 1)
        if sheet_name not in book.sheetnames:
            fail(f"no sheet {sheet_name!r} in {book.sheetnames}")
            continue
        sheet = book[sheet_name]
        header, rows = reference_rows(reference)
        got_header = [cell.value for cell in sheet[1]]
        if header is not None and got_header != header:
            fail(f"{sheet_name}: header {got_header} != {header}")
        header = got_header
        if not all(cell.font.b for cell in sheet[1]):
            fail(f"{sheet_name}: header not bold")
        if sheet.freeze_panes != "A2":
            fail(f"{sheet_name}: frozen at {sheet.freeze_panes}, not under the header")
        expected_filter = f"A1:{column_letter(len(header) - 1)}{len(rows) + 1}"
        if sheet.auto_filter.ref != expected_filter:
            fail(f"{sheet_name}: filter {sheet.auto_filter.ref} != {expected_filter}")
        if sheet.max_row != len(rows) + 1:
            fail(f"{sheet_name}: {sheet.max_row - 1} rows, the reference has {len(rows)}")
        exact_text = reference.endswith(".json")
        for number, (cells, expected) in enumerate(zip(sheet.iter_rows(min_row=2), rows), start=2):
            for column, cell, want in zip(header, cells, expected):
                where = f"{sheet_name}!{cell.coordinate} ({column})"
                check_cell(where, column, cell, want, exact_text)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        fail(f"{sheet.title}!{cell.coordinate}: a formula")


def check_cell(where, column, cell, want, exact_text):
    value = cell.value
    if want is None:
        if value is not None:
            fail(f"{where}: {value!r}, the reference is empty")
        return
    if isinstance(want, bool):
        want = str(want).lower()
    what = kind(column)
    if isinstance(want, str) and what == "time" and re.match(r"\d{4}-\d\d-\d\dT", want):
        if not isinstance(value, datetime.datetime) or not cell.number_format.startswith("yyyy"):
            fail(f"{where}: {value!r} ({cell.number_format}) is not a date-time")
        elif abs((value - wall_clock(want)).total_seconds()) > 0.0015:
            fail(f"{where}: {value} != {want}")
        return
    if what == "duration":
        if not isinstance(value, datetime.timedelta) or cell.number_format != "[h]:mm:ss":
            fail(f"{where}: {value!r} ({cell.number_format}) is not a duration")
        elif abs(value.total_seconds() - float(want)) > 0.0015:
            fail(f"{where}: {value.total_seconds()} s != {want}")
        return
    is_number = isinstance(want, (int, float)) or (not exact_text and re.fullmatch(r"-?\d+(\.\d+)?", str(want)) and column not in NUMBER_TEXT)
    if is_number:
        if cell.data_type != "n" or isinstance(value, (str, datetime.datetime)):
            fail(f"{where}: {value!r} is not a number")
        elif abs(float(value) - float(want)) > 1e-9:
            fail(f"{where}: {value} != {want}")
        elif what == "percent" and cell.number_format != "0.0":
            fail(f"{where}: a percentage shown {cell.number_format}")
        return
    if cell.data_type != "s" or not isinstance(value, str):
        fail(f"{where}: {value!r} is not text")
    elif exact_text and value != xml_safe(want):
        fail(f"{where}: text does not round-trip: {value[:80]!r} != {want[:80]!r}")
    elif not exact_text and value != want.lstrip("'") and value != want:
        fail(f"{where}: {value!r} != {want!r}")


# Columns of text that hold digits: ids and numbers people dial stay text.
NUMBER_TEXT = {
    "agent_id", "agent_number", "queue_id", "target_id", "caller_number", "callee_number",
    "phone_number", "value", "queues",
}


def seconds(shown):
    parts = shown.split(":")
    if len(parts) != 3:
        raise ValueError(shown)
    return int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])


def check_libreoffice(saved, reference):
    header, rows = reference_rows(saved)
    want_header, want_rows = reference_rows(reference)
    if header != want_header:
        fail(f"{saved}: header {header} != {want_header}")
    if len(rows) != len(want_rows):
        fail(f"{saved}: {len(rows)} rows, the CSV report has {len(want_rows)}")
    for number, (got, want) in enumerate(zip(rows, want_rows), start=2):
        for column, shown, exact in zip(want_header, got, want):
            where = f"{saved}:{number} {column}"
            if exact is None or shown is None:
                if exact != shown:
                    fail(f"{where}: {shown!r} != {exact!r}")
                continue
            what = kind(column)
            try:
                if what == "time" and re.match(r"\d{4}-\d\d-\d\dT", exact):
                    delta = (datetime.datetime.fromisoformat(shown) - wall_clock(exact)).total_seconds()
                    ok = abs(delta) < 1
                elif what == "duration":
                    ok = abs(seconds(shown) - float(exact)) <= 0.5 + 1e-9
                elif what == "percent":
                    ok = abs(float(shown) - float(exact)) <= 0.05 + 1e-9
                else:
                    ok = shown == exact.lstrip("'") or shown == exact
            except ValueError:
                ok = False
            if not ok:
                fail(f"{where}: LibreOffice shows {shown!r}, the CSV says {exact!r}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "openpyxl":
        check_openpyxl(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "libreoffice":
        check_libreoffice(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
    report()
