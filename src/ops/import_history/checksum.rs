//! The checksums other tools keep, computed from a file as each tool computes it, so that a file
//! changed since the tool applied it is noticed: Flyway's CRC32 of the file's lines, sqlx's
//! SHA-384 and Prisma's SHA-256 of the file.

use sha2::{Digest, Sha256, Sha384};

use super::shapes::ToolChecksum;

/// The tool's checksum of `text`, written as the tool's table holds it (`-1234` for Flyway,
/// hex for the others); `None` when the tool's checksum is not one plan computes.
pub(super) fn of_file(kind: ToolChecksum, text: &str) -> Option<String> {
    match kind {
        ToolChecksum::FlywayCrc32 => Some(flyway_crc32(text).to_string()),
        ToolChecksum::Sha256 => Some(hex(&Sha256::digest(text.as_bytes()))),
        ToolChecksum::Sha384 => Some(hex(&Sha384::digest(text.as_bytes()))),
        ToolChecksum::None | ToolChecksum::Reference => None,
    }
}

/// Whether `recorded` can be compared with [`of_file`] at all: seed 004's column holds any
/// text, and only a SHA-256 says something.
pub(super) fn comparable(kind: ToolChecksum, recorded: &str) -> bool {
    let hex_of = |length: usize| {
        recorded.len() == length && recorded.bytes().all(|byte| byte.is_ascii_hexdigit())
    };
    match kind {
        ToolChecksum::Sha256 => hex_of(64),
        ToolChecksum::Sha384 => hex_of(96),
        ToolChecksum::FlywayCrc32 => recorded.parse::<i32>().is_ok(),
        ToolChecksum::None | ToolChecksum::Reference => false,
    }
}

/// Flyway's checksum: CRC32 over the UTF-8 bytes of each line without its line ending (lines
/// end at `\n`, `\r` or `\r\n`, as Java's `BufferedReader.readLine` splits them), a BOM at the
/// start dropped, read as a signed 32-bit integer. (flyway/flyway:
/// flyway-core/src/main/java/org/flywaydb/core/internal/resolver/ChecksumCalculator.java,
/// `calculateChecksumForResource`.)
pub(super) fn flyway_crc32(text: &str) -> i32 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut crc = Crc32::default();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        crc.update(&rest.as_bytes()[..end]);
        let after = &rest[end..];
        rest = after
            .strip_prefix("\r\n")
            .or_else(|| after.strip_prefix('\n'))
            .or_else(|| after.strip_prefix('\r'))
            .unwrap_or(after);
    }
    // Java's `(int) crc32.getValue()`: the same 32 bits, read as signed.
    i32::from_ne_bytes(crc.finish().to_ne_bytes())
}

/// CRC-32 (IEEE 802.3, reflected, as `java.util.zip.CRC32` and zlib compute it).
struct Crc32 {
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Crc32 { state: !0 }
    }
}

impl Crc32 {
    fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state ^= u32::from(byte);
            for _ in 0..8 {
                let low_bit = self.state & 1;
                self.state = (self.state >> 1) ^ (0xEDB8_8320 & low_bit.wrapping_neg());
            }
        }
    }

    fn finish(&self) -> u32 {
        !self.state
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: i32) {
        assert_eq!(flyway_crc32(text), expect, "{text:?}");
    }

    #[test]
    fn flyway_checksums_are_crc32_of_the_lines_without_their_endings() {
        // CRC32("123456789") = 0xCBF43926, the standard check value, read as signed.
        check(
            "123456789",
            i32::from_ne_bytes(0xCBF4_3926_u32.to_ne_bytes()),
        );
        check("", 0);
        // Line endings and a BOM change nothing; the lines' own bytes do.
        let lf = flyway_crc32("CREATE TABLE a (id int);\nSELECT 1;\n");
        check("CREATE TABLE a (id int);\r\nSELECT 1;\r\n", lf);
        check("\u{feff}CREATE TABLE a (id int);\rSELECT 1;", lf);
        assert_ne!(flyway_crc32("CREATE TABLE a (id int);\nSELECT 2;\n"), lf);
    }

    #[test]
    fn only_checksums_of_the_tools_kind_are_compared() {
        assert!(comparable(ToolChecksum::FlywayCrc32, "-1234"));
        assert!(!comparable(ToolChecksum::FlywayCrc32, "abc"));
        assert!(!comparable(ToolChecksum::Sha256, "md5:abc"));
        assert!(comparable(ToolChecksum::Sha384, &"a".repeat(96)));
        assert_eq!(of_file(ToolChecksum::Reference, "x"), None);
        assert_eq!(
            of_file(ToolChecksum::Sha256, "").as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }
}
