//! Line iteration with byte offsets, shared by the header and section readers. Accepts `\n` and
//! `\r\n` endings; the `\r` is never part of a line's content.

use std::ops::Range;

/// One line of a file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line<'a> {
    /// The line's text without its ending.
    pub(crate) content: &'a str,
    /// Byte offset of the line's first character.
    pub(crate) start: usize,
    /// Byte offset just past the line's ending (the next line's start).
    pub(crate) next: usize,
}

impl Line<'_> {
    /// The byte range of the content.
    pub(crate) fn span(&self) -> Range<usize> {
        self.start..self.start + self.content.len()
    }
}

/// The lines of `text`, each with its offsets.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let rest = &text[start..];
        let (raw, next) = match rest.find('\n') {
            Some(newline) => (&rest[..newline], start + newline + 1),
            None => (rest, text.len()),
        };
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        let line = Line {
            content,
            start,
            next,
        };
        start = next;
        Some(line)
    })
}
