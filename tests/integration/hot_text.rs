//! The `plan` binary is linked with link/hot-text.ld (build.rs): the functions its common
//! commands run sit together in a `.text.hot` section ahead of the rest of the code, so the
//! kernel keeps fewer of the binary's pages resident (docs/performance.md, "Hot code
//! together"). Read from the binary's ELF section headers: the test's `plan` is the dev build,
//! whose functions are named as the release build's, so the script must have matched some.

use std::path::Path;

/// Each section's name, address in memory (`sh_addr`) and size, from a 64-bit little-endian
/// ELF file.
fn sections(elf: &[u8]) -> Vec<(String, u64, u64)> {
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(elf[4], 2, "not a 64-bit ELF file");
    assert_eq!(elf[5], 1, "not a little-endian ELF file");
    let u16_at = |at: usize| u16::from_le_bytes([elf[at], elf[at + 1]]) as usize;
    let u32_at =
        |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().expect("four bytes")) as usize;
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().expect("eight bytes"));
    let table = u64_at(0x28) as usize;
    let entry_size = u16_at(0x3a);
    let count = u16_at(0x3c);
    let names_index = u16_at(0x3e);
    let header = |index: usize| table + index * entry_size;
    let names = u64_at(header(names_index) + 0x18) as usize;
    (0..count)
        .map(|index| {
            let at = header(index);
            let name_start = names + u32_at(at);
            let name_end = name_start
                + elf[name_start..]
                    .iter()
                    .position(|&byte| byte == 0)
                    .expect("a section name ends with a NUL byte");
            (
                String::from_utf8_lossy(&elf[name_start..name_end]).into_owned(),
                u64_at(at + 0x10),
                u64_at(at + 0x20),
            )
        })
        .collect()
}

#[test]
fn the_functions_plan_runs_most_are_laid_out_together_ahead_of_the_rest() {
    if !cfg!(target_os = "linux") || std::env::var("PLAN_HOT_TEXT").as_deref() == Ok("off") {
        eprintln!(
            "skipped: link/hot-text.ld is only used on Linux, and not with PLAN_HOT_TEXT=off"
        );
        return;
    }
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("link/hot-text.ld")
            .exists(),
        "link/hot-text.ld is missing: bench/hot-text.sh writes it"
    );
    let binary = std::fs::read(env!("CARGO_BIN_EXE_plan")).expect("read the plan binary");
    let sections = sections(&binary);
    let find = |wanted: &str| {
        sections
            .iter()
            .find(|(name, _, _)| name == wanted)
            .unwrap_or_else(|| panic!("no {wanted} section in the plan binary: {sections:?}"))
    };
    let (_, hot_address, hot_size) = find(".text.hot");
    let (_, text_address, _) = find(".text");
    assert!(*hot_size > 0, "the hot functions matched nothing");
    assert!(
        hot_address < text_address,
        "the hot functions are not ahead of the rest of the code"
    );
}
