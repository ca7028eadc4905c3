//! A compact binary form for what plan keeps between runs of itself (the project cache,
//! `load::cache`): numbers little-endian, byte strings length-prefixed. Nothing but plan reads
//! it, and only the binary that wrote it (the cache is keyed on the binary), so it has no
//! schema evolution: a reader that meets anything unexpected answers `None`, and the caller
//! does the work again.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Writes values one after another.
#[derive(Debug, Default)]
pub(crate) struct Encoder {
    bytes: Vec<u8>,
}

impl Encoder {
    /// An empty encoding.
    pub(crate) fn new() -> Self {
        Encoder::default()
    }

    /// The bytes written so far.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// A number.
    pub(crate) fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// A signed number.
    pub(crate) fn i64(&mut self, value: i64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// A count or an index.
    pub(crate) fn usize(&mut self, value: usize) {
        self.u64(value as u64);
    }

    /// A flag.
    pub(crate) fn bool(&mut self, value: bool) {
        self.bytes.push(u8::from(value));
    }

    /// Bytes, with their length.
    pub(crate) fn bytes(&mut self, value: &[u8]) {
        self.usize(value.len());
        self.bytes.extend_from_slice(value);
    }

    /// Text.
    pub(crate) fn str(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    /// A path, byte for byte (a path need not be UTF-8).
    pub(crate) fn path(&mut self, value: &Path) {
        self.bytes(value.as_os_str().as_bytes());
    }

    /// A value that may be absent.
    pub(crate) fn option<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            write(self, value);
        }
    }

    /// A list, with its length.
    pub(crate) fn list<T>(
        &mut self,
        values: impl ExactSizeIterator<Item = T>,
        mut write: impl FnMut(&mut Self, T),
    ) {
        self.usize(values.len());
        for value in values {
            write(self, value);
        }
    }
}

/// Reads values in the order an [`Encoder`] wrote them. Every read answers `None` past the end
/// or on a value that cannot be (a length beyond the bytes left, text that is not UTF-8).
#[derive(Debug)]
pub(crate) struct Decoder<'a> {
    bytes: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// Reads `bytes` from their start.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Decoder { bytes }
    }

    /// How many bytes are left to read.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    /// Whether every byte was read: what a complete decoding ends with.
    pub(crate) fn is_done(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.bytes.split_at_checked(count)?;
        self.bytes = rest;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// A number.
    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// A signed number.
    pub(crate) fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_le_bytes)
    }

    /// A count or an index.
    pub(crate) fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// A flag.
    pub(crate) fn bool(&mut self) -> Option<bool> {
        match self.take(1)? {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }

    /// Bytes.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = self.usize()?;
        self.take(length)
    }

    /// Text.
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// Text, owned.
    pub(crate) fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    /// A path, borrowed from the bytes read.
    pub(crate) fn path_ref(&mut self) -> Option<&'a Path> {
        Some(Path::new(OsStr::from_bytes(self.bytes()?)))
    }

    /// A value that may be absent.
    pub(crate) fn option<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.bool()? {
            false => Some(None),
            true => read(self).map(Some),
        }
    }

    /// A list. Its length is checked against the bytes left (each value takes at least one
    /// byte), so a corrupt length cannot make it reserve memory it will never fill.
    pub(crate) fn list<T>(
        &mut self,
        mut read: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let length = self.usize()?;
        if length > self.bytes.len() {
            return None;
        }
        let mut values = Vec::with_capacity(length);
        for _ in 0..length {
            values.push(read(self)?);
        }
        Some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_written() {
        let mut encoder = Encoder::new();
        encoder.u64(7);
        encoder.i64(-3);
        encoder.bool(true);
        encoder.str("héllo");
        encoder.path(Path::new(OsStr::from_bytes(b"not\xffutf8")));
        encoder.option(Some("x"), Encoder::str);
        encoder.option(None::<&str>, Encoder::str);
        encoder.list(["a", "b"].iter(), |encoder, value| encoder.str(value));
        let bytes = encoder.into_bytes();
        let mut decoder = Decoder::new(&bytes);
        assert_eq!(decoder.u64(), Some(7));
        assert_eq!(decoder.i64(), Some(-3));
        assert_eq!(decoder.bool(), Some(true));
        assert_eq!(decoder.str(), Some("héllo"));
        assert_eq!(
            decoder.path_ref(),
            Some(Path::new(OsStr::from_bytes(b"not\xffutf8")))
        );
        assert_eq!(decoder.option(Decoder::string), Some(Some("x".to_string())));
        assert_eq!(decoder.option(Decoder::string), Some(None));
        assert_eq!(
            decoder.list(Decoder::string),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert!(decoder.is_done());
    }

    #[test]
    fn truncated_or_corrupt_bytes_read_as_none() {
        let mut encoder = Encoder::new();
        encoder.str("hello");
        let bytes = encoder.into_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(Decoder::new(&bytes[..cut]).str(), None, "cut at {cut}");
        }
        // A list claiming more values than bytes left.
        let mut encoder = Encoder::new();
        encoder.u64(u64::MAX);
        assert_eq!(
            Decoder::new(&encoder.into_bytes()).list(Decoder::bool),
            None
        );
        assert_eq!(Decoder::new(&[2]).bool(), None);
        assert_eq!(Decoder::new(&[1, 0, 0, 0, 0, 0, 0, 0, 0xff]).str(), None);
    }
}
