"""Go compatibility: every emulation of Go, cobra and pflag behaviour, each written once.

Why this package exists: pychamber is a drop-in replacement for chamber, a Go program, and its
users' scripts read chamber's bytes: tables padded by ``text/tabwriter``, JSON as
``encoding/json`` writes it, values quoted by ``strconv.Quote``, timestamps as ``time.Time``
marshals them, keys in Go's byte order, cobra's usage texts and pflag's error messages. Python's
standard library does each of these slightly differently; the difference lives here, and only
here, so that the rest of the code says *what* it prints and these modules say *how Go would*.

What is where (all pure: no I/O):

- :mod:`~pychamber.compat.gojson`: ``encoding/json`` strings (HTML-safe escapes), maps with
  sorted keys, decoding into Go structs (objects as ordered pairs, numbers kept as literals,
  Go's syntax and type-mismatch messages).
- :mod:`~pychamber.compat.strconv`: ``strconv.Quote``; ``ParseUint``/``ParseInt``/``ParseFloat``
  with Go's syntax/range distinction; ``fmt.Sprint`` of a float64.
- :mod:`~pychamber.compat.gotime`: ``time.Time`` marshal/unmarshal (RFC3339Nano, strict), the
  timestamp layouts goccy/go-yaml recognises, the days-in-month rule.
- :mod:`~pychamber.compat.unicode`: ``unicode.IsSpace``, ``strings.TrimSpace``, Go's simple
  case mapping (``ToLower``/``ToUpper``) and Go's string order (:func:`byte_order`).
- :mod:`~pychamber.compat.tabwriter`: ``text/tabwriter`` as chamber configures it, and the
  local-time timestamp format of its tables.
- :mod:`~pychamber.compat.cobra`: cobra's usage block and error lines (suggestions included),
  pflag's parse of a command line, its flag-error texts and its value types (``stringToString``,
  base-0 ints, ``ParseBool``).
- :mod:`~pychamber.compat.gosort`: Go's ``sort.Sort`` (pdqsort), for the order of equal rows.
- :mod:`~pychamber.compat.slog`: ``log/slog``'s text records (the ``--verbose`` lines).
- :mod:`~pychamber.compat.syscall`: ``syscall.Errno`` texts (``exec format error``).

The only pychamber module they import is :mod:`pychamber.errors` (for ``ChamberError``).
"""
