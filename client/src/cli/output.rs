//! Where results go: stdout for what was asked (text, a bare value, or
//! JSON), stderr for remarks and errors.

use std::io::{self, Write};

use comfy_table::{Table, presets};
use serde::{Serialize, Serializer, ser::SerializeMap};
use tonic::Code;

use super::error::Failure;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Human,
    Quiet,
    Json,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    mode: Mode,
    /// One compact JSON object per line, as a stream of events needs.
    json_lines: bool,
}

impl Output {
    pub(crate) fn new(json: bool, quiet: bool, json_lines: bool) -> Self {
        let mode = match (json, quiet) {
            (true, _) => Mode::Json,
            (false, true) => Mode::Quiet,
            (false, false) => Mode::Human,
        };
        Output { mode, json_lines }
    }

    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }

    /// Prints a response: serialised as it is in JSON mode, otherwise as the
    /// text for the mode. The texts are only built when needed.
    pub(crate) fn response<T: Serialize>(
        &self,
        message: &T,
        human: impl FnOnce() -> String,
        quiet: impl FnOnce() -> String,
    ) -> Result<(), Failure> {
        match self.mode {
            Mode::Json => self.json(message),
            Mode::Quiet => stdout(&line(quiet())),
            Mode::Human => stdout(&line(human())),
        }
    }

    pub(crate) fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Failure> {
        let text = if self.json_lines {
            serde_json::to_string(value)
        } else {
            serde_json::to_string_pretty(value)
        }
        .map_err(|e| Failure::local(Code::Internal, format!("cannot write JSON: {e}")))?;
        stdout(&line(text))
    }

    /// A remark for the person at the terminal, never mixed with the result;
    /// left out in JSON mode, where the response already holds it.
    pub(crate) fn note(&self, text: &str) {
        if self.mode != Mode::Json {
            Self::progress(text);
        }
    }

    /// News about the command itself (a reconnection), in every mode.
    pub(crate) fn progress(text: &str) {
        eprint!("{}", line(text.to_owned()));
    }

    pub(crate) fn failure(&self, failure: &Failure) {
        if failure.is_silent() {
            return;
        }
        match self.mode {
            // Programs read stdout; an error they can parse belongs there too.
            Mode::Json => {
                let _ = self.json(&failure.json());
            }
            Mode::Human | Mode::Quiet => eprint!("{}", failure.human()),
        }
    }
}

/// `{"<key>": [...]}`: what a listing prints in JSON, every page collected.
/// Serialised directly rather than through `serde_json::Value`, which would
/// sort the fields of each item alphabetically instead of in proto order.
#[derive(Debug)]
pub(crate) struct Listing<'a, T> {
    pub(crate) key: &'static str,
    pub(crate) items: &'a [T],
}

impl<T: Serialize> Serialize for Listing<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.key, self.items)?;
        map.end()
    }
}

/// Text ending with exactly one newline; nothing at all for empty text.
fn line(mut text: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn stdout(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(Failure::stdout_closed()),
        Err(e) => Err(Failure::local(
            Code::Unknown,
            format!("cannot write to stdout: {e}"),
        )),
    }
}

/// A borderless table with an upper-case header, easy to read and to grep.
pub(crate) fn table<const N: usize>(header: [&str; N], rows: Vec<[String; N]>) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_header(header.map(str::to_uppercase));
    for row in rows {
        table.add_row(row);
    }
    if let Some(first) = table.column_mut(0) {
        // Flush left, as other command-line tables are.
        first.set_padding((0, 1));
    }
    let text = table.to_string();
    // comfy-table pads the last column; trailing blanks only get in the way.
    let mut trimmed: String = text
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    trimmed.pop();
    trimmed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_a_header_and_no_trailing_blanks() {
        let text = table(
            ["id", "name"],
            vec![
                ["1".to_owned(), "CPAM de Paris".to_owned()],
                ["22".to_owned(), "x".to_owned()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("ID") && lines[0].contains("NAME"));
        assert!(lines[1].contains("CPAM de Paris"));
        assert!(lines.iter().all(|l| !l.ends_with(' ')));
    }

    #[test]
    fn listings_keep_the_items_field_order() {
        #[derive(Serialize)]
        struct Item {
            zulu: u8,
            alpha: u8,
        }
        let items = [Item { zulu: 1, alpha: 2 }];
        let listing = Listing {
            key: "cases",
            items: &items,
        };
        assert_eq!(
            serde_json::to_string(&listing).unwrap(),
            r#"{"cases":[{"zulu":1,"alpha":2}]}"#
        );
        let empty: Listing<'_, Item> = Listing {
            key: "cases",
            items: &[],
        };
        assert_eq!(serde_json::to_string(&empty).unwrap(), r#"{"cases":[]}"#);
    }

    #[test]
    fn lines_end_once() {
        assert_eq!(line("a".to_owned()), "a\n");
        assert_eq!(line("a\n".to_owned()), "a\n");
        assert_eq!(line(String::new()), "");
    }
}
