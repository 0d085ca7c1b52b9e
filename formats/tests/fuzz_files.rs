//! Every file the SIM can hand the service, spoilt at random: random bytes,
//! truncation, other encodings (Windows-1252, UTF-16), control characters
//! and junk in one cell of a good file. A reader never panics; where it
//! refuses, its message says where (a line, a field or the file as a whole).

use formats::gias::{import_gias, ImportError, ImportOptions};
use formats::inputs::{self, InputError};
use proptest::prelude::*;

fn sample(file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../data/sample/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

type Reader = fn(&str) -> Result<(), InputError>;

/// Each CSV reader of `formats::inputs`, with its sample file.
fn readers() -> Vec<(&'static str, Reader)> {
    vec![
        ("heads.csv", |t| inputs::parse_heads(t).map(drop)),
        ("advisers.csv", |t| inputs::parse_advisers(t).map(drop)),
        ("consultants.csv", |t| {
            inputs::parse_consultants(t).map(drop)
        }),
        ("history.csv", |t| inputs::parse_history(t).map(drop)),
        ("sspb.csv", |t| inputs::parse_sspb(t).map(drop)),
        ("need.csv", |t| inputs::parse_need(t).map(drop)),
        ("last_allocations.csv", |t| {
            inputs::parse_last_allocations(t).map(drop)
        }),
        ("availability.csv", |t| {
            inputs::parse_availability(t).map(drop)
        }),
    ]
}

/// A refusal that says where: a line, or the file as a whole with a reason.
fn says_where(e: &InputError) -> bool {
    let m = e.to_string();
    match e {
        InputError::BadFile { problem, .. } => !problem.trim().is_empty(),
        InputError::Io { .. } => false,
        _ => m.contains(" line "),
    }
}

fn gias_says_where(e: &ImportError) -> bool {
    let m = e.to_string();
    match e {
        ImportError::Undecodable { .. } | ImportError::Empty | ImportError::UnknownLa { .. } => {
            true
        }
        ImportError::Io { .. } => false,
        _ => m.starts_with("line "),
    }
}

/// Text with the characters that break files: CR, LF, NUL, other C0, quotes,
/// separators, a byte order mark, non-Latin letters.
fn nasty_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('\r'),
            Just('\n'),
            Just('\0'),
            Just('\u{1b}'),
            Just('"'),
            Just(','),
            Just('\u{feff}'),
            Just('\u{2028}'),
            any::<char>(),
            proptest::char::range('0', '9'),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// A good file spoilt once: cut short, a character put in, or one cell replaced.
#[derive(Debug, Clone)]
enum Spoil {
    Truncate(usize),
    Insert(usize, String),
    Cell(usize, usize, String),
}

fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        any::<usize>().prop_map(Spoil::Truncate),
        (any::<usize>(), nasty_text()).prop_map(|(i, s)| Spoil::Insert(i, s)),
        (any::<usize>(), any::<usize>(), nasty_text()).prop_map(|(r, c, s)| Spoil::Cell(r, c, s)),
    ]
}

fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, s: &Spoil) -> String {
    match s {
        Spoil::Truncate(i) => text[..floor_char(text, *i)].to_string(),
        Spoil::Insert(i, junk) => {
            let i = floor_char(text, *i);
            format!("{}{junk}{}", &text[..i], &text[i..])
        }
        Spoil::Cell(r, c, junk) => {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            // Short files are enough: the first rows hold every column kind.
            lines.truncate(12);
            let r = r % lines.len();
            let mut cells: Vec<String> = lines[r].split(',').map(str::to_string).collect();
            let c = c % cells.len();
            cells[c] = junk.clone();
            lines[r] = cells.join(",");
            lines.join("\n")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn csv_readers_refuse_random_text_with_a_place(text in nasty_text()) {
        for (file, read) in readers() {
            if let Err(e) = read(&text) {
                prop_assert!(says_where(&e), "{file}: {e}");
            }
        }
    }

    #[test]
    fn csv_readers_refuse_spoilt_files_with_a_place(s in spoil()) {
        for (file, read) in readers() {
            let text = apply(&sample(file), &s);
            if let Err(e) = read(&text) {
                prop_assert!(says_where(&e), "{file} {s:?}: {e}");
            }
        }
    }

    #[test]
    fn uploads_in_other_encodings_are_refused_with_a_line(s in spoil(), utf16 in any::<bool>()) {
        // What a spreadsheet saves when asked for "CSV" or "Unicode text".
        let text = apply(&sample("heads.csv"), &s);
        let bytes: Vec<u8> = if utf16 {
            let mut b = vec![0xff, 0xfe];
            b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            b
        } else {
            encoding_rs::WINDOWS_1252.encode(&format!("{text}\nSt Thérèse, Æthelred")).0.into_owned()
        };
        match inputs::upload_text("heads.csv", bytes) {
            Ok(t) => {
                if let Err(e) = inputs::parse_heads(&t) {
                    prop_assert!(says_where(&e), "{e}");
                }
            }
            Err(e) => prop_assert!(says_where(&e), "{e}"),
        }
    }

    #[test]
    fn gias_import_refuses_random_bytes_with_a_place(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Err(e) = import_gias(&bytes, &ImportOptions::default()) {
            prop_assert!(gias_says_where(&e), "{e}");
        }
    }

    #[test]
    fn gias_import_refuses_spoilt_extracts_with_a_place(s in spoil(), encoding in 0u8..3) {
        let text = apply(&sample("schools.csv"), &s);
        let bytes: Vec<u8> = match encoding {
            0 => text.into_bytes(),
            1 => encoding_rs::WINDOWS_1252.encode(&text).0.into_owned(),
            _ => {
                let mut b = vec![0xff, 0xfe];
                b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                b
            }
        };
        if let Err(e) = import_gias(&bytes, &ImportOptions::default()) {
            prop_assert!(gias_says_where(&e), "{e}");
        }
    }
}
