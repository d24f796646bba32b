//! The crate's layers point one way (see ARCHITECTURE.md): each module
//! imports only modules of lower layers. Read from the source, so that a
//! new upward import fails here rather than in a review.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Layers from the ground up; a module may use modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["time"],
    &["dist", "rng", "queue"],
    &["model"],
    &["objective"],
    &["scenario"],
    &["recovery", "synthetic"],
    &["engine"],
    &["report"],
    &["study"],
    // Milestone checks keep their statistics in a study's quantile sketch.
    &["milestones"],
    &["visual"],
    &["error"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let p = entry.expect("readable entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`src/engine/infra.rs`
/// -> `engine`); `None` for the crate root and the binary.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "cli")).then(|| name.to_owned())
}

/// Every `crate::name` a file refers to in code (comments and doc comments
/// left out).
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
        // `use crate::{a, b}` groups.
        if let Some(i) = code.find("crate::{") {
            let group = &code[i + "crate::{".len()..];
            for part in group.split([',', '}']) {
                let name: String = part.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// The module behind each name the crate root re-exports (`pub use
/// engine::{RunReport, ...}` makes `crate::RunReport` a use of `engine`).
fn root_reexports(lib: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let text = lib.split("\n").filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join(" ");
    for stmt in text.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else { continue };
        let Some((module, names)) = path.split_once("::") else { continue };
        for name in names.split([',', '{', '}', ':']) {
            let name = name.trim();
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.push((name.to_owned(), module.trim().to_owned()));
            }
        }
    }
    out
}

#[test]
fn modules_import_only_lower_layers() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexports = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs"));
    assert!(reexports.iter().any(|(n, m)| n == "RunReport" && m == "engine"), "{reexports:?}");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else { continue };
        let Some(own) = layer_of(&module) else {
            violations.push(format!("{}: module '{module}' is in no layer", file.display()));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable source");
        for used in crate_references(&text) {
            let used = reexports.iter().find(|(n, _)| *n == used).map_or(used, |(_, m)| m.clone());
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(l) if l < own => {}
                Some(_) => violations.push(format!(
                    "{}: '{module}' (layer {own}) uses '{used}', which is not below it",
                    file.strip_prefix(&src).unwrap_or(file).display()
                )),
                None => violations.push(format!(
                    "{}: '{module}' uses 'crate::{used}', which is in no layer",
                    file.strip_prefix(&src).unwrap_or(file).display()
                )),
            }
        }
    }
    assert!(violations.is_empty(), "upward or sideways imports:\n{}", violations.join("\n"));
}

#[test]
fn the_reference_scanner_reads_paths_and_groups() {
    let refs = crate_references("use crate::model::{A, B};\nuse crate::{time, dist::Dist};\n// crate::engine\n");
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["dist", "model", "time"]);
}
