// Package input reads lists of X accounts (ids and @handles) from CSV, plain
// text, JSON, JSON Lines and the X archive's following.js, streaming, with
// the line of every entry and a precise reason for every bad one.
//
// Guarantees:
//   - Ids keep every digit: they never pass through float64. An id is 1–19
//     ASCII digits without sign or leading zero; JSON numbers above 2^53 are
//     read from their text. Anything else (scientific notation, decimals,
//     20+ digits, negative, zero) is rejected with a reason that says why
//     and how to fix the file.
//   - Ids a spreadsheet rounded to 15 significant digits are rejected
//     when the file shows it: every id longer than 15 digits ends in
//     zeros past the 15th, too many of them to be chance.
//   - Every Entry holds exactly one of ID (> 0) and Handle (1–15 of
//     [A-Za-z0-9_], without '@'), and its 1-based line.
//   - A review sheet's columns are read beside the account: a decision
//     column (or JSON key) gives every entry its Decision (unfollow, keep
//     or empty, in any case and with spaces around; any other value is a
//     bad entry), a protected column marks Protected, and a username
//     column beside the id gives Username. Deciding what to do with them
//     is the caller's.
//   - Read streams: memory stays bounded by one line (at most MaxLineBytes)
//     or one JSON array element (only its account fields are kept), however
//     long the input. Unquoted CSV lines and text lines cost no allocation.
//   - Bad entries never stop reading: Read reports all of them (up to
//     Options.MaxErrors, counting the rest) as "FILE:LINE: reason" after the
//     whole input. Only a structural error (broken JSON, a quote that never
//     closes) ends reading early, and it is reported the same way.
//   - An empty or header-only input is not an error: fn is never called.
//   - Line numbers are physical lines, also in UTF-16 input (decoded when
//     it has a byte order mark) and in files with CR-only line ends. A file
//     that is not a list (a ZIP/.xlsx, .xls, gzip, PDF, binary, UTF-16
//     without byte order mark) is refused at line 1 with what to do,
//     whatever the format asked for.
//   - Read holds no shared state: concurrent calls are safe.
//
// docs/input-formats.md describes the formats for users.
package input
