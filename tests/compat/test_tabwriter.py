"""Go text/tabwriter emulation: the verified outputs of chamber.md §1.4."""

from datetime import datetime, timezone

from pychamber.compat.tabwriter import render, table, timestamp

T = "2024-01-02 03:04:05"


def test_list_table():
    out = table([["Key", "Version", "LastModified", "User"],
                 ["apikey", "2", T, "arn:aws:iam::123:user/dan"],
                 ["other", "1", T, "arn:aws:iam::123:user/dan"]])
    assert out == ("Key\tVersion\t\tLastModified\t\tUser\n"
                   f"apikey\t2\t\t{T}\tarn:aws:iam::123:user/dan\n"
                   f"other\t1\t\t{T}\tarn:aws:iam::123:user/dan\n")


def test_read_table():
    out = table([["Key", "Value", "Version", "LastModified", "User"],
                 ["db_password", "hunter22", "3", T, "arn:aws:sts::1:assumed-role/x"]])
    assert out == ("Key\t\tValue\t\tVersion\t\tLastModified\t\tUser\n"
                   f"db_password\thunter22\t3\t\t{T}\tarn:aws:sts::1:assumed-role/x\n")


def test_history_find_and_header_only():
    assert table([["Event", "Version", "Date", "User"], ["Created", "1", T, "alice"]]) == (
        "Event\t\tVersion\t\tDate\t\t\tUser\n" f"Created\t\t1\t\t{T}\talice\n")
    assert table([["Service", "Key"], ["service1", "s3_bucket"]]) == "Service\t\tKey\nservice1\ts3_bucket\n"
    assert table([["Key", "Version", "LastModified", "User"]]) == "Key\tVersion\t\tLastModified\tUser\n"


def test_width_counts_code_points():
    # 'héllo☃' is 6 code points (9 bytes): cell width 6 + 2 -> 8, one tab.
    assert table([["héllo☃", "x"], ["a", "y"]]) == "héllo☃\tx\na\ty\n"
    assert table([["héllo☃!", "x"], ["a", "y"]]) == "héllo☃!\t\tx\na\t\ty\n"


def test_multiline_value_resets_blocks():
    # A value with a newline splits the row; the continuation line has no tab, so the rows
    # after it are laid out on their own.
    out = table([["Key", "Version", "Value"], ["a", "1", "line1\nline2"], ["loooooooooong", "2", "v"]])
    assert out == ("Key\tVersion\t\tValue\n"
                   "a\t1\t\tline1\n"
                   "line2\n"
                   "loooooooooong\t2\tv\n")


def test_single_column_lines_and_trailing_text():
    assert table([["Service"], ["a"], [""]]) == "Service\na\n\n"
    assert render("a\tb") == "a\tb"
    assert render("") == ""


def test_timestamp_local_time(monkeypatch):
    import time
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert timestamp(datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "2024-01-02 12:04:05"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_timestamp_pads_the_year_to_four_digits_as_go_does(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert timestamp(datetime(1, 1, 1, tzinfo=timezone.utc)) == "0001-01-01 00:00:00"
        assert timestamp(datetime(999, 12, 31, 23, 59, 58, tzinfo=timezone.utc)) == "0999-12-31 23:59:58"
        assert timestamp(datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == T
    finally:
        monkeypatch.undo()
        time.tzset()
