//! Hostile input: every class of defect a hostile-input campaign found
//! (issue 12) has a test here. Files are untrusted: a clear error, never a
//! panic, a hang or unbounded memory.

use outage::Scenario;

/// A small scenario with one validation error (an unknown pool), so that
/// every load walks the source map to locate it.
const SMALL: &str = r#"Scenario(name: "s", horizon: "1d",
  sites: [Site(name: "dc", rooms: [Room(name: "hall", kind: DataHall)])],
  pools: [Pool(name: "p", room: "hall", servers: 2, boot: Fixed("5m"))],
  services: [Service(name: "서비스", users: 10, demand: 2, deployments: [(pool: "q")])],
)"#;

#[test]
fn non_ascii_anywhere_never_panics() {
    // Class 1: the position scanner walked bytes, so a node could start
    // inside a multi-byte character and slicing there panicked. Every
    // character ron treats as whitespace, and others, at every position.
    let inserts = ['\u{a0}', '\u{85}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}', '한', 'é', '𝄞', '\u{feff}'];
    let mut loaded = 0;
    for c in inserts {
        for (k, _) in SMALL.char_indices() {
            let mut text = SMALL.to_owned();
            text.insert(k, c);
            if Scenario::from_ron_str(&text).is_ok() {
                loaded += 1;
            }
        }
    }
    // None of them fixes the unknown pool.
    assert_eq!(loaded, 0);
    // Ron's whitespace is the scanner's: the error is located after it.
    let text = SMALL.replace("[(pool: \"q\")]", "[\u{2028}\u{200e}(pool: \"q\")]");
    let err = Scenario::from_ron_str(&text).unwrap_err().to_string();
    assert!(err.contains("4:") && err.contains("'q'") && err.contains("service '서비스'"), "{err}");
}

#[test]
fn a_file_that_never_ends_is_read_with_a_bound() {
    // Class 2: the size cap trusted the size a file reports; a device or a
    // pipe reports none and was read until memory ran out. Now reading stops
    // one byte past the cap.
    let zero = std::path::Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    let err = Scenario::from_path(zero).unwrap_err().to_string();
    assert!(err.contains("more than 67108864 bytes"), "{err}");
    let err = outage::milestones::load(zero).unwrap_err().to_string();
    assert!(err.contains("more than 67108864 bytes"), "{err}");
    // A file under the cap reads as before.
    let bytes = outage::scenario::read_limited(std::path::Path::new("scenarios/minimal.ron"), 1 << 20).unwrap();
    assert!(bytes.starts_with(b"//"));
    let small = outage::scenario::read_limited(std::path::Path::new("scenarios/minimal.ron"), 10).unwrap_err();
    assert_eq!(small.kind(), std::io::ErrorKind::FileTooLarge);
}
